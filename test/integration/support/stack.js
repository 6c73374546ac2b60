'use strict';
// One real n8n (package installed as a community package) plus an in-process Khipu sandbox,
// with the credentials and workflow builders the integration suites share.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { REPO_ROOT, DEFAULT_RUNTIME } = require('../../../tools/runtime/paths');
const { assertBuilt, installPackageInto } = require('../../../tools/package/pack');
const { isRuntimeReady } = require('../../../tools/runtime/install');
const { startN8n, n8nClient } = require('../../../tools/stack/n8n');
const { startSandbox, DEFAULT_JWT, DEFAULT_API_KEY } = require('../../../tools/sandbox/server');

const RUNTIME = process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME;
const PKG = 'n8n-nodes-khipu-santander-ar';
const NODE_TYPE = `${PKG}.khipuSantanderAr`;
const TRIGGER_TYPE = `${PKG}.khipuSantanderArTrigger`;
const SECRETS = {
	jwt: DEFAULT_JWT,
	apiKey: DEFAULT_API_KEY,
	accountLink: 'link-token-7f3a9c2e5b1d8f604a2c',
	documentNumber: '30111222',
	username: 'maria.gonzalez',
	pin: '4821',
	callbackToken: `cb-${crypto.randomBytes(24).toString('base64url')}`,
};

function ensureBuilt() {
	try {
		assertBuilt(REPO_ROOT);
	} catch {
		const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, encoding: 'utf8' });
		if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
		assertBuilt(REPO_ROOT);
	}
}

function ensureRuntime() {
	if (isRuntimeReady(RUNTIME)) return;
	const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'tools', 'runtime', 'install-runtime.js'), '--runtime', RUNTIME], {
		cwd: REPO_ROOT,
		stdio: 'inherit',
	});
	if (r.status !== 0) throw new Error('install-runtime.js failed');
}

async function startStack({ sandbox: sandboxOptions = {}, n8nEnv = {} } = {}) {
	ensureBuilt();
	ensureRuntime();
	const sandbox = await startSandbox({ callbackDelayMs: 20, slowMs: 3000, ...sandboxOptions });
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-it-'));
	installPackageInto(userFolder);
	let n8n;
	try {
		n8n = await startN8n({ runtime: RUNTIME, userFolder, env: n8nEnv });
	} catch (error) {
		await sandbox.close();
		throw error;
	}
	try {
		return await prepareStack({ sandbox, n8n, userFolder });
	} catch (error) {
		await n8n.stop();
		await sandbox.close();
		throw error;
	}
}

async function prepareStack({ sandbox, n8n, userFolder }) {
	const client = await n8nClient(n8n);
	await client.setupOwner();
	await client.createApiKey();

	const credentials = {};
	credentials.jwt = await client.createCredential({
		name: 'Khipu sandbox (JWT)',
		type: 'khipuApi',
		data: { authType: 'jwt', jwtToken: SECRETS.jwt, baseUrl: sandbox.url, allowedHttpRequestDomains: 'all' },
	});
	credentials.apiKeyLink = await client.createCredential({
		name: 'Khipu sandbox (API key, Account Link)',
		type: 'khipuApi',
		data: {
			authType: 'apiKeyAccountLink',
			apiKey: SECRETS.apiKey,
			accountLinkToken: SECRETS.accountLink,
			baseUrl: sandbox.url,
			allowedHttpRequestDomains: 'all',
		},
	});
	credentials.apiKeyLogin = await client.createCredential({
		name: 'Khipu sandbox (API key, Santander login)',
		type: 'khipuApi',
		data: {
			authType: 'apiKeySantanderLogin',
			apiKey: SECRETS.apiKey,
			documentNumberSecret: SECRETS.documentNumber,
			username: SECRETS.username,
			pinPassword: SECRETS.pin,
			baseUrl: sandbox.url,
			allowedHttpRequestDomains: 'all',
		},
	});
	// The default callback token credential, for callback-delivery tests that do not go to a trigger.
	credentials.callback = await client.createCredential({
		name: 'Khipu callback token (default)',
		type: 'khipuCallbackApi',
		data: { token: SECRETS.callbackToken },
	});
	credentials.badJwt = await client.createCredential({
		name: 'Khipu sandbox (wrong JWT)',
		type: 'khipuApi',
		data: { authType: 'jwt', jwtToken: 'not-the-right-jwt-000', baseUrl: sandbox.url, allowedHttpRequestDomains: 'all' },
	});

	let counter = 0;
	const uniquePath = (prefix) => `${prefix}-${process.pid}-${++counter}-${crypto.randomBytes(3).toString('hex')}`;

	return {
		sandbox,
		n8n,
		client,
		credentials,
		uniquePath,
		async stop() {
			await n8n.stop();
			await sandbox.close();
			if (!process.env.KHIPU_KEEP_N8N) fs.rmSync(userFolder, { recursive: true, force: true });
		},
		n8nLog() {
			return fs.existsSync(n8n.logFile) ? fs.readFileSync(n8n.logFile, 'utf8') : '';
		},
	};
}

function credentialRef(credential, type = 'khipuApi') {
	return { [type]: { id: String(credential.id), name: credential.name } };
}

/**
 * Webhook (accounts in the body) -> Split Out -> Khipu Santander AR, answering with every
 * item of the last node, so a test sees exactly what a user's next node would see.
 * `callbackCredential` (a khipuCallbackApi credential) is attached for callback-URL delivery.
 */
function balancesWorkflow({ path: hookPath, credential, callbackCredential, parameters = {}, nodeSettings = {}, name }) {
	const credentials = credentialRef(credential);
	if (callbackCredential) Object.assign(credentials, credentialRef(callbackCredential, 'khipuCallbackApi'));
	const webhookId = crypto.randomUUID();
	return {
		name: name || `balances ${hookPath}`,
		nodes: [
			{
				id: crypto.randomUUID(),
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId,
				parameters: { httpMethod: 'POST', path: hookPath, responseMode: 'lastNode', responseData: 'allEntries', options: {} },
			},
			{
				id: crypto.randomUUID(),
				name: 'Split Out',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [200, 0],
				parameters: { fieldToSplitOut: 'body.accounts', options: {} },
			},
			{
				id: crypto.randomUUID(),
				name: 'Khipu',
				type: NODE_TYPE,
				typeVersion: 1,
				position: [400, 0],
				parameters: {
					resource: 'balance',
					operation: 'getPendingCurrentDayBalances',
					accountNumber: '={{ $json.accountNumber }}',
					...parameters,
				},
				credentials,
				...nodeSettings,
			},
		],
		connections: {
			Webhook: { main: [[{ node: 'Split Out', type: 'main', index: 0 }]] },
			'Split Out': { main: [[{ node: 'Khipu', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
	};
}

async function deployWorkflow(stack, workflow) {
	const created = await stack.client.createWorkflow(workflow);
	await stack.client.activateWorkflow(created.id);
	return created;
}

/** Calls the workflow and returns the HTTP answer plus the stored execution (with data). */
async function runAccounts(stack, workflow, hookPath, accounts) {
	const prior = await stack.client.listExecutions({ workflowId: workflow.id });
	const response = await stack.client.callWebhook(hookPath, { accounts: accounts.map((accountNumber) => ({ accountNumber })) });
	const executions = await stack.client.waitForExecutions({
		workflowId: workflow.id,
		count: prior.length + 1,
		timeoutMs: 60_000,
		includeData: true,
	});
	const known = new Set(prior.map((e) => String(e.id)));
	const execution = executions.filter((e) => !known.has(String(e.id))).sort((a, b) => Number(b.id) - Number(a.id))[0];
	return { response, execution };
}

function nodeRun(execution, nodeName = 'Khipu') {
	const runData = execution?.data?.resultData?.runData?.[nodeName];
	return runData ? runData[runData.length - 1] : undefined;
}

function nodeOutput(execution, nodeName = 'Khipu') {
	return nodeRun(execution, nodeName)?.data?.main?.[0] ?? [];
}

function executionError(execution) {
	return execution?.data?.resultData?.error;
}

module.exports = {
	startStack,
	balancesWorkflow,
	deployWorkflow,
	runAccounts,
	nodeRun,
	nodeOutput,
	executionError,
	credentialRef,
	SECRETS,
	NODE_TYPE,
	TRIGGER_TYPE,
	PKG,
};

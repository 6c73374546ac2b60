'use strict';
// The suites' n8n: tools/stack's startStack() (one n8n, the package installed as a community package) with an
// in-process Khipu sandbox, the credentials the suites share (plainly fake secrets), and runAccounts().
const crypto = require('node:crypto');

const { startStack } = require('../../../tools/stack/stack');
const { DEFAULT_JWT, DEFAULT_API_KEY } = require('../../../tools/sandbox/server');
const { jwtCredential } = require('../../../tools/workflows/credentials');
const { uniquePath } = require('../../../tools/workflows/workflows');

const SECRETS = {
	jwt: DEFAULT_JWT,
	apiKey: DEFAULT_API_KEY,
	accountLink: 'link-token-7f3a9c2e5b1d8f604a2c',
	documentNumber: '30111222',
	username: 'maria.gonzalez',
	pin: '4821',
	callbackToken: `cb-${crypto.randomBytes(24).toString('base64url')}`,
};

/** startStack() with the sandbox (callbacks after 20 ms, "slow" answers after 3 s) and the shared credentials. */
async function startTestStack({ sandbox = {}, n8nEnv = {} } = {}) {
	const stack = await startStack({
		mode: 'single',
		sandbox: { callbackDelayMs: 20, slowMs: 3000, ...sandbox },
		n8nEnv,
	});
	try {
		stack.credentials = await createCredentials(stack.client, stack.sandbox.url);
	} catch (error) {
		await stack.stop();
		throw error;
	}
	stack.uniquePath = uniquePath;
	return stack;
}

async function createCredentials(client, baseUrl) {
	const credentials = {};
	credentials.jwt = await jwtCredential(client, { name: 'Khipu sandbox (JWT)', jwt: SECRETS.jwt, baseUrl });
	credentials.apiKeyLink = await client.createCredential({
		name: 'Khipu sandbox (API key, Account Link)',
		type: 'khipuApi',
		data: {
			authType: 'apiKeyAccountLink',
			apiKey: SECRETS.apiKey,
			accountLinkToken: SECRETS.accountLink,
			baseUrl,
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
			baseUrl,
			allowedHttpRequestDomains: 'all',
		},
	});
	// The default callback token credential, for callback-delivery tests that do not go to a trigger.
	credentials.callback = await client.createCredential({
		name: 'Khipu callback token (default)',
		type: 'khipuCallbackApi',
		data: { token: SECRETS.callbackToken },
	});
	credentials.badJwt = await jwtCredential(client, {
		name: 'Khipu sandbox (wrong JWT)',
		jwt: 'not-the-right-jwt-000',
		baseUrl,
	});
	return credentials;
}

/** Calls the workflow and returns the HTTP answer plus the stored execution (with data). */
async function runAccounts(stack, workflow, hookPath, accounts) {
	const prior = await stack.client.listExecutions({ workflowId: workflow.id });
	const response = await stack.client.callWebhook(hookPath, {
		accounts: accounts.map((accountNumber) => ({ accountNumber })),
	});
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

module.exports = { startTestStack, runAccounts, SECRETS };

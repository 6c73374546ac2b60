'use strict';
// Smoke test of the integration harness: build (if needed) -> install the package into a fresh n8n user
// folder as a community package -> start the pinned n8n 2.8.4 -> owner + API key -> the package's node
// types are loaded -> a Webhook workflow runs once through the public API.
//
// KHIPU_HARNESS_PACKAGE_DIR=<dir>  install another (already built) n8n-nodes-* package instead of this repo
//                                   (used to validate the harness itself); node names then come from it.
// KHIPU_KEEP_N8N=1                  keep the temp user folder (database, n8n.log) after the run.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { REPO_ROOT, DEFAULT_RUNTIME } = require('../../tools/runtime/paths');
const { assertBuilt, installPackageInto } = require('../../tools/package/pack');
const { isRuntimeReady } = require('../../tools/runtime/install');
const { startN8n, n8nClient } = require('../../tools/stack/n8n');

const RUNTIME = process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME;
const PACKAGE_DIR = process.env.KHIPU_HARNESS_PACKAGE_DIR ? path.resolve(process.env.KHIPU_HARNESS_PACKAGE_DIR) : REPO_ROOT;
const OWN_PACKAGE = PACKAGE_DIR === REPO_ROOT;
const EXPECTED_NODE_TYPES = [
	'n8n-nodes-khipu-santander-ar.khipuSantanderAr',
	'n8n-nodes-khipu-santander-ar.khipuSantanderArTrigger',
];
const EXPECTED_CREDENTIAL_TYPE = 'khipuApi';

jest.setTimeout(180_000);

function run(cmd, args, what) {
	const r = spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: process.env.CI || 'true' } });
	if (r.status !== 0) {
		const out = `${r.stdout || ''}\n${r.stderr || ''}`.split('\n').slice(-60).join('\n');
		throw new Error(`${what} failed (${r.error ? r.error.message : `exit ${r.status}`}):\n${out}`);
	}
	return r;
}

function ensureBuilt() {
	if (!OWN_PACKAGE) return assertBuilt(PACKAGE_DIR);
	try {
		return assertBuilt(REPO_ROOT);
	} catch {
		run('npm', ['run', 'build'], '`npm run build`');
		return assertBuilt(REPO_ROOT); // still missing files -> clear error
	}
}

describe('integration harness smoke test (n8n community-package install)', () => {
	let userFolder;
	let n8n;
	let client;
	let installed;
	const timings = {};

	// Installing the runtime from scratch takes ~5 min; only then is the longer hook timeout needed.
	beforeAll(async () => {
		let t = Date.now();
		ensureBuilt();
		timings.buildMs = Date.now() - t;

		if (!isRuntimeReady(RUNTIME)) {
			t = Date.now();
			run(process.execPath, [path.join(REPO_ROOT, 'tools', 'runtime', 'install-runtime.js'), '--runtime', RUNTIME], 'install-runtime.js');
			timings.runtimeInstallMs = Date.now() - t;
		}

		userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-smoke-'));
		t = Date.now();
		installed = installPackageInto(userFolder, { packageDir: PACKAGE_DIR });
		timings.packMs = Date.now() - t;

		n8n = await startN8n({ runtime: RUNTIME, userFolder });
		timings.startMs = n8n.startupMs;

		t = Date.now();
		client = await n8nClient(n8n);
		await client.setupOwner();
		await client.createApiKey();
		timings.ownerAndKeyMs = Date.now() - t;
	}, isRuntimeReady(RUNTIME) ? 180_000 : 900_000);

	afterAll(async () => {
		if (n8n) await n8n.stop();
		if (userFolder && !process.env.KHIPU_KEEP_N8N) fs.rmSync(userFolder, { recursive: true, force: true });
		else if (userFolder) console.log(`n8n user folder kept: ${userFolder}`);
		console.log(`harness timings (ms): ${JSON.stringify(timings)}`);
	}, 30_000);

	test('the package is installed where n8n looks for community packages', () => {
		const manifest = JSON.parse(fs.readFileSync(path.join(userFolder, '.n8n', 'nodes', 'package.json'), 'utf8'));
		expect(manifest.dependencies).toHaveProperty(installed.name);
		expect(fs.existsSync(path.join(userFolder, '.n8n', 'nodes', 'node_modules', installed.name, 'package.json'))).toBe(true);
	});

	test('n8n lists the package node types in /types/nodes.json', async () => {
		const types = await client.getNodeTypes();
		const names = new Set(types.map((t) => t.name));
		const expected = OWN_PACKAGE ? EXPECTED_NODE_TYPES : installed.nodeTypes;
		for (const name of expected) {
			expect({ name, loaded: names.has(name) }).toEqual({ name, loaded: true });
		}
		if (OWN_PACKAGE) {
			const creds = await client.getCredentialTypes();
			expect(creds.map((c) => c.name)).toContain(EXPECTED_CREDENTIAL_TYPE);
		}
	});

	test('an activated Webhook workflow runs once and is listed as an execution', async () => {
		const hookPath = `harness-smoke-${crypto.randomBytes(4).toString('hex')}`;
		const wf = await client.createWorkflow({
			name: `harness smoke ${hookPath}`,
			nodes: [
				{
					id: crypto.randomUUID(),
					name: 'Webhook',
					type: 'n8n-nodes-base.webhook',
					typeVersion: 2,
					position: [0, 0],
					webhookId: crypto.randomUUID(),
					parameters: { httpMethod: 'POST', path: hookPath, responseMode: 'onReceived', options: {} },
				},
			],
			connections: {},
		});
		expect(wf.id).toBeTruthy();
		await client.activateWorkflow(wf.id);

		const res = await client.callWebhook(hookPath, { hello: 'khipu' });
		expect(res.status).toBe(200);
		expect(res.body).toEqual({ message: 'Workflow was started' });

		const executions = await client.waitForExecutions({ workflowId: wf.id, count: 1, timeoutMs: 20_000 });
		expect(executions).toHaveLength(1);
		expect(executions[0]).toMatchObject({ status: 'success', mode: 'webhook' });

		const full = await client.getExecution(executions[0].id, { includeData: true });
		expect(full.data.resultData.runData.Webhook[0].data.main[0][0].json.body).toEqual({ hello: 'khipu' });

		await client.deactivateWorkflow(wf.id);
		const after = await client.callWebhook(hookPath, { hello: 'again' }, { retry404Ms: 0 });
		expect(after.status).toBe(404);
	});
});

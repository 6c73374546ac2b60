'use strict';
// Smoke test of the integration harness: build (if needed) -> install the package into a fresh n8n user
// folder as a community package -> start the pinned n8n 2.8.4 -> owner + API key -> the package's node
// types are loaded -> a Webhook workflow runs once through the public API.
//
// KHIPU_HARNESS_PACKAGE_DIR=<dir>  install another (already built) n8n-nodes-* package instead of this repo
//                                   (used to validate the harness itself); node names then come from it.
// KHIPU_KEEP_N8N=1                  keep the temp user folder (database, n8n.log) after the run.
const fs = require('node:fs');
const path = require('node:path');

const { REPO_ROOT } = require('../../tools/lib/repo');
const { DEFAULT_RUNTIME } = require('../../tools/runtime/paths');
const { isRuntimeReady } = require('../../tools/runtime/install');
const { startStack } = require('../../tools/stack/stack');
const { webhookNode, chain } = require('../../tools/workflows/nodes');
const { uniquePath } = require('../../tools/workflows/workflows');

const RUNTIME = process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME;
const PACKAGE_DIR = process.env.KHIPU_HARNESS_PACKAGE_DIR
	? path.resolve(process.env.KHIPU_HARNESS_PACKAGE_DIR)
	: REPO_ROOT;
const OWN_PACKAGE = PACKAGE_DIR === REPO_ROOT;
const EXPECTED_NODE_TYPES = [
	'n8n-nodes-khipu-santander-ar.khipuSantanderAr',
	'n8n-nodes-khipu-santander-ar.khipuSantanderArTrigger',
];
const EXPECTED_CREDENTIAL_TYPE = 'khipuApi';

jest.setTimeout(180_000);

describe('integration harness smoke test (n8n community-package install)', () => {
	let stack;
	let userFolder;
	let client;
	let installed;
	const timings = {};

	// Installing the runtime from scratch takes ~5 min; only then is the longer hook timeout needed.
	beforeAll(
		async () => {
			stack = await startStack({
				mode: 'single',
				runtime: RUNTIME,
				packageDir: OWN_PACKAGE ? undefined : PACKAGE_DIR,
				// each step timed: runtime check, build + pack + install, n8n start, owner + API key
				step: async (title, fn) => {
					const t = Date.now();
					const result = await fn(() => {});
					timings[title] = Date.now() - t;
					return result;
				},
			});
			({ userFolder, client } = stack);
			installed = stack.package;
		},
		isRuntimeReady(RUNTIME) ? 180_000 : 900_000,
	);

	afterAll(async () => {
		if (process.env.KHIPU_KEEP_N8N && userFolder) console.log(`n8n user folder kept: ${userFolder}`);
		if (stack) await stack.stop();
		console.log(`harness timings (ms): ${JSON.stringify(timings)}`);
	}, 30_000);

	test('the package is installed where n8n looks for community packages', () => {
		const manifest = JSON.parse(fs.readFileSync(path.join(userFolder, '.n8n', 'nodes', 'package.json'), 'utf8'));
		expect(manifest.dependencies).toHaveProperty(installed.name);
		expect(fs.existsSync(path.join(userFolder, '.n8n', 'nodes', 'node_modules', installed.name, 'package.json'))).toBe(
			true,
		);
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
		const hookPath = uniquePath('harness-smoke');
		const wf = await client.createWorkflow({
			...chain(`harness smoke ${hookPath}`, [webhookNode(hookPath, { responseMode: 'onReceived' })]),
			settings: undefined,
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

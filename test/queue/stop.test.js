'use strict';
// Issue 20.8 where a stopped execution's wait showed: in queue mode the worker's job stays in one of its slots
// until the node returns, and n8n then had to wait out the node's Retry-After (up to 600 s per retry) before
// that slot could run anything else. One worker with one slot: execution A waits on a throttling Khipu's
// Retry-After: 30 and is stopped; execution B, queued right after, must finish within seconds, and A must
// send nothing more. Before the fix B finished only when A's 30 s had passed.
const { startStack } = require('../../tools/stack/stack');
const { startSandbox, DEFAULT_JWT } = require('../../tools/sandbox/server');
const { balancesWorkflow } = require('../../tools/workflows/workflows');
const { startThrottlingServer, runningExecution } = require('../integration/support/throttlingServer');

const RETRY_AFTER_S = 30;

let sandbox;
let throttle;
let queue;

beforeAll(async () => {
	sandbox = await startSandbox();
	throttle = await startThrottlingServer({ retryAfterSeconds: RETRY_AFTER_S });
	queue = await startStack({ mode: 'queue', workers: 1, webhooks: 1, workerConcurrency: 1 });
}, 300_000);

afterAll(async () => {
	if (queue) await queue.stop();
	if (throttle) await throttle.close();
	if (sandbox) await sandbox.close();
}, 120_000);

async function deploy(hookPath, baseUrl, responseMode) {
	const credential = await queue.client.createCredential({
		name: `Khipu at ${baseUrl}`,
		type: 'khipuApi',
		data: { authType: 'jwt', jwtToken: DEFAULT_JWT, baseUrl, allowedHttpRequestDomains: 'all' },
	});
	const workflow = balancesWorkflow({
		path: hookPath,
		credential,
		parameters: { options: { maxRetryAfterSeconds: 60, maxRetries: 3 } },
	});
	workflow.nodes[0].parameters.responseMode = responseMode;
	const created = await queue.client.createWorkflow(workflow);
	await queue.client.activateWorkflow(created.id);
	return created;
}

test(
	'a stopped execution waiting on Retry-After frees its worker slot at once and sends nothing more',
	async () => {
		const waiting = await deploy('queue-stop-throttled', throttle.url, 'onReceived');
		await deploy('queue-stop-next', sandbox.url, 'lastNode');

		await queue.client.callWebhook(
			'queue-stop-throttled',
			{ accounts: [{ accountNumber: '000011887755' }] },
			{ retry404Ms: 10_000 },
		);
		const first = await throttle.firstRequest(60_000);
		const execution = await runningExecution(queue.client, waiting.id);
		await new Promise((resolve) => setTimeout(resolve, 500)); // now in the 30 s wait
		await queue.client.rest('POST', `/executions/${execution.id}/stop`);

		// The worker's only slot runs the next execution at once.
		const started = Date.now();
		const next = await queue.client.callWebhook(
			'queue-stop-next',
			{ accounts: [{ accountNumber: '000011887755' }] },
			{ retry404Ms: 10_000 },
		);
		const nextMs = Date.now() - started;
		expect(next.status).toBe(200);
		expect(next.body).toEqual([expect.objectContaining({ accountNumber: '000011887755', amount: 125000 })]);
		// Well before the stopped execution's 30 s would have ended (before the fix: only after them).
		expect(Date.now()).toBeLessThan(first.at + (RETRY_AFTER_S - 5) * 1000);

		// Past the Retry-After: the stopped execution sent nothing more.
		await new Promise((resolve) =>
			setTimeout(resolve, Math.max(0, first.at + (RETRY_AFTER_S + 3) * 1000 - Date.now())),
		);
		expect(throttle.requests()).toHaveLength(1);
		console.log(`queue stop: the next execution on the freed slot took ${nextMs} ms`);
	},
	(RETRY_AFTER_S + 90) * 1000,
);

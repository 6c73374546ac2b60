'use strict';
// Issue 13.1: a request the node gives up on lets go of its connection. A server that never
// answers records every connection; after the node's timeout it must see the client close
// each one within a second of n8n giving up, for one account and for a fan-out of 50, and
// none may stay open. n8n's own credential test is checked the same way.
const http = require('node:http');

const { startTestStack, SECRETS } = require('./support/stack');
const { balancesWorkflow, deployWorkflow } = require('../../tools/workflows/workflows');
const { nodeOutput, executionError } = require('../../tools/n8n-client/executions');
const { startHoldingServer } = require('./support/holdingServer');
const { startThrottlingServer, runningExecution } = require('./support/throttlingServer');
const { runtimeDir, DEFAULT_RUNTIME } = require('../../tools/runtime/paths');

const RUNTIME = process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME;

jest.setTimeout(120_000);

const CLOSE_WITHIN_MS = 1000;
// n8n gives a credential's test request 300 s; the Khipu credential bounds its own test to 30 s.
const CREDENTIAL_TEST_TIMEOUT_MS = 30_000;
const N8N_CREDENTIAL_TEST_TIMEOUT_MS = 300_000;

let stack;
let holding;
let credential;
let credentialProbe;

beforeAll(async () => {
	holding = await startHoldingServer();
	stack = await startTestStack();
	credential = await stack.client.createCredential({
		name: 'Khipu that never answers',
		type: 'khipuApi',
		data: { authType: 'jwt', jwtToken: SECRETS.jwt, baseUrl: holding.url, allowedHttpRequestDomains: 'all' },
	});
	// Runs alongside the other tests: the credential test holds for its 30 s.
	credentialProbe = testCredentialWithoutClientTimeout();
	await holding.waitForRequests(1);
}, 180_000);

afterAll(async () => {
	if (stack) await stack.stop();
	if (holding) await holding.close();
}, 30_000);

/** POST /rest/credentials/test over plain http: fetch would give up on its own after 300 s. */
function testCredentialWithoutClientTimeout() {
	const body = JSON.stringify({
		credentials: {
			id: String(credential.id),
			name: credential.name,
			type: 'khipuApi',
			data: { authType: 'jwt', jwtToken: SECRETS.jwt, baseUrl: holding.url },
		},
	});
	return new Promise((resolve, reject) => {
		const req = http.request(
			`${stack.client.baseUrl}/rest/credentials/test`,
			{ method: 'POST', headers: { 'content-type': 'application/json', cookie: stack.client.cookie } },
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (chunk) => (text += chunk));
				res.on('end', () => resolve({ status: res.statusCode, answeredAt: Date.now(), body: JSON.parse(text) }));
			},
		);
		req.on('error', reject);
		req.end(body);
	});
}

/** Runs the workflow; `answeredAt` is when n8n answered the webhook, i.e. had given up. */
async function runAgainstHoldingServer(accounts, { nodeSettings = {}, timeoutMs = 1000 } = {}) {
	const path = stack.uniquePath('hold');
	const workflow = await deployWorkflow(
		stack,
		balancesWorkflow({ path, credential, parameters: { options: { timeoutMs, concurrency: 20 } }, nodeSettings }),
	);
	const before = holding.connections().length;
	const response = await stack.client.callWebhook(path, {
		accounts: accounts.map((accountNumber) => ({ accountNumber })),
	});
	const answeredAt = Date.now();
	const [execution] = await stack.client.waitForExecutions({
		workflowId: workflow.id,
		count: 1,
		includeData: true,
		timeoutMs: 60_000,
	});
	const stillOpen = await holding.openAfter(answeredAt + CLOSE_WITHIN_MS, before);
	const mine = holding.connections().slice(before);
	return { response, answeredAt, execution, mine, stillOpen };
}

function balanceConnections(connections) {
	return connections.filter((c) => c.requests.some((r) => r.path.startsWith('/v1/')));
}

function expectAllClosedByClient(connections, answeredAt) {
	for (const c of connections) {
		expect(c.closedAt).not.toBeNull();
		expect(c.closedByServer).toBe(false);
		expect(c.closedAt).toBeLessThanOrEqual(answeredAt + CLOSE_WITHIN_MS);
	}
}

test('one account: the timed-out request’s connection is closed by n8n', async () => {
	const { answeredAt, execution, mine, stillOpen } = await runAgainstHoldingServer(['000011887755']);
	expect(executionError(execution).message).toMatch(/timed out after 1000 ms/);
	const balances = balanceConnections(mine);
	expect(balances).toHaveLength(1);
	expect(balances[0].requests).toHaveLength(1);
	expectAllClosedByClient(balances, answeredAt);
	expect(balanceConnections(stillOpen)).toEqual([]);
});

test('fan-out of 50 slow accounts (Continue On Fail): 50 timeouts, 50 connections, all closed', async () => {
	const accounts = Array.from({ length: 50 }, (_, i) => `88${String(i).padStart(8, '0')}`);
	const { answeredAt, execution, mine, stillOpen } = await runAgainstHoldingServer(accounts, {
		nodeSettings: { onError: 'continueRegularOutput' },
	});
	const items = nodeOutput(execution);
	expect(items).toHaveLength(50);
	items.forEach((item, index) => {
		expect(item.pairedItem).toEqual({ item: index });
		expect(item.json.error).toMatch(/timed out after 1000 ms/);
	});
	const balances = balanceConnections(mine);
	expect(balances.flatMap((c) => c.requests)).toHaveLength(50);
	expectAllClosedByClient(balances, answeredAt);
	expect(balanceConnections(stillOpen)).toEqual([]);
});

test('fan-out of 50 slow accounts that stops at the first failure leaves no connection open', async () => {
	const accounts = Array.from({ length: 50 }, (_, i) => `89${String(i).padStart(8, '0')}`);
	const { answeredAt, execution, mine, stillOpen } = await runAgainstHoldingServer(accounts);
	expect(execution.status).toBe('error');
	expect(executionError(execution).message).toMatch(/timed out after 1000 ms/);
	const balances = balanceConnections(mine);
	expect(balances.length).toBeGreaterThan(0);
	expectAllClosedByClient(balances, answeredAt);
	expect(balanceConnections(stillOpen)).toEqual([]);
});

test(
	"credential test: gives up after 30 s (not n8n's 300 s) and closes the connection",
	async () => {
		const result = await credentialProbe;
		expect(result.status).toBe(200);
		expect((result.body.data ?? result.body).status).toBe('Error');
		// The probe was the holding server's first connection: beforeAll waited for it.
		const probe = holding.connections().slice(0, 1);
		const [connection] = probe;
		expect(connection.requests.map((r) => r.path)).toEqual([expect.stringMatching(/^\/v1\//)]);
		const heldMs = result.answeredAt - connection.requests[0].at;
		expect(heldMs).toBeGreaterThanOrEqual(CREDENTIAL_TEST_TIMEOUT_MS - CLOSE_WITHIN_MS);
		expect(heldMs).toBeLessThan(N8N_CREDENTIAL_TEST_TIMEOUT_MS);
		const stillOpen = await holding.openAfter(result.answeredAt + CLOSE_WITHIN_MS);
		expectAllClosedByClient(probe, result.answeredAt);
		expect(stillOpen).toEqual([]);
	},
	CREDENTIAL_TEST_TIMEOUT_MS + 60_000,
);

// Issue 20.8: Stop ends a retry wait. Khipu (a server that throttles every request) asks for Retry-After: 30;
// the user stops the execution while the node waits. n8n marks it cancelled at once on every version, and
// nothing more is sent, not even once the 30 s have passed. (n8n itself hides whether the node's wait goes
// on: test/queue/stop.test.js shows it where it did show, a worker slot held until the wait ended.)
const RETRY_AFTER_S = 30;

test(
	'stopping an execution that waits on Retry-After cancels it at once and nothing more is sent',
	async () => {
		const throttle = await startThrottlingServer({ retryAfterSeconds: RETRY_AFTER_S });
		try {
			const throttled = await stack.client.createCredential({
				name: 'Khipu that throttles',
				type: 'khipuApi',
				data: { authType: 'jwt', jwtToken: SECRETS.jwt, baseUrl: throttle.url, allowedHttpRequestDomains: 'all' },
			});
			const path = stack.uniquePath('stop');
			const workflow = balancesWorkflow({
				path,
				credential: throttled,
				parameters: { options: { maxRetryAfterSeconds: 60, maxRetries: 3 } },
			});
			workflow.nodes[0].parameters.responseMode = 'onReceived';
			const deployed = await deployWorkflow(stack, workflow);
			await stack.client.callWebhook(path, { accounts: [{ accountNumber: '000011887755' }] });

			const first = await throttle.firstRequest();
			const execution = await runningExecution(stack.client, deployed.id);
			await new Promise((resolve) => setTimeout(resolve, 500)); // now in the 30 s wait
			const stoppedAt = Date.now();
			await stack.client.rest('POST', `/executions/${execution.id}/stop`);
			let ended = await stack.client.getExecution(execution.id, { includeData: false });
			while (ended.status === 'running' && Date.now() - stoppedAt < 10_000) {
				await new Promise((resolve) => setTimeout(resolve, 100));
				ended = await stack.client.getExecution(execution.id, { includeData: false });
			}
			expect(ended.status).toBe('canceled');
			expect(Date.now() - stoppedAt).toBeLessThan(5000);

			// Past the Retry-After: still only the request sent before the stop.
			await new Promise((resolve) =>
				setTimeout(resolve, Math.max(0, first.at + (RETRY_AFTER_S + 3) * 1000 - Date.now())),
			);
			expect(throttle.requests()).toHaveLength(1);
		} finally {
			await throttle.close();
		}
	},
	(RETRY_AFTER_S + 60) * 1000,
);

test('the running n8n’s own n8n-workflow ends the node’s retry wait at a stop (COMPAT row 24)', async () => {
	// The package's compiled wait, with n8n-workflow as this n8n version ships it (2.8.0: sleepWithAbort;
	// 2.41.0: sleep(ms, signal)). If n8n changes how a wait is aborted, this fails.
	const runtimeWorkflow = require.resolve('n8n-workflow', { paths: [runtimeDir(RUNTIME)] });
	await jest.isolateModulesAsync(async () => {
		jest.doMock('n8n-workflow', () => jest.requireActual(runtimeWorkflow));
		const { sleepUnlessStopped } = require('../../dist/nodes/shared/n8nCompat');
		const stop = new AbortController();
		const started = Date.now();
		const wait = sleepUnlessStopped(60_000, stop.signal);
		setTimeout(() => stop.abort(), 50);
		await expect(wait).rejects.toBeDefined();
		expect(Date.now() - started).toBeLessThan(5000);
	});
});

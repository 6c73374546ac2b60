'use strict';
// Issue 5 "proof": reliability and security against a real n8n 2.8.4 (the packed package installed
// as a community package) and the local Khipu sandbox, in one file so that one n8n serves every
// part and the closing secret scan sees what all of them produced:
//   1. faults from Khipu (sync, callback URL and pause delivery)   4. load: nothing lost, nothing doubled
//   2. bad input (node parameters, credential fields, callbacks)    5. secrets: zero occurrences anywhere
//   3. abuse of the callback URL (forgery, replay, a flood)         6. figures -> artifacts/
// A callback that never comes in pause mode is proven by test/integration/pause.test.js
// ("never called back ... Wait Limit 1 minute"): the smallest wait limit takes a minute.
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { startTestStack, runAccounts, SECRETS } = require('../support/stack');
const { balancesWorkflow, deployWorkflow } = require('../../../tools/workflows/workflows');
const { nodeOutput, executionError } = require('../../../tools/n8n-client/executions');
const { exportedWorkflows } = require('../support/secrets');
const { hashedBalances } = require('../../../tools/sandbox/balances');
const { DEFAULT_RUNTIME } = require('../../../tools/runtime/paths');
const H = require('./support');
const { n8nBehaviours } = require('../support/n8n-version');
const { pinnedN8n } = require('../../../tools/runtime/runtimes');

jest.setTimeout(120_000);

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const { reliabilitySection } = require('../../../tools/figures/reliability');

// The default runtime's figures are the README's; other runtimes keep theirs apart.
const RUNTIME = process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME;
const ARTIFACT = path.join(
	REPO_ROOT,
	'artifacts',
	RUNTIME === DEFAULT_RUNTIME ? 'reliability.json' : `reliability-${RUNTIME}.json`,
);
const TRIGGER = 'Khipu Trigger';
const OK_ACCOUNT = '000011887755';
const PROBLEM_LINE = /\b(unhandled|uncaught)\b/i;

const started = Date.now();
const output = H.captureOutput();
const sandboxLog = [];
/** Every Callback Token the suite gives a trigger; all of them are secrets. */
const tokens = {};
/** The khipuCallbackApi credential of each token, by the same names. */
const tokenCredentials = {};
/** What n8n answered to HTTP calls (webhook responses carry the node outputs; acknowledgements). */
const answers = [];
/** The sandbox's request and callback records, kept across its resets for the secret scan. */
const sandboxRecords = [];
const failed = [];

const figures = {
	date: new Date().toISOString(),
	command: 'npm test',
	suite: 'test/integration/reliability/reliability.test.js',
	n8nVersion: pinnedN8n(RUNTIME) || 'unknown',
	node: process.version,
	machine: `${os.cpus().length} CPU cores, Node.js ${process.version.slice(1)}`,
	timings: {},
	faults: {
		scenarios: 0,
		runs: 0,
		list: [],
		retries: { retryDelayMs: 150, maxRetries: 2, timeoutMs: 1000 },
		n8nLogProblems: null,
	},
	badInputs: {
		total: 0,
		nodeParameters: 0,
		credentials: 0,
		callbackBodies: 0,
		requestsReachingKhipu: 0,
		executionsStarted: 0,
	},
	callbacks: { sent: 0, legitimate: 0, duplicates: 0, forged: 0, duplicatesRejected: 0, forgedRejected: 0 },
	abuse: { cases: 0, floodRequests: 0, floodConcurrency: 0, floodMs: 0, floodLegitimate: 0, floodStatuses: {} },
	load: {},
	secrets: {},
};

/** test() that remembers failures, so the figures step knows whether the run is publishable. */
function check(title, fn, timeout) {
	test(
		title,
		async () => {
			try {
				await fn();
			} catch (error) {
				failed.push(title);
				throw error;
			}
		},
		timeout,
	);
}

let stack;

beforeAll(async () => {
	stack = await startTestStack({
		sandbox: { log: (line) => sandboxLog.push(line) },
		// Every execution is kept with its data, and none is pruned while the suite counts them.
		n8nEnv: {
			EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
			EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
			EXECUTIONS_DATA_PRUNE: 'false',
		},
	});
	figures.timings.stackMs = Date.now() - started;
}, 900_000);

afterAll(async () => {
	output.stop();
	if (stack) await stack.stop();
}, 60_000);

// ---------------------------------------------------------------------------------------------
// shared helpers

/** Times the enclosing describe block into figures.timings[name] and prints its figures. */
function timePart(name, summary) {
	let partStarted;
	beforeAll(() => {
		partStarted = Date.now();
	});
	afterAll(() => {
		figures.timings[name] = Date.now() - partStarted;
		console.log(`reliability ${name.replace(/Ms$/, '')}: ${JSON.stringify(summary())} in ${figures.timings[name]} ms`);
	});
}

/** Waits for the sandbox to finish what a node gave up on, then forgets everything. */
async function fresh({ latencyMs = 0, callbackDelayMs = 20 } = {}) {
	for (let waited = 0; stack.sandbox.state.stats().inFlight > 0 && waited < 6000; waited += 50) await H.sleep(50);
	keepSandboxRecords();
	stack.sandbox.state.reset();
	stack.sandbox.state.configure({ latencyMs, callbackDelayMs, slowMs: 3000 });
}

function keepSandboxRecords() {
	sandboxRecords.push(JSON.stringify(stack.sandbox.state.requests()), JSON.stringify(stack.sandbox.state.callbacks()));
}

const requestsFor = (account) => stack.sandbox.state.requests().filter((r) => r.accountNumber === account);
const endpointRequests = () => stack.sandbox.state.requests().filter((r) => r.path.startsWith('/v1/'));
const gapsOf = (records) =>
	records.slice(1).map((r, i) => Date.parse(r.receivedAt) - Date.parse(records[i].receivedAt));
const logProblems = (text) => text.split('\n').filter((line) => PROBLEM_LINE.test(line));

function credentialOf(credential) {
	return typeof credential === 'string' ? stack.credentials[credential] : credential;
}

/** A webhook-started balances workflow; run(accounts) answers with the execution and the wall time. */
async function deployBalances(
	parameters = {},
	{ credential = 'jwt', continueOnFail = false, callbackCredential = stack.credentials.callback } = {},
) {
	const hookPath = stack.uniquePath('rel');
	const workflow = await deployWorkflow(
		stack,
		balancesWorkflow({
			path: hookPath,
			credential: credentialOf(credential),
			callbackCredential,
			parameters,
			nodeSettings: continueOnFail ? { onError: 'continueRegularOutput' } : {},
		}),
	);
	return {
		id: workflow.id,
		async run(accounts) {
			const t0 = Date.now();
			const { response, execution } = await runAccounts(stack, workflow, hookPath, accounts);
			answers.push(JSON.stringify(response.body));
			return { response, execution, ms: Date.now() - t0 };
		},
	};
}

async function deployPause(options, { credential = 'jwt', continueOnFail = false } = {}) {
	const hookPath = stack.uniquePath('relpause');
	const workflow = await deployWorkflow(
		stack,
		H.pauseWorkflow({
			path: hookPath,
			credential: credentialOf(credential),
			options,
			nodeSettings: continueOnFail ? { onError: 'continueRegularOutput' } : {},
		}),
	);
	let runs = 0;
	return {
		id: workflow.id,
		/** Starts one execution and waits until it has finished (waitForExecutions waits out "waiting"). */
		async run(account, timeoutMs = 30_000) {
			const t0 = Date.now();
			const response = await stack.client.callWebhook(hookPath, { accounts: [{ accountNumber: account }] });
			expect(response.status).toBe(200);
			runs += 1;
			const done = await stack.client.waitForExecutions({
				workflowId: workflow.id,
				count: runs,
				timeoutMs,
				includeData: true,
			});
			const execution = done.sort((a, b) => Number(b.id) - Number(a.id))[0];
			return { execution, ms: Date.now() - t0 };
		},
	};
}

/** A trigger workflow, active and answering (the first call after activation can 404). */
async function deployTrigger(name, settings = {}) {
	const token = settings.token ?? H.makeToken(40);
	tokens[name] = token;
	const { workflow, url, credential } = await H.triggerWorkflow(stack, { ...settings, token });
	tokenCredentials[name] = credential;
	const created = await deployWorkflow(stack, workflow);
	const until = Date.now() + 10_000;
	while ((await H.postRaw(url, {})).status === 404) {
		if (Date.now() > until) throw new Error(`trigger ${name} never became reachable`);
		await H.sleep(100);
	}
	return { id: created.id, url, token, credential, withToken: `${url}?token=${token}` };
}

async function executionsOf(workflowId, { includeData = false } = {}) {
	const all = await stack.client.listExecutions({ workflowId, includeData });
	return all.sort((a, b) => Number(a.id) - Number(b.id));
}

/** Waits for `count` finished executions, then watches `settleMs` longer so a late extra one shows. */
async function settledExecutions(
	workflowId,
	{ count = 0, timeoutMs = 30_000, settleMs = 1500, includeData = false } = {},
) {
	if (count > 0) await stack.client.waitForExecutions({ workflowId, count, timeoutMs });
	await H.sleep(settleMs);
	const until = Date.now() + timeoutMs;
	for (;;) {
		const all = await executionsOf(workflowId, { includeData });
		if (all.every((e) => e.status !== 'new' && e.status !== 'running') || Date.now() > until) return all;
		await H.sleep(200);
	}
}

/** The trigger executions whose items carry this OperationId (polls until `count` exist). */
async function triggerExecutionsFor(triggerId, operationId, count = 1, timeoutMs = 20_000) {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const mine = (await executionsOf(triggerId, { includeData: true })).filter((e) =>
			H.outputJson(e, TRIGGER).some((item) => (item.operationId ?? item.OperationId) === operationId),
		);
		if (mine.length >= count || Date.now() > until) return mine;
		await H.sleep(200);
	}
}

async function deliveriesFor(operationId, count = 1, timeoutMs = 20_000) {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const mine = stack.sandbox.state.callbacks().filter((d) => d.operationId === operationId);
		if (mine.length >= count || Date.now() > until) return mine;
		await H.sleep(50);
	}
}

// ---------------------------------------------------------------------------------------------
// 1. Faults from Khipu

/** Node options for every fault run: small delays keep the suite fast, the logic is the same. */
const FAULT_OPTIONS = { maxRetries: 2, retryDelayMs: 150, timeoutMs: 1000 };
const SLACK_MS = 4000;

const ERROR_ITEM_KEYS = [
	'accountNumber',
	'advice',
	'code',
	'description',
	'error',
	'httpStatus',
	'message',
	'operationId',
	'type',
];

/**
 * `text` is the failure message (an error item's `error`; the node error adds "Item 1: ").
 * `via`: 'http' faults are answered the same whatever the delivery; 'envelope' ones (Status ERROR)
 * reach a callback URL as the callback body.
 */
const FAULTS = [
	{
		id: 'http-500-envelope',
		account: '3000000500',
		via: 'http',
		attempts: 3,
		text: /^Khipu answered HTTP 500 \(Khipu error E000: Generic error\)$/,
		advice: /Khipu had an internal error; try again later/,
		item: { httpStatus: 500, code: 'E000', type: 'RETRY_IMMEDIATELY' },
	},
	{
		id: 'http-500-html',
		account: '3000000501',
		via: 'http',
		attempts: 1,
		text: /^Khipu answered HTTP 500 with text\/html page "500 Internal Server Error"$/,
		advice: /internal error/,
		item: { httpStatus: 500, code: null, type: null },
	},
	{
		id: 'http-504-html',
		account: '3000000504',
		via: 'http',
		attempts: 1,
		text: /^Khipu answered HTTP 504 with text\/html page "504 Gateway Time-out"$/,
		advice: /prefer callback delivery/,
		item: { httpStatus: 504, code: null },
	},
	{
		id: 'http-401-A000',
		account: '3000000401',
		via: 'http',
		attempts: 1,
		text: /^Khipu answered HTTP 401 \(Khipu error A000: JWT expired, revoked or invalid\)$/,
		advice: /Check the JWT or API key/,
		item: { httpStatus: 401, code: 'A000' },
	},
	{
		id: 'http-404',
		account: '3000000404',
		via: 'http',
		attempts: 1,
		text: /^Khipu answered HTTP 404 with \d+ bytes of application\/json$/,
		advice: /Check the Base URL/,
		item: { httpStatus: 404 },
	},
	{
		id: 'http-429-retry-after-1s',
		account: '3000000429',
		via: 'http',
		attempts: 3,
		text: /^Khipu answered HTTP 429 with \d+ bytes of application\/json$/,
		advice: /rate-limiting.*Khipu asked to wait 1 s\./,
		item: { httpStatus: 429 },
		// Retry-After (1 s) is honoured instead of the 150 ms / 300 ms backoff.
		gaps: (gaps) => {
			expect(gaps).toHaveLength(2);
			gaps.forEach((gap) => expect(gap).toBeGreaterThanOrEqual(950));
			gaps.forEach((gap) => expect(gap).toBeLessThan(2500));
			figures.faults.retries.retryAfter1sGapsMs = gaps;
		},
		maxMs: 2000 + SLACK_MS,
	},
	{
		id: 'http-429-retry-after-over-cap',
		account: '3000000430',
		via: 'http',
		attempts: 1,
		text: /^Khipu answered HTTP 429 with \d+ bytes of application\/json$/,
		advice: /Khipu asked to wait 120 s\./,
		item: { httpStatus: 429 },
	},
	{
		id: 'http-429-then-ok',
		account: '3000000431',
		via: 'http',
		attempts: 2,
		recovers: true,
		gaps: ([gap]) => {
			expect(gap).toBeGreaterThanOrEqual(950);
			expect(gap).toBeLessThan(2500);
		},
		maxMs: 1000 + SLACK_MS,
	},
	{
		id: 'connection-reset',
		account: '3000000000',
		via: 'http',
		attempts: 1,
		text: /^Could not get an answer from Khipu: the connection was reset before Khipu answered$/,
		advice: /Check the Base URL and the network/,
		item: { httpStatus: null, code: 'ECONNRESET' },
	},
	{
		id: 'truncated-response',
		account: '3000000002',
		via: 'http',
		attempts: 1,
		text: /^Could not get an answer from Khipu: the connection was closed before the whole answer arrived$/,
		advice: /Check the Base URL and the network/,
		item: { httpStatus: null },
	},
	{
		id: 'slower-than-timeout',
		account: '4000000001',
		via: 'http',
		attempts: 1,
		text: /^Could not get an answer from Khipu: the request timed out after 1000 ms$/,
		advice: /Raise the node's Timeout option, or use callback delivery/,
		item: { httpStatus: null, code: 'ETIMEDOUT' },
		// Not retried: a timed-out request may still have been processed by Khipu.
		maxMs: 1000 + SLACK_MS,
	},
	{
		id: 'http-200-html',
		account: '3000000200',
		via: 'http',
		attempts: 1,
		text: /^Khipu answered HTTP 200 with text\/html page "Mantenimiento" instead of a JSON envelope$/,
		advice: /a proxy or gateway answered instead of Khipu/,
		item: { httpStatus: 200 },
	},
	{
		id: 'http-200-truncated-json',
		account: '3000000201',
		via: 'http',
		attempts: 1,
		text: /^Khipu answered HTTP 200 with \d+ bytes of application\/json instead of a JSON envelope$/,
		advice: /a proxy or gateway answered instead of Khipu/,
		item: { httpStatus: 200 },
	},
	{
		id: 'error-DO_NOT_RETRY',
		account: '2000000003',
		via: 'envelope',
		attempts: 1,
		text: /^Khipu error E101 \(DO_NOT_RETRY\): Invalid bank credentials$/,
		advice: /Retrying will not help: fix the cause first/,
		item: { httpStatus: 200, code: 'E101', type: 'DO_NOT_RETRY', description: 'Invalid bank credentials' },
	},
	{
		id: 'error-WAIT_4_HOURS_BEFORE_RETRY',
		account: '2000000004',
		via: 'envelope',
		attempts: 1,
		text: /^Khipu error E102 \(WAIT_4_HOURS_BEFORE_RETRY\): The bank account is temporarily blocked$/,
		advice: /^Do not retry before \S+ \(4 hours from now\)/,
		item: { httpStatus: 200, code: 'E102', type: 'WAIT_4_HOURS_BEFORE_RETRY' },
		extra: (advice) => {
			const earliest = Date.parse(/before (\S+) /.exec(advice)[1]);
			expect(Math.abs(earliest - (Date.now() + 4 * 3_600_000))).toBeLessThan(5 * 60_000);
		},
	},
	{
		id: 'error-RETRY_AFTER_NOTIFICATION',
		account: '2000000005',
		via: 'envelope',
		attempts: 1,
		text: /^Khipu error E103 \(RETRY_AFTER_NOTIFICATION\): The user must complete an action at the bank before retrying$/,
		advice: /Retry only after the account holder or Khipu has fixed the problem/,
		item: { httpStatus: 200, code: 'E103', type: 'RETRY_AFTER_NOTIFICATION' },
	},
	{
		id: 'error-undocumented-type',
		account: '2000000006',
		via: 'envelope',
		attempts: 1,
		text: /^Khipu error E999 \(RETRY_TOMORROW\): An error type this client does not know$/,
		advice: /Khipu did not say whether retrying helps/,
		item: { httpStatus: 200, code: 'E999', type: 'RETRY_TOMORROW' },
	},
	{
		id: 'error-RETRY_IMMEDIATELY-never-recovers',
		account: '2000000001',
		via: 'envelope',
		attempts: 3,
		text: /^Khipu error E201 \(RETRY_IMMEDIATELY\): El servicio destino/,
		advice: /the node tried 3 times without success/,
		item: { httpStatus: 200, code: 'E201', type: 'RETRY_IMMEDIATELY' },
		// Doubling backoff: 150 ms, then 300 ms (at least twice the first delay), and no more attempts.
		gaps: (gaps) => {
			const [first, second] = gaps;
			expect(gaps).toHaveLength(2);
			expect(first).toBeGreaterThanOrEqual(145);
			expect(second).toBeGreaterThanOrEqual(295);
			expect(second).toBeLessThan(1500);
			figures.faults.retries.retryImmediatelyGapsMs = gaps;
		},
		maxMs: 450 + SLACK_MS,
	},
	{
		id: 'error-RETRY_IMMEDIATELY-recovers-after-one-retry',
		account: '2000000002',
		via: 'envelope',
		attempts: 2,
		recovers: true,
		gaps: ([gap]) => {
			expect(gap).toBeGreaterThanOrEqual(145);
			expect(gap).toBeLessThan(1500);
		},
		maxMs: 150 + SLACK_MS,
	},
];

function recordFault(id, mode, attempts) {
	let entry = figures.faults.list.find((f) => f.id === id);
	if (!entry) {
		entry = { id, modes: [], attemptsAtSandbox: {} };
		figures.faults.list.push(entry);
	}
	if (!entry.modes.includes(mode)) entry.modes.push(mode);
	entry.attemptsAtSandbox[mode] = attempts;
	figures.faults.runs += 1;
	figures.faults.scenarios = figures.faults.list.length;
}

function expectErrorItem(item, fault, index) {
	expect(item.pairedItem).toEqual({ item: index });
	expect(Object.keys(item.json).sort()).toEqual(ERROR_ITEM_KEYS);
	expect(item.json.accountNumber).toBe(fault.account);
	expect(item.json.error).toMatch(fault.text);
	expect(item.json.message).toBe(item.json.error);
	expect(item.json.advice).toMatch(fault.advice);
	expect(item.json).toMatchObject(fault.item);
}

describe('1. faults from Khipu', () => {
	let syncStop;
	let syncContinue;
	let callbackStop;
	let callbackContinueLogin;
	let pauseStop;
	let pauseContinue;
	let faultTrigger;
	/** OperationIds the fault trigger must have started exactly one execution for. */
	const expectedAtTrigger = new Set();
	timePart('faultsMs', () => ({
		scenarios: figures.faults.scenarios,
		runs: figures.faults.runs,
		retries: figures.faults.retries,
	}));

	beforeAll(async () => {
		faultTrigger = await deployTrigger('faults');
		// The trigger's Production URL without a token: the node adds it from the shared credential.
		const callbackUrl = faultTrigger.url;
		const callbackCredential = faultTrigger.credential;
		syncStop = await deployBalances({ options: FAULT_OPTIONS });
		syncContinue = await deployBalances({ options: FAULT_OPTIONS }, { continueOnFail: true });
		callbackStop = await deployBalances(
			{ delivery: 'callbackUrl', callbackUrl, options: FAULT_OPTIONS },
			{ callbackCredential },
		);
		callbackContinueLogin = await deployBalances(
			{ delivery: 'callbackUrl', callbackUrl, options: FAULT_OPTIONS },
			{ credential: 'apiKeyLogin', continueOnFail: true, callbackCredential },
		);
		pauseStop = await deployPause(FAULT_OPTIONS);
		pauseContinue = await deployPause(FAULT_OPTIONS, { continueOnFail: true });
	});

	describe('synchronous delivery: the error, the error item under Continue On Fail, the attempts', () => {
		for (const fault of FAULTS) {
			check(`${fault.id} (account ${fault.account})`, async () => {
				await fresh();
				const stop = await syncStop.run([fault.account]);
				const attempts = requestsFor(fault.account);
				expect(attempts).toHaveLength(fault.attempts);
				expect(stop.ms).toBeLessThan(fault.maxMs ?? SLACK_MS);
				if (fault.gaps) fault.gaps(gapsOf(attempts));
				if (fault.id === 'slower-than-timeout') {
					const ran = Date.parse(stop.execution.stoppedAt) - Date.parse(stop.execution.startedAt);
					expect(ran).toBeGreaterThanOrEqual(1000);
					figures.faults.retries.timeoutRunMs = ran;
				}
				if (fault.recovers) {
					expect(stop.execution.status).toBe('success');
					expect(
						nodeOutput(stop.execution).map((i) => [i.json.accountNumber, typeof i.json.amount, i.pairedItem.item]),
					).toEqual([
						[fault.account, 'number', 0],
						[fault.account, 'number', 0],
					]);
				} else {
					expect(stop.execution.status).toBe('error');
					const error = executionError(stop.execution);
					expect(error.message).toMatch(new RegExp(`^Item 1: ${fault.text.source.slice(1)}`));
					expect(error.description).toMatch(fault.advice);
					expect(error.node.name).toBe('Khipu');
					if (fault.extra) fault.extra(error.description);
				}
				recordFault(fault.id, 'sync', attempts.length);

				// Continue On Fail: the fault becomes an item paired to its input; the next account still runs.
				await fresh();
				const cont = await syncContinue.run([fault.account, OK_ACCOUNT]);
				expect(cont.execution.status).toBe('success');
				expect(requestsFor(fault.account)).toHaveLength(fault.attempts);
				const items = nodeOutput(cont.execution);
				if (fault.recovers)
					expect(items.slice(0, 2).map((i) => i.json.accountNumber)).toEqual([fault.account, fault.account]);
				else expectErrorItem(items[0], fault, 0);
				const last = items[items.length - 1];
				expect([last.json.accountNumber, last.json.amount, last.pairedItem]).toEqual([OK_ACCOUNT, 125000, { item: 1 }]);
				figures.faults.runs += 1;
			});
		}

		check('connection refused (nothing listens at the Base URL)', async () => {
			const closedPort = await new Promise((resolve) => {
				const server = net.createServer().listen(0, '127.0.0.1', () => {
					const { port } = server.address();
					server.close(() => resolve(port));
				});
			});
			const credential = await stack.client.createCredential({
				name: 'Khipu (nothing listening)',
				type: 'khipuApi',
				data: {
					authType: 'jwt',
					jwtToken: SECRETS.jwt,
					baseUrl: `http://127.0.0.1:${closedPort}`,
					allowedHttpRequestDomains: 'all',
				},
			});
			await fresh();
			const stop = await (await deployBalances({ options: FAULT_OPTIONS }, { credential })).run([OK_ACCOUNT]);
			expect(stop.execution.status).toBe('error');
			expect(executionError(stop.execution).message).toBe(
				'Item 1: Could not get an answer from Khipu: the connection was refused',
			);
			expect(stop.ms).toBeLessThan(SLACK_MS);
			const cont = await (
				await deployBalances({ options: FAULT_OPTIONS }, { credential, continueOnFail: true })
			).run([OK_ACCOUNT]);
			expect(nodeOutput(cont.execution).map((i) => [i.json.code, i.json.httpStatus, i.pairedItem.item])).toEqual([
				['ECONNREFUSED', null, 0],
			]);
			expect(endpointRequests()).toHaveLength(0);
			recordFault('connection-refused', 'sync', 0);
			figures.faults.runs += 1;
		});
	});

	describe('callback URL delivery', () => {
		for (const fault of FAULTS.filter((f) => f.id !== 'slower-than-timeout')) {
			check(`${fault.id} (account ${fault.account})`, async () => {
				await fresh();
				const { execution, ms } = await callbackStop.run([fault.account]);
				const attempts = requestsFor(fault.account);
				expect(ms).toBeLessThan(fault.via === 'http' ? (fault.maxMs ?? SLACK_MS) : SLACK_MS);
				if (fault.via === 'http' && !fault.recovers) {
					// Answered at once, as in synchronous delivery: no callback will follow.
					expect(attempts).toHaveLength(fault.attempts);
					expect(execution.status).toBe('error');
					expect(executionError(execution).message).toMatch(new RegExp(`^Item 1: ${fault.text.source.slice(1)}`));
					expect(executionError(execution).description).toMatch(fault.advice);
				} else {
					// Khipu accepts (after the 429, for 3000000431); a Status ERROR arrives as the callback body.
					expect(attempts).toHaveLength(fault.via === 'http' ? fault.attempts : 1);
					if (fault.gaps && fault.via === 'http') fault.gaps(gapsOf(attempts));
					expect(execution.status).toBe('success');
					const [accepted] = nodeOutput(execution).map((i) => i.json);
					expect(accepted).toMatchObject({
						accountNumber: fault.account,
						status: 'ACCEPTED',
						operationId: attempts.at(-1).operationId,
					});
					const [delivery] = await deliveriesFor(accepted.operationId);
					expect(delivery.statusCode).toBe(200);
					const started = await triggerExecutionsFor(faultTrigger.id, accepted.operationId);
					expect(started).toHaveLength(1);
					expectedAtTrigger.add(accepted.operationId);
					const items = H.outputJson(started[0], TRIGGER);
					if (fault.via === 'envelope' && !fault.recovers) {
						expect(items).toEqual([
							expect.objectContaining({
								operationId: accepted.operationId,
								status: 'ERROR',
								...fault.item,
								httpStatus: null,
							}),
						]);
						expect(items[0].error).toMatch(fault.text);
						// Khipu's own type is reported, but a callback result cannot be retried by the node.
						if (fault.item.type !== 'RETRY_IMMEDIATELY') expect(items[0].advice).toMatch(fault.advice);
					} else if (fault.via === 'envelope') {
						// 2000000002 fails only on the first request: by callback that is the only one.
						expect(items).toEqual([
							expect.objectContaining({ status: 'ERROR', code: 'E201', type: 'RETRY_IMMEDIATELY' }),
						]);
					} else {
						expect(items.map((i) => i.balanceType)).toEqual(['InterimAvailable', 'ClosingBooked']);
					}
				}
				recordFault(fault.id, 'callbackUrl', attempts.length);
			});
		}

		check('slower than the timeout: the node fails in time, yet Khipu may still call back', async () => {
			// The sandbox holds the 202 for 1.5 s; the node gives up after 1 s. Khipu had accepted the
			// request anyway, so the callback still arrives and starts one execution at the trigger.
			await fresh({ latencyMs: 1500 });
			const account = '6100000001';
			const { execution, ms } = await callbackStop.run([account]);
			expect(execution.status).toBe('error');
			expect(executionError(execution).message).toBe(
				'Item 1: Could not get an answer from Khipu: the request timed out after 1000 ms',
			);
			expect(ms).toBeLessThan(1000 + SLACK_MS);
			for (let waited = 0; requestsFor(account)[0]?.operationId == null && waited < 5000; waited += 50)
				await H.sleep(50);
			const [request] = requestsFor(account);
			expect(request.operationId).toMatch(/^[0-9a-f-]{36}$/);
			expect((await deliveriesFor(request.operationId)).map((d) => d.statusCode)).toEqual([200]);
			expect(await triggerExecutionsFor(faultTrigger.id, request.operationId)).toHaveLength(1);
			expectedAtTrigger.add(request.operationId);
			recordFault('slower-than-timeout', 'callbackUrl', 1);
		});

		check('a callback that never comes (5000000001): accepted, and no execution at the trigger', async () => {
			await fresh();
			const { execution } = await callbackStop.run(['5000000001']);
			const [accepted] = nodeOutput(execution).map((i) => i.json);
			expect(accepted).toMatchObject({ status: 'ACCEPTED', accountNumber: '5000000001' });
			await H.sleep(2000);
			expect(await deliveriesFor(accepted.operationId, 1, 0)).toHaveLength(0);
			expect(await triggerExecutionsFor(faultTrigger.id, accepted.operationId, 1, 0)).toHaveLength(0);
			recordFault('callback-never-comes', 'callbackUrl', 1);
			// Pause mode: test/integration/pause.test.js waits out a 1-minute Wait Limit for this account.
			figures.faults.list.find((f) => f.id === 'callback-never-comes').pauseProvenBy = 'test/integration/pause.test.js';
		});

		check(
			'Continue On Fail with API-key + Santander login: every fault is an item, the good account is accepted',
			async () => {
				await fresh();
				const httpFaults = FAULTS.filter((f) => f.via === 'http' && !f.recovers && f.id !== 'slower-than-timeout');
				const accounts = [...httpFaults.map((f) => f.account), OK_ACCOUNT];
				const { execution } = await callbackContinueLogin.run(accounts);
				expect(execution.status).toBe('success');
				const items = nodeOutput(execution);
				expect(items.map((i) => i.pairedItem.item)).toEqual(accounts.map((_, index) => index));
				httpFaults.forEach((fault, index) => expectErrorItem(items[index], fault, index));
				const accepted = items[items.length - 1].json;
				expect(accepted).toMatchObject({ accountNumber: OK_ACCOUNT, status: 'ACCEPTED' });
				// The bank login really went out with every request (so the secret scan has something to miss).
				const sent = endpointRequests();
				expect(sent.length).toBe(httpFaults.reduce((n, f) => n + f.attempts, 0) + 1);
				expect(new Set(sent.map((r) => `${r.authScheme}/${r.authValid}/${r.accountCredentialKind}`))).toEqual(
					new Set(['apiKey/true/SantanderLogin']),
				);
				expect((await deliveriesFor(accepted.operationId)).map((d) => d.statusCode)).toEqual([200]);
				expect(await triggerExecutionsFor(faultTrigger.id, accepted.operationId)).toHaveLength(1);
				expectedAtTrigger.add(accepted.operationId);
				figures.faults.runs += 1;
			},
		);

		check(
			'the fault trigger started exactly one execution per callback Khipu sent, and none for HTTP faults',
			async () => {
				const executions = await settledExecutions(faultTrigger.id, { includeData: true, settleMs: 1000 });
				const seen = executions.map((e) => H.outputJson(e, TRIGGER)[0].operationId);
				expect(seen.sort()).toEqual([...expectedAtTrigger].sort());
				expect(expectedAtTrigger.size).toBeGreaterThanOrEqual(8);
			},
		);
	});

	describe('pause delivery: a failed request never leaves an execution waiting', () => {
		const PAUSE_FAULTS = [
			'http-500-envelope',
			'http-500-html',
			'http-504-html',
			'http-401-A000',
			'http-404',
			'http-429-retry-after-over-cap',
			'connection-reset',
			'truncated-response',
			'http-200-html',
			'http-200-truncated-json',
		];
		for (const id of PAUSE_FAULTS) {
			const fault = FAULTS.find((f) => f.id === id);
			check(`${fault.id} (account ${fault.account}) fails the execution at once`, async () => {
				await fresh();
				const { execution, ms } = await pauseStop.run(fault.account);
				expect(execution.status).toBe('error');
				expect(executionError(execution).message).toMatch(new RegExp(`^Item 1: ${fault.text.source.slice(1)}`));
				expect(Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt)).toBeLessThan(SLACK_MS);
				expect(ms).toBeLessThan(SLACK_MS + 2000);
				expect(requestsFor(fault.account)).toHaveLength(fault.attempts);
				recordFault(fault.id, 'pause', fault.attempts);
			});
		}

		check('slower than the timeout: fails at once; the late callback resumes nothing', async () => {
			await fresh({ latencyMs: 1500 });
			const account = '6100000002';
			const { execution } = await pauseStop.run(account);
			expect(execution.status).toBe('error');
			expect(executionError(execution).message).toBe(
				'Item 1: Could not get an answer from Khipu: the request timed out after 1000 ms',
			);
			for (let waited = 0; requestsFor(account)[0]?.operationId == null && waited < 5000; waited += 50)
				await H.sleep(50);
			const [delivery] = await deliveriesFor(requestsFor(account)[0].operationId);
			expect(delivery.statusCode).not.toBe(200);
			figures.faults.latePauseCallbackStatus = delivery.statusCode ?? delivery.error;
			const after = await settledExecutions(pauseStop.id, { settleMs: 500, includeData: true });
			const again = after.find((e) => e.id === execution.id);
			expect([again.status, again.stoppedAt]).toEqual(['error', execution.stoppedAt]);
			recordFault('slower-than-timeout', 'pause', 1);
		});

		for (const id of [
			'error-DO_NOT_RETRY',
			'error-RETRY_IMMEDIATELY-never-recovers',
			'error-WAIT_4_HOURS_BEFORE_RETRY',
		]) {
			const fault = FAULTS.find((f) => f.id === id);
			check(`${fault.id} arrives by callback and resumes the execution with one ERROR item`, async () => {
				// The callback must come after n8n has stored the execution as waiting (see pause.test.js).
				const { pauseCallbackDelayMs } = await n8nBehaviours(stack);
				await fresh({ callbackDelayMs: pauseCallbackDelayMs });
				const { execution, ms } = await pauseStop.run(fault.account);
				expect(execution.status).toBe('success');
				const items = nodeOutput(execution);
				expect(items).toHaveLength(1);
				expect(items[0].json).toMatchObject({ status: 'ERROR', code: fault.item.code, type: fault.item.type });
				expect(items[0].json.error).toMatch(fault.text);
				expect(items[0].json.advice).toMatch(fault.item.type === 'RETRY_IMMEDIATELY' ? /temporary/ : fault.advice);
				expect(ms).toBeLessThan(pauseCallbackDelayMs + SLACK_MS);
				expect(requestsFor(fault.account)).toHaveLength(1);
				// n8n accepted the one resume POST (a 409 would have left the execution waiting).
				const deliveries = await deliveriesFor(requestsFor(fault.account)[0].operationId);
				expect(deliveries.map((d) => d.statusCode ?? d.error)).toEqual([200]);
				recordFault(fault.id, 'pause', 1);
			});
		}

		check('Continue On Fail: a 504 becomes an error item instead of a wait', async () => {
			await fresh();
			const fault = FAULTS.find((f) => f.id === 'http-504-html');
			const { execution } = await pauseContinue.run(fault.account);
			expect(execution.status).toBe('success');
			expectErrorItem(nodeOutput(execution)[0], fault, 0);
			figures.faults.runs += 1;
		});
	});

	describe('after all the faults', () => {
		check('n8n logged no unhandled rejection and no uncaught exception', () => {
			expect(logProblems('Unhandled promise rejection\nok\nUncaught exception')).toHaveLength(2);
			const log = stack.n8nLog();
			expect(log).toContain('Editor is now accessible via');
			expect(logProblems(log)).toEqual([]);
			figures.faults.n8nLogProblems = 0;
		});
	});
});

// ---------------------------------------------------------------------------------------------
// 2. Bad input

const long = (n, c = 'x') => c.repeat(n);
const FIELD = (name) => `Field: ${name}. Nothing was sent to Khipu.`;

/** [name, accounts, parameters, message, field] — field null: a node option without an item. */
const PARAMETER_CASES = [
	[
		'account: empty',
		[''],
		{},
		/^Item 1: Account Number is required and cannot be empty or only spaces$/,
		'Account Number',
	],
	['account: only whitespace', [' \t  '], {}, /^Item 1: Account Number is required/, 'Account Number'],
	[
		'account: 21 characters',
		[long(21, '1')],
		{},
		/^Item 1: Account Number is 21 characters long; Khipu accepts at most 20$/,
		'Account Number',
	],
	[
		'account: 21 characters after trimming 4 spaces',
		[`  ${long(21, '2')}  `],
		{},
		/is 21 characters long/,
		'Account Number',
	],
	[
		'account: expression ={{ {a:1} }}',
		[OK_ACCOUNT],
		{ accountNumber: '={{ {a:1} }}' },
		/^Item 1: Account Number must be text, but the value is an? object$/,
		'Account Number',
	],
	[
		'account: expression ={{ [1] }}',
		[OK_ACCOUNT],
		{ accountNumber: '={{ [1] }}' },
		/^Item 1: Account Number must be text, but the value is an array$/,
		'Account Number',
	],
	[
		'account: expression ={{ true }}',
		[OK_ACCOUNT],
		{ accountNumber: '={{ true }}' },
		/must be text, but the value is a boolean$/,
		'Account Number',
	],
	[
		'account: expression ={{ null }}',
		[OK_ACCOUNT],
		{ accountNumber: '={{ null }}' },
		/must be text, but the value is null$/,
		'Account Number',
	],
	[
		'account: an object from the input item',
		[{ number: 1 }],
		{},
		/must be text, but the value is an? object$/,
		'Account Number',
	],
	[
		'account: NUL control character',
		['1234\u00005678'],
		{},
		/^Item 1: Account Number contains control characters/,
		'Account Number',
	],
	['account: line break inside', ['1234\n5678'], {}, /contains control characters/, 'Account Number'],
	['account: C1 control character', ['1234\u00855678'], {}, /contains control characters/, 'Account Number'],
	[
		'account: the third item is bad, nothing is sent for the first two',
		[OK_ACCOUNT, '1000000004', long(25)],
		{},
		/^Item 3: Account Number is 25 characters long/,
		'Account Number',
	],
	// n8n refuses to publish a workflow whose required Callback URL is literally empty; an expression gets through.
	[
		'callback URL: empty (from an expression)',
		[OK_ACCOUNT],
		{ delivery: 'callbackUrl', callbackUrl: '={{ "" }}' },
		/^Item 1: Callback URL is required when results are sent to a callback URL$/,
		'Callback URL',
	],
	[
		'callback URL: only whitespace',
		[OK_ACCOUNT],
		{ delivery: 'callbackUrl', callbackUrl: '   ' },
		/^Item 1: Callback URL is required/,
		'Callback URL',
	],
	[
		'callback URL: javascript:',
		[OK_ACCOUNT],
		{ delivery: 'callbackUrl', callbackUrl: 'javascript:alert(1)' },
		/^Item 1: Callback URL must use http or https; "javascript" is not allowed$/,
		'Callback URL',
	],
	[
		'callback URL: ftp:',
		[OK_ACCOUNT],
		{ delivery: 'callbackUrl', callbackUrl: 'ftp://example.com/khipu' },
		/"ftp" is not allowed$/,
		'Callback URL',
	],
	[
		'callback URL: file:',
		[OK_ACCOUNT],
		{ delivery: 'callbackUrl', callbackUrl: 'file:///etc/passwd' },
		/"file" is not allowed$/,
		'Callback URL',
	],
	[
		'callback URL: 256 characters',
		[OK_ACCOUNT],
		{ delivery: 'callbackUrl', callbackUrl: `https://example.com/${long(236, 'a')}` },
		/^Item 1: Callback URL is 256 characters long; Khipu accepts at most 255$/,
		'Callback URL',
	],
	[
		'callback URL: already holds a token',
		[OK_ACCOUNT],
		{ delivery: 'callbackUrl', callbackUrl: 'https://example.com/khipu?token=typed-into-the-workflow-0001' },
		/^Item 1: Callback URL already contains a "token" parameter\. Remove it: the node adds the token from the callback credential/,
		'Callback URL',
	],
	[
		'callback URL: a fragment',
		[OK_ACCOUNT],
		{ delivery: 'callbackUrl', callbackUrl: 'https://example.com/khipu#result' },
		/^Item 1: Callback URL must not contain a fragment/,
		'Callback URL',
	],
	[
		'callback URL: 200 characters, over 255 with account and token',
		[OK_ACCOUNT],
		{ delivery: 'callbackUrl', callbackUrl: `https://example.com/${long(180, 'a')}` },
		/^Item 1: Callback URL with the account number and the token added is \d{3} characters long; Khipu accepts at most 255\. Shorten the URL\.$/,
		'Callback URL',
	],
	[
		'reference: 65 characters',
		[OK_ACCOUNT],
		{ delivery: 'callbackUrl', callbackUrl: 'https://example.com/khipu', reference: long(65, 'r') },
		/^Item 1: Reference is 65 characters long; at most 64 are allowed$/,
		'Reference',
	],
	[
		'reference: a line break (from an expression)',
		[OK_ACCOUNT],
		{ delivery: 'callbackUrl', callbackUrl: 'https://example.com/khipu', reference: '={{ "run\\n7" }}' },
		/^Item 1: Reference may only hold letters, digits, punctuation, symbols and spaces$/,
		'Reference',
	],
	[
		'callback URL: relative',
		[OK_ACCOUNT],
		{ delivery: 'callbackUrl', callbackUrl: '/webhook/khipu' },
		/^Item 1: Callback URL is not a valid absolute URL/,
		'Callback URL',
	],
	[
		'callback URL: control character',
		[OK_ACCOUNT],
		{ delivery: 'callbackUrl', callbackUrl: 'https://example.com/a\u0007b' },
		/^Item 1: Callback URL must not contain spaces or control characters$/,
		'Callback URL',
	],
	[
		'callback URL: expression ={{ 42 }}',
		[OK_ACCOUNT],
		{ delivery: 'callbackUrl', callbackUrl: '={{ 42 }}' },
		/^Item 1: Callback URL must be text, but the value is a number$/,
		'Callback URL',
	],
	[
		'callback URL: expression ={{ ["https://example.com"] }}',
		[OK_ACCOUNT],
		{ delivery: 'callbackUrl', callbackUrl: '={{ ["https://example.com"] }}' },
		/must be text, but the value is an array$/,
		'Callback URL',
	],
	[
		'option: Concurrency 0',
		[OK_ACCOUNT],
		{ options: { concurrency: 0 } },
		/^Item 1: Concurrency must be a whole number from 1 to 20$/,
		'Concurrency',
	],
	[
		'option: Concurrency 21',
		[OK_ACCOUNT],
		{ options: { concurrency: 21 } },
		/Concurrency must be a whole number from 1 to 20$/,
		'Concurrency',
	],
	[
		'option: Concurrency 2.5',
		[OK_ACCOUNT],
		{ options: { concurrency: 2.5 } },
		/Concurrency must be a whole number from 1 to 20$/,
		'Concurrency',
	],
	[
		'option: Max Retries 11',
		[OK_ACCOUNT],
		{ options: { maxRetries: 11 } },
		/^Item 1: Max Retries must be a whole number from 0 to 10$/,
		'Max Retries',
	],
	[
		'option: Retry Delay -1 ms',
		[OK_ACCOUNT],
		{ options: { retryDelayMs: -1 } },
		/^Item 1: Retry Delay \(Ms\) must be a whole number from 0 to 60000$/,
		'Retry Delay (Ms)',
	],
	[
		'option: Max Retry-After 601 s',
		[OK_ACCOUNT],
		{ options: { maxRetryAfterSeconds: 601 } },
		/^Item 1: Max Retry-After \(Seconds\) must be a whole number from 0 to 600$/,
		'Max Retry-After (Seconds)',
	],
	[
		'option: Timeout 999 ms',
		[OK_ACCOUNT],
		{ options: { timeoutMs: 999 } },
		/^Item 1: Timeout \(Ms\) must be a whole number from 1000 to 600000$/,
		'Timeout (Ms)',
	],
	[
		'option: Timeout from an expression ={{ "soon" }}',
		[OK_ACCOUNT],
		{ options: { timeoutMs: '={{ "soon" }}' } },
		/Timeout \(Ms\) must be a whole number from 1000 to 600000$/,
		'Timeout (Ms)',
	],
	[
		'option: Wait Limit 0 minutes (pause)',
		[OK_ACCOUNT],
		{ delivery: 'resumeOnCallback', options: { waitLimitMinutes: 0 } },
		/^Item 1: Wait Limit \(Minutes\) must be a whole number from 1 to 10080$/,
		'Wait Limit (Minutes)',
	],
	[
		'option: Delivery out of range',
		[OK_ACCOUNT],
		{ delivery: 'carrierPigeon' },
		/^Unknown delivery "carrierPigeon"$/,
		null,
	],
];

const LOGIN = {
	authType: 'apiKeySantanderLogin',
	apiKey: SECRETS.apiKey,
	documentNumberSecret: SECRETS.documentNumber,
	username: SECRETS.username,
	pinPassword: SECRETS.pin,
};
const LINK = { authType: 'apiKeyAccountLink', apiKey: SECRETS.apiKey, accountLinkToken: SECRETS.accountLink };

/** [name, credential data, message, field, bad value that must not be echoed] */
const CREDENTIAL_CASES = [
	['PIN of 3 digits', { ...LOGIN, pinPassword: '739' }, /^Item 1: PIN must be exactly 4 digits$/, 'PIN', '739'],
	['PIN of 5 digits', { ...LOGIN, pinPassword: '73951' }, /^Item 1: PIN must be exactly 4 digits$/, 'PIN', '73951'],
	['PIN with a letter', { ...LOGIN, pinPassword: '73a9' }, /^Item 1: PIN must be exactly 4 digits$/, 'PIN', '73a9'],
	[
		'Document Number with letters',
		{ ...LOGIN, documentNumberSecret: 'AB123456' },
		/^Item 1: Document Number \(DNI\) must be 6 to 11 digits/,
		'Document Number',
		'AB123456',
	],
	[
		'Document Number of 5 digits',
		{ ...LOGIN, documentNumberSecret: '52341' },
		/Document Number \(DNI\) must be 6 to 11 digits/,
		'Document Number',
		'52341',
	],
	[
		'Document Number of 12 digits',
		{ ...LOGIN, documentNumberSecret: '523416789012' },
		/Document Number \(DNI\) must be 6 to 11 digits/,
		'Document Number',
		'523416789012',
	],
	[
		'Document Number with dots',
		{ ...LOGIN, documentNumberSecret: '30.111.222' },
		/Document Number \(DNI\) must be 6 to 11 digits/,
		'Document Number',
		'30.111.222',
	],
	[
		'empty Username',
		{ ...LOGIN, username: '' },
		/^Item 1: Username must be 1 to 20 characters, without control characters$/,
		'Username',
		null,
	],
	[
		'Username of 21 characters',
		{ ...LOGIN, username: 'u'.repeat(21) },
		/Username must be 1 to 20 characters/,
		'Username',
		'u'.repeat(21),
	],
	[
		'Username with a control character',
		{ ...LOGIN, username: 'maria\u0007g' },
		/Username must be 1 to 20 characters, without control characters/,
		'Username',
		'maria\u0007g',
	],
	['empty API key', { ...LINK, apiKey: '' }, /^Item 1: The Khipu credential has no API key$/, 'API Key', null],
	[
		'API key with a space',
		{ ...LINK, apiKey: 'sandbox-api-key 0123456789abcdef' },
		/^Item 1: The Khipu credential API key contains spaces or control characters$/,
		'API Key',
		'sandbox-api-key 0123456789abcdef',
	],
	[
		'empty Account Link token',
		{ ...LINK, accountLinkToken: '' },
		/^Item 1: API-key mode needs an Account Link token/,
		'Account Link',
		null,
	],
	['empty JWT', { authType: 'jwt', jwtToken: '' }, /^Item 1: The Khipu credential has no JWT$/, 'JWT', null],
	[
		'JWT with a line break',
		{ authType: 'jwt', jwtToken: 'eyJhbGciOi.part\ntwo' },
		/^Item 1: The Khipu credential JWT contains spaces or control characters$/,
		'JWT',
		'eyJhbGciOi.part\ntwo',
	],
];

/** The cases above that leave a required credential field empty (n8n's own field names). */
const EMPTY_REQUIRED_FIELD = {
	'empty Username': 'username',
	'empty API key': 'apiKey',
	'empty Account Link token': 'accountLinkToken',
	'empty JWT': 'jwtToken',
};

/** [name, body, options, status, answer]; every one must start no execution. */
function callbackBodyCases() {
	const valid = (extra = {}) => ({
		...H.okEnvelope('bad-input-valid-0001', [H.balance({ accountId: 'AR-1', amount: '10.00' })]),
		...extra,
	});
	const deep = (levels, inner) => {
		let text = inner;
		for (let i = 0; i < levels; i++) text = `{"a":${text}}`;
		return text;
	};
	const utf8 = (...parts) =>
		Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
	const bad = (error) => ({ error: `Not a Khipu callback: ${error}` });
	return [
		['a JSON array', '[{"OperationId":"x","Status":"OK"}]', {}, 400, bad('the body is an array, not a JSON object')],
		['JSON null', 'null', {}, 400, bad('the body is null, not a JSON object')],
		['a JSON number', '42', {}, 400, bad('the body is a number, not a JSON object')],
		// n8n hands the trigger a parsed JSON string as a string, which the trigger takes for unparsed text.
		[
			'a JSON string',
			'"OK"',
			{},
			400,
			{
				error: expect.stringMatching(
					/^(Body is not valid JSON|Not a Khipu callback: the body is a string, not a JSON object)$/,
				),
			},
		],
		[
			'a body over the default Max Body Size (4,096 KB + 1 byte)',
			(() => {
				const body = valid({ Padding: '' });
				body.Padding = 'p'.repeat(4096 * 1024 + 1 - JSON.stringify(body).length);
				return JSON.stringify(body);
			})(),
			{},
			413,
			{ error: 'Body larger than 4194304 bytes' },
		],
		['JSON nested 10,000 levels deep', deep(10_000, '1'), {}, 400, bad('OperationId is missing or not a string')],
		[
			'an OperationId nested 5,000 levels deep',
			`{"Status":"OK","OperationId":${deep(5000, '"x"')}}`,
			{},
			400,
			bad('OperationId is missing or not a string'),
		],
		[
			'invalid UTF-8 bytes in the OperationId',
			utf8('{"OperationId":"op-', [0xff, 0xfe], '","Status":"OK","Data":null}'),
			{},
			400,
			{ error: 'Body is not valid UTF-8' },
		],
		[
			'invalid UTF-8 bytes in an amount',
			utf8(
				'{"OperationId":"op-utf8-2","Status":"OK","Data":{"Balance":[{"Amount":[{"Amount":"1',
				[0xc3, 0x28],
				'0.00","Currency":"ARS"}]}]}}',
			),
			{},
			400,
			{ error: 'Body is not valid UTF-8' },
		],
		[
			'a missing OperationId',
			JSON.stringify({ ...valid(), OperationId: undefined }),
			{},
			400,
			bad('OperationId is missing or not a string'),
		],
		[
			'an empty OperationId',
			JSON.stringify(valid({ OperationId: '   ' })),
			{},
			400,
			bad('OperationId is missing or not a string'),
		],
		[
			'a numeric OperationId',
			JSON.stringify(valid({ OperationId: 12345 })),
			{},
			400,
			bad('OperationId is missing or not a string'),
		],
		[
			'an OperationId of 37 characters',
			JSON.stringify(valid({ OperationId: 'o'.repeat(37) })),
			{},
			400,
			bad('OperationId is longer than 36 characters'),
		],
		['Status "PENDING"', JSON.stringify(valid({ Status: 'PENDING' })), {}, 400, bad('Status must be "OK" or "ERROR"')],
		['no Status', JSON.stringify({ ...valid(), Status: undefined }), {}, 400, bad('Status must be "OK" or "ERROR"')],
		[
			'non-JSON text/plain',
			'OperationId=abc; Status=OK',
			{ contentType: 'text/plain' },
			400,
			{ error: 'Body is not valid JSON' },
		],
		['an empty body', '', { contentType: 'text/plain' }, 400, { error: 'Body is not valid JSON' }],
		['malformed JSON sent as application/json (refused by n8n itself)', '{"OperationId":"x","Status":', {}, 422, null],
	];
}

describe('2. bad input', () => {
	afterAll(() => {
		figures.badInputs.total =
			figures.badInputs.nodeParameters + figures.badInputs.credentials + figures.badInputs.callbackBodies;
	});
	timePart('badInputMs', () => figures.badInputs);

	describe('node parameters fail before any request, naming the field', () => {
		for (const [name, accounts, parameters, message, field] of PARAMETER_CASES) {
			check(name, async () => {
				await fresh();
				const { execution } = await (await deployBalances(parameters)).run(accounts);
				expect(execution.status).toBe('error');
				const error = executionError(execution);
				expect(error.message).toMatch(message);
				if (field) {
					expect(error.message).toContain(field);
					expect(error.description).toBe(FIELD(field));
				} else {
					expect(error.message).toMatch(/delivery/i);
				}
				expect(error.node.name).toBe('Khipu');
				expect(endpointRequests()).toHaveLength(0);
				figures.badInputs.requestsReachingKhipu += endpointRequests().length;
				figures.badInputs.nodeParameters += 1;
			});
		}
	});

	describe('credential fields fail before any request, naming the field and never echoing the value', () => {
		for (const [name, data, message, field, value] of CREDENTIAL_CASES) {
			check(name, async () => {
				const save = () =>
					stack.client.createCredential({
						name: `Khipu (bad: ${name})`,
						type: 'khipuApi',
						data: { ...data, baseUrl: stack.sandbox.url, allowedHttpRequestDomains: 'all' },
					});
				await fresh();
				const requiredField = EMPTY_REQUIRED_FIELD[name];
				if (requiredField && (await n8nBehaviours(stack)).requiredFieldsCheckedOnSave) {
					// Newer n8n refuses to save it: the user meets n8n's message naming the field, and nothing runs.
					await expect(save()).rejects.toMatchObject({
						status: 400,
						body: { message: `The field "${requiredField}" is mandatory for credentials of type "khipuApi"` },
					});
					expect(endpointRequests()).toHaveLength(0);
					figures.badInputs.credentials += 1;
					return;
				}
				const credential = await save();
				const { execution } = await (await deployBalances({}, { credential })).run([OK_ACCOUNT]);
				expect(execution.status).toBe('error');
				const error = executionError(execution);
				expect(error.message).toMatch(message);
				expect(error.description).toBe(FIELD(field));
				// countSecret: a short all-digit value (a PIN) only counts standing alone, not inside a timestamp.
				if (value) expect(H.countSecret(JSON.stringify(error), JSON.stringify(value).slice(1, -1))).toBe(0);
				expect(endpointRequests()).toHaveLength(0);
				figures.badInputs.credentials += 1;
			});
		}
	});

	describe('callback bodies are refused and start no execution', () => {
		let trigger;
		beforeAll(async () => {
			trigger = await deployTrigger('badBodies');
		});

		for (const [name, body, options, status, answer] of callbackBodyCases()) {
			check(name, async () => {
				const response = await H.postRaw(trigger.withToken, body, options);
				answers.push(response.text);
				figures.callbacks.sent += 1;
				expect(response.status).toBe(status);
				if (answer) expect(response.json).toEqual(answer);
				else expect(response.json).toMatchObject({ code: 422, message: 'Failed to parse request body' });
				figures.badInputs.callbackBodies += 1;
			});
		}

		check('none of them started an execution; a valid callback afterwards starts exactly one', async () => {
			const before = await settledExecutions(trigger.id, { settleMs: 1500 });
			expect(before).toHaveLength(0);
			figures.badInputs.executionsStarted = before.length;
			const valid = H.okEnvelope('bad-input-control-0001', [H.balance({ accountId: 'AR-1', amount: '10.00' })]);
			const response = await H.postRaw(trigger.withToken, valid);
			expect([response.status, response.json]).toEqual([
				200,
				{ received: true, operationId: 'bad-input-control-0001' },
			]);
			figures.callbacks.sent += 1;
			figures.callbacks.legitimate += 1;
			const after = await settledExecutions(trigger.id, { count: 1, settleMs: 1000, includeData: true });
			expect(after.map((e) => H.outputJson(e, TRIGGER).map((i) => [i.operationId, i.amount]))).toEqual([
				[['bad-input-control-0001', 10]],
			]);
		});
	});
});

// ---------------------------------------------------------------------------------------------
// 3. Abuse of the callback URL

describe('3. abuse of the callback URL', () => {
	let target;
	let ipLocked;
	let pathProbe;
	const envelope = (operationId, amount = '10.00') =>
		H.okEnvelope(operationId, [H.balance({ accountId: 'AR-ABUSE', amount })]);
	/** OperationIds that must each have started exactly one execution of `target`. */
	const legitimate = [];
	timePart('abuseMs', () => ({ ...figures.abuse, callbacks: figures.callbacks }));

	beforeAll(async () => {
		target = await deployTrigger('abuse', { options: { output: 'raw' } });
		ipLocked = await deployTrigger('abuseIpLocked', { ipAllowlist: '10.0.0.0/8, 2001:db8::/32' });
		// Its own token: n8n logs the path of a request to an unknown webhook, token and all (see below).
		pathProbe = await deployTrigger('abusePathProbe');
	});

	const flipCase = (text) => [...text].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');

	function forgeries() {
		const other = H.makeToken(40);
		return [
			[
				'wrong token of the same length',
				() => H.postRaw(`${target.url}?token=${other}`, envelope('abuse-0001')),
				403,
				{ error: 'Invalid token' },
			],
			[
				'token one character shorter',
				() => H.postRaw(`${target.url}?token=${target.token.slice(0, -1)}`, envelope('abuse-0002')),
				403,
				{ error: 'Invalid token' },
			],
			[
				'token one character longer',
				() => H.postRaw(`${target.withToken}A`, envelope('abuse-0003')),
				403,
				{ error: 'Invalid token' },
			],
			[
				'a 128-character token',
				() => H.postRaw(`${target.url}?token=${H.makeToken(128)}`, envelope('abuse-0004')),
				403,
				{ error: 'Invalid token' },
			],
			[
				'the token with its case flipped',
				() => H.postRaw(`${target.url}?token=${flipCase(target.token)}`, envelope('abuse-0005')),
				403,
				{ error: 'Invalid token' },
			],
			[
				'the token given twice',
				() => H.postRaw(`${target.withToken}&token=${target.token}`, envelope('abuse-0006')),
				403,
				{ error: 'Invalid token' },
			],
			[
				'another trigger’s token',
				() => H.postRaw(`${target.url}?token=${ipLocked.token}`, envelope('abuse-0007')),
				403,
				{ error: 'Invalid token' },
			],
			['missing token', () => H.postRaw(target.url, envelope('abuse-0008')), 401, { error: 'Missing token' }],
			['empty token', () => H.postRaw(`${target.url}?token=`, envelope('abuse-0009')), 401, { error: 'Missing token' }],
			[
				'token under another query name',
				() => H.postRaw(`${target.url}?Token=${target.token}&callbackToken=${target.token}`, envelope('abuse-0010')),
				401,
				{ error: 'Missing token' },
			],
			[
				'token in headers',
				() =>
					H.postRaw(target.url, envelope('abuse-0011'), {
						headers: {
							token: target.token,
							'x-khipu-token': target.token,
							authorization: `Bearer ${target.token}`,
							cookie: `token=${target.token}`,
						},
					}),
				401,
				{ error: 'Missing token' },
			],
			[
				'token in the body',
				() => H.postRaw(target.url, { ...envelope('abuse-0012'), token: target.token, Token: target.token }),
				401,
				{ error: 'Missing token' },
			],
			[
				'token in the path (n8n: no such webhook)',
				() => H.postRaw(`${pathProbe.url}/${pathProbe.token}`, envelope('abuse-0013')),
				404,
				null,
			],
			[
				'right token from a disallowed IP',
				() => H.postRaw(ipLocked.withToken, envelope('abuse-0014')),
				403,
				{ error: 'Address not allowed' },
			],
			[
				'right token, disallowed IP, spoofed X-Forwarded-For',
				() =>
					H.postRaw(ipLocked.withToken, envelope('abuse-0015'), {
						headers: { 'x-forwarded-for': '10.1.2.3', 'x-real-ip': '10.1.2.3', forwarded: 'for=10.1.2.3' },
					}),
				403,
				{ error: 'Address not allowed' },
			],
		];
	}

	check('every forged request is refused with its own status', async () => {
		for (const [name, send, status, answer] of forgeries()) {
			const response = await send();
			if (name !== 'token in the path (n8n: no such webhook)') answers.push(response.text);
			figures.callbacks.sent += 1;
			figures.callbacks.forged += 1;
			figures.abuse.cases += 1;
			expect({ name, status: response.status }).toEqual({ name, status });
			if (answer) expect({ name, answer: response.json }).toEqual({ name, answer });
			else expect(response.json).toMatchObject({ code: 404 });
			figures.callbacks.forgedRejected += 1;
		}
		expect(await settledExecutions(target.id, { settleMs: 1000 })).toHaveLength(0);
		expect(await settledExecutions(ipLocked.id, { settleMs: 0 })).toHaveLength(0);
		expect(await settledExecutions(pathProbe.id, { settleMs: 0 })).toHaveLength(0);
	});

	check('a replayed delivery is acknowledged as a duplicate and starts nothing', async () => {
		const original = envelope('abuse-replay-0001', '77.00');
		const first = await H.postRaw(target.withToken, original);
		expect([first.status, first.json]).toEqual([200, { received: true, operationId: 'abuse-replay-0001' }]);
		legitimate.push('abuse-replay-0001');
		await settledExecutions(target.id, { count: 1, settleMs: 300 });
		// Replays: the same body later, five at once, and one with a changed amount.
		const replays = [
			await H.postRaw(target.withToken, original),
			...(await Promise.all(Array.from({ length: 5 }, () => H.postRaw(target.withToken, original)))),
			await H.postRaw(target.withToken, envelope('abuse-replay-0001', '999999.00')),
		];
		for (const replay of replays) {
			answers.push(replay.text);
			expect([replay.status, replay.json]).toEqual([
				200,
				{ received: true, operationId: 'abuse-replay-0001', duplicate: true },
			]);
		}
		figures.callbacks.sent += 1 + replays.length;
		figures.callbacks.legitimate += 1;
		figures.callbacks.duplicates += replays.length;
		figures.callbacks.duplicatesRejected += replays.length;
		const executions = await settledExecutions(target.id, { count: 1, settleMs: 1000, includeData: true });
		expect(executions).toHaveLength(1);
		expect(H.outputJson(executions[0], TRIGGER).map((i) => i.Data.Balance[0].Amount[0].Amount)).toEqual(['77.00']);
	});

	check(
		'a flood of 1,000 forged requests (concurrency 20) is refused while 20 real callbacks in it each start one execution',
		async () => {
			const FORGED = 1000;
			const LEGIT = 20;
			const CONCURRENCY = 20;
			const total = FORGED + LEGIT;
			const legitAt = new Map(
				Array.from({ length: LEGIT }, (_, k) => [
					Math.floor(((k + 0.5) * total) / LEGIT),
					`flood-legit-${String(k).padStart(4, '0')}`,
				]),
			);
			const variants = [
				['wrong token', (k) => H.postRaw(`${target.url}?token=${H.makeToken(40)}`, envelope(`flood-${k}`)), 403],
				[
					'wrong length',
					(k) => H.postRaw(`${target.url}?token=${H.makeToken(1 + (k % 127))}`, envelope(`flood-${k}`)),
					403,
				],
				['missing token', (k) => H.postRaw(target.url, envelope(`flood-${k}`)), 401],
				[
					'header token',
					(k) => H.postRaw(target.url, envelope(`flood-${k}`), { headers: { 'x-khipu-token': target.token } }),
					401,
				],
				['body token', (k) => H.postRaw(target.url, { ...envelope(`flood-${k}`), token: target.token }), 401],
				[
					'case flipped',
					(k) => H.postRaw(`${target.url}?token=${flipCase(target.token)}`, envelope(`flood-${k}`)),
					403,
				],
				['disallowed IP', (k) => H.postRaw(ipLocked.withToken, envelope(`flood-${k}`)), 403],
				['unknown path', (k) => H.postRaw(`${target.url}/${H.makeToken(40)}`, envelope(`flood-${k}`)), 404],
			];
			const statuses = {};
			let legitOk = 0;
			let forgedRejected = 0;
			const t0 = Date.now();
			const results = await H.pool(total, CONCURRENCY, async (i) => {
				const operationId = legitAt.get(i);
				if (operationId) {
					const response = await H.postRaw(target.withToken, envelope(operationId, `${(i % 997) + 1}.50`));
					answers.push(response.text);
					if (response.status === 200 && response.json?.received === true && !response.json.duplicate) legitOk += 1;
					return { legit: true, status: response.status };
				}
				const [variant, send, expected] = variants[i % variants.length];
				const response = await send(i);
				const key = `${variant} -> ${response.status}`;
				statuses[key] = (statuses[key] || 0) + 1;
				if (response.status === expected) forgedRejected += 1;
				return { legit: false, status: response.status };
			});
			const floodMs = Date.now() - t0;
			expect(results.maxInFlight).toBe(CONCURRENCY);
			expect(results.filter((r) => !r.legit)).toHaveLength(FORGED);
			expect(forgedRejected).toBe(FORGED);
			expect(Object.keys(statuses).sort()).toEqual(variants.map(([name, , status]) => `${name} -> ${status}`).sort());
			expect(legitOk).toBe(LEGIT);
			expect(floodMs).toBeLessThan(90_000);
			legitimate.push(...legitAt.values());

			const executions = await settledExecutions(target.id, {
				count: legitimate.length,
				settleMs: 2000,
				includeData: true,
			});
			const ids = executions.map((e) => H.outputJson(e, TRIGGER)[0].OperationId);
			expect(ids.sort()).toEqual([...legitimate].sort());
			expect(executions.every((e) => e.status === 'success')).toBe(true);
			expect(await settledExecutions(ipLocked.id, { settleMs: 0 })).toHaveLength(0);
			expect(logProblems(stack.n8nLog())).toEqual([]);

			// The first delivery of the suite, replayed once more after the flood, is still a duplicate.
			const old = await H.postRaw(target.withToken, envelope('abuse-replay-0001', '77.00'));
			answers.push(old.text);
			expect([old.status, old.json]).toEqual([
				200,
				{ received: true, operationId: 'abuse-replay-0001', duplicate: true },
			]);
			figures.callbacks.sent += 1;
			figures.callbacks.duplicates += 1;
			figures.callbacks.duplicatesRejected += 1;
			expect(await settledExecutions(target.id, { settleMs: 1000 })).toHaveLength(legitimate.length);

			Object.assign(figures.abuse, {
				floodRequests: FORGED,
				floodConcurrency: CONCURRENCY,
				floodMs,
				floodLegitimate: LEGIT,
				floodStatuses: statuses,
			});
			figures.callbacks.sent += total;
			figures.callbacks.forged += FORGED;
			figures.callbacks.forgedRejected += forgedRejected;
			figures.callbacks.legitimate += LEGIT;
		},
		180_000,
	);
});

// ---------------------------------------------------------------------------------------------
// 4. Load: nothing lost, nothing doubled

describe('4. load', () => {
	timePart('loadMs', () => figures.load);

	check(
		'1,000 callbacks plus 200 duplicates (concurrency 20): exactly 1,000 executions, each with its own data',
		async () => {
			const COUNT = 1000;
			const DUPLICATES = 200;
			const CONCURRENCY = 20;
			const trigger = await deployTrigger('load');
			const next = H.random(0x5eed);
			// Distinct OperationIds and amounts; every seventh balance is a Debit (a negative amount).
			const expected = new Map();
			const deliveries = Array.from({ length: COUNT }, (_, i) => {
				const operationId = `load-${String(i).padStart(4, '0')}-${H.makeToken(8).toLowerCase()}`;
				const cents = 100 + ((i * 7919) % 99_999_900);
				const debit = i % 7 === 0;
				const amount = (cents / 100).toFixed(2);
				expected.set(operationId, { amount: debit ? -Number(amount) : Number(amount), accountId: `AR-001-LOAD${i}` });
				return H.okEnvelope(operationId, [
					H.balance({ accountId: `AR-001-LOAD${i}`, indicator: debit ? 'Debit' : 'Credit', amount }),
				]);
			});
			const duplicated = H.shuffle([...Array(COUNT).keys()], next).slice(0, DUPLICATES);
			const sends = H.shuffle([...deliveries, ...duplicated.map((i) => deliveries[i])], next);

			const t0 = Date.now();
			const responses = await H.pool(sends.length, CONCURRENCY, (i) => H.postRaw(trigger.withToken, sends[i]));
			const sendMs = Date.now() - t0;
			responses.forEach((r) => answers.push(r.text));
			expect(responses.maxInFlight).toBe(CONCURRENCY);
			expect(responses.filter((r) => r.status !== 200)).toEqual([]);
			const firsts = responses.filter((r) => r.json.received === true && !r.json.duplicate);
			const duplicates = responses.filter((r) => r.json.duplicate === true);
			expect([firsts.length, duplicates.length]).toEqual([COUNT, DUPLICATES]);
			expect(new Set(firsts.map((r) => r.json.operationId)).size).toBe(COUNT);

			const executions = await settledExecutions(trigger.id, {
				count: COUNT,
				timeoutMs: 120_000,
				settleMs: 2000,
				includeData: true,
			});
			const executionsMs = Date.now() - t0;
			expect(executions).toHaveLength(COUNT);
			const seen = new Map();
			for (const execution of executions) {
				expect(execution.status).toBe('success');
				const items = H.outputJson(execution, TRIGGER);
				expect(items).toHaveLength(1);
				const [item] = items;
				seen.set(item.operationId, (seen.get(item.operationId) || 0) + 1);
				const want = expected.get(item.operationId);
				expect(want).toBeDefined();
				expect([item.amount, item.currency, item.accountId, item.balanceType]).toEqual([
					want.amount,
					'ARS',
					want.accountId,
					'InterimAvailable',
				]);
				expect(item.callbackUrl).toBe(`${trigger.url}?token=***`);
			}
			expect(seen.size).toBe(COUNT);
			expect([...seen.values()].every((n) => n === 1)).toBe(true);

			figures.callbacks.sent += sends.length;
			figures.callbacks.legitimate += COUNT;
			figures.callbacks.duplicates += DUPLICATES;
			figures.callbacks.duplicatesRejected += duplicates.length;
			Object.assign(figures.load, {
				callbacksSent: COUNT,
				duplicatesSent: DUPLICATES,
				concurrency: CONCURRENCY,
				executionsCounted: executions.length,
				distinctOperationIds: seen.size,
				sendMs,
				allExecutionsStoredMs: executionsMs,
			});
		},
		240_000,
	);

	check(
		'500 accounts with 20 ms latency: 1,000 items in input order, paired, with Concurrency 7 in flight',
		async () => {
			const ACCOUNTS = 500;
			const CONCURRENCY = 7;
			const LATENCY = 20;
			const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `6${String(i).padStart(9, '0')}`);
			const workflow = await deployBalances({ options: { concurrency: CONCURRENCY } });
			await fresh({ latencyMs: LATENCY });
			const { execution, ms } = await workflow.run(accounts);
			expect(execution.status).toBe('success');
			const items = nodeOutput(execution);
			expect(items).toHaveLength(ACCOUNTS * 2);
			const now = new Date();
			items.forEach((item, k) => {
				const index = Math.floor(k / 2);
				const want = hashedBalances(accounts[index], now)[k % 2];
				expect(item.pairedItem).toEqual({ item: index });
				expect([item.json.accountNumber, item.json.balanceType, item.json.amountString, item.json.amount]).toEqual([
					accounts[index],
					want.Type,
					want.Amount[0].Amount,
					Number(want.Amount[0].Amount),
				]);
			});
			const stats = stack.sandbox.state.stats();
			expect(stats.requests).toBe(ACCOUNTS);
			expect(stats.maxInFlight).toBe(CONCURRENCY);
			Object.assign(figures.load, {
				accounts: ACCOUNTS,
				accountOutputs: items.length,
				concurrencyOption: CONCURRENCY,
				maxInFlight: stats.maxInFlight,
				latencyMs: LATENCY,
				accountsRunMs: ms,
			});
			await fresh();
		},
	);
});

// ---------------------------------------------------------------------------------------------
// 5. Secrets, and 6. figures

describe('5. secrets: nothing leaked anywhere', () => {
	timePart('secretsMs', () => ({
		found: figures.secrets.found,
		bytesScanned: figures.secrets.bytesScanned,
		executionsScanned: figures.secrets.executionsScanned,
	}));

	check('the scanner finds a planted secret and ignores look-alikes', () => {
		expect(H.countSecret('{"Password":"4821"}', '4821')).toBe(1);
		expect(H.countSecret('PIN 4821.', '4821')).toBe(1);
		expect(
			H.countSecret('id 3fa85f64-4821-4562-b3fc-2c963f66afa6, at 1764092904821, 14821, 4821.50, x4821', '4821'),
		).toBe(0);
		expect(H.countSecret(`a ${SECRETS.jwt} b ${SECRETS.jwt}`, SECRETS.jwt)).toBe(2);
	});

	check(
		'JWT, API key, Account Link, PIN, DNI, username and every callback token: zero occurrences',
		async () => {
			const t0 = Date.now();
			const executions = await stack.client.listExecutions({ includeData: true });
			const full = executions.map((e) => JSON.stringify(e)).join('\n');
			const workflows = await exportedWorkflows(stack.client);
			const exported = JSON.stringify(workflows);
			const folder = H.n8nFolderFiles(stack.n8n.userFolder);
			keepSandboxRecords();
			const records = sandboxRecords.join('\n');
			const n8nLog = stack.n8nLog();
			const ownOutput = output.text();

			// The corpus is real: thousands of executions, n8n's log, the sandbox's log and records.
			expect(executions.length).toBeGreaterThanOrEqual(1100);
			expect(n8nLog.length).toBeGreaterThan(1000);
			expect(sandboxLog.length).toBeGreaterThan(500);
			expect(records).toMatch(/"accountCredentialKind":"SantanderLogin"/);
			expect(records).toMatch(/"statusCode":200/);
			expect(sandboxLog.join('\n')).toMatch(
				/#\d+ POST \/v1\/ar\/banking\/personal\/santander\.com\.ar\/pending\/current-day\/ACY\/balances auth=apiKey /,
			);
			expect(Object.keys(folder.text)).toContain('n8nEventLog.log');
			expect(Object.keys(folder.database)).toContain('database.sqlite');
			// The callback tokens live only in khipuCallbackApi credentials (encrypted): the workflows that
			// use them, their executions and their exports hold a credential reference instead.
			const faultsWorkflow = workflows.find((w) =>
				w.nodes.some(
					(n) =>
						n.credentials?.khipuCallbackApi?.id === String(tokenCredentials.faults.id) && n.type.endsWith('Trigger'),
				),
			);
			expect(faultsWorkflow).toBeDefined();
			expect(Object.keys(tokens).sort()).toEqual([
				'abuse',
				'abuseIpLocked',
				'abusePathProbe',
				'badBodies',
				'faults',
				'load',
			]);

			const credentialSecrets = {
				jwt: SECRETS.jwt,
				apiKey: SECRETS.apiKey,
				accountLink: SECRETS.accountLink,
				pin: SECRETS.pin,
				documentNumber: SECRETS.documentNumber,
				username: SECRETS.username,
			};
			const callbackTokens = {
				...Object.fromEntries(Object.entries(tokens).map(([name, token]) => [`callbackToken:${name}`, token])),
				'callbackToken:default credential': SECRETS.callbackToken,
			};

			// n8n answers and logs a request to an unknown webhook with its path; the test itself sent the
			// probe trigger's token there, so those n8n lines (and only those) may hold that one token.
			const echo =
				/(?:Received request for unknown webhook: |404 )?The requested webhook \\?"POST [^"\\]*\\?" is not registered\.?/g;
			const echoed = (n8nLog.match(echo) || []).filter((line) => line.includes(tokens.abusePathProbe));
			const withoutEcho = (text) => text.replace(echo, '<unknown webhook>');

			const sources = {
				'executions (all, with data)': full,
				'exported workflows (public API)': exported,
				'n8n log': withoutEcho(n8nLog),
				...Object.fromEntries(Object.entries(folder.text).map(([name, text]) => [`n8n folder: ${name}`, text])),
				'sandbox log': sandboxLog.join('\n'),
				'sandbox records (requests and callbacks)': records,
				'n8n answers (node outputs, acknowledgements)': answers.join('\n'),
				'test output': ownOutput,
			};
			const found = {
				...H.scanSources(credentialSecrets, sources),
				...H.scanSources(callbackTokens, sources),
				// The database: credentials are stored encrypted, so not even it holds a long secret in clear.
				...H.scanSources(
					{
						jwt: SECRETS.jwt,
						apiKey: SECRETS.apiKey,
						accountLink: SECRETS.accountLink,
						username: SECRETS.username,
						...callbackTokens,
					},
					Object.fromEntries(Object.entries(folder.database).map(([name, bytes]) => [`n8n database: ${name}`, bytes])),
				),
			};
			const bytesScanned =
				Object.values(sources).reduce((n, text) => n + text.length, 0) +
				Object.values(folder.database).reduce((n, t) => n + t.length, 0);
			Object.assign(figures.secrets, {
				found: Object.values(found).reduce((n, bySource) => n + Object.values(bySource).reduce((a, b) => a + b, 0), 0),
				where: found,
				checked: [...Object.keys(credentialSecrets), `${Object.keys(callbackTokens).length} callback tokens`],
				executionsScanned: executions.length,
				bytesScanned,
				sources: Object.fromEntries([
					...Object.entries(sources).map(([name, text]) => [name, text.length]),
					...Object.entries(folder.database).map(([name, t]) => [`n8n database: ${name}`, t.length]),
				]),
				n8nEchoedUnknownWebhookPaths: echoed.length,
				scanMs: Date.now() - t0,
			});
			expect(found).toEqual({});
			// The probe: n8n echoed the path (twice per request: a log line and the 404 line), nothing else.
			expect(echoed.length).toBeGreaterThanOrEqual(1);
			expect(logProblems(n8nLog)).toEqual([]);
		},
		120_000,
	);
});

describe('6. figures', () => {
	check('are written to artifacts/ only, and the run fails when one misses its bar', () => {
		figures.durationMs = Date.now() - started;
		figures.passed = failed.length === 0;
		figures.failedTests = [...failed];
		const json = `${JSON.stringify(figures, null, 2)}\n`;
		// What `npm run readme:figures` would publish from this run.
		const section = reliabilitySection(figures);
		const printed = `reliability figures: ${JSON.stringify({ ...figures, faults: { ...figures.faults, list: undefined }, secrets: { ...figures.secrets, sources: undefined } })}`;
		// What the suite writes and prints last is scanned too.
		const all = {
			jwt: SECRETS.jwt,
			apiKey: SECRETS.apiKey,
			accountLink: SECRETS.accountLink,
			pin: SECRETS.pin,
			documentNumber: SECRETS.documentNumber,
			username: SECRETS.username,
			callback: SECRETS.callbackToken,
			...tokens,
		};
		expect(H.scanSources(all, { json, section, printed })).toEqual({});
		fs.mkdirSync(path.dirname(ARTIFACT), { recursive: true });
		fs.writeFileSync(ARTIFACT, json);
		expect(JSON.parse(fs.readFileSync(ARTIFACT, 'utf8')).callbacks.sent).toBe(figures.callbacks.sent);
		console.log(printed);

		// The bars: a run with a failed check, a secret found or a slow run fails here
		// (and `npm run readme:figures` refuses to publish its figures).
		expect(failed).toEqual([]);
		expect(figures.secrets.found).toBe(0);
		expect(figures.durationMs).toBeLessThan(6 * 60_000);
	});
});

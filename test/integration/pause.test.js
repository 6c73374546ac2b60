'use strict';
// Issue 3 "proof", pause mode ("Pause This Workflow Until Khipu Calls Back"): a real n8n 2.8.4 with
// the packed package, the Khipu sandbox calling back into $execution.resumeUrl.
//
// n8n's public API does not list an execution while it waits (n8n 2.8.4 keeps waiting executions in
// ActiveExecutions and the list handler excludes those ids), so a waiting execution is found by the
// id in the resume URL the node gave Khipu (seen through a recording proxy) and read with
// GET /executions/:id; finished ones are counted with the list as usual.
const { setTimeout: sleep } = require('node:timers/promises');
const { DEFAULT_JWT, DEFAULT_API_KEY } = require('../../tools/sandbox/server');
const { SECRETS } = require('./support/stack');
const { balancesWorkflow, pauseWorkflow, deployWorkflow } = require('../../tools/workflows/workflows');
const { jwtCredential } = require('../../tools/workflows/credentials');
const { executionsOf, settledExecutions, waitForExecution, outputJson } = require('../../tools/n8n-client/executions');
const { postRaw } = require('../../tools/n8n-client/http');
const { scanN8nStorageWithControl } = require('./support/secrets');
const { startCallbackStack, replaceCredentialData, without } = require('./support/callbacks');

jest.setTimeout(120_000);

const FIXED_NOW = new Date('2026-03-10T15:04:05.000Z');
// Khipu needs seconds to read a bank; a callback that arrives before n8n has stored the execution
// as waiting is answered 409 by n8n (see the report), so the sandbox answers after a short delay.
const CALLBACK_DELAY_MS = 300;

const OVERSIZE_ACCOUNT = 'BIG-6001';
const ROTATED_JWT = 'sandbox-jwt-rotated-while-waiting-0001';

/** Done for good: a resumed execution passes through "running" before it ends. */
const finished = (execution) => !['new', 'running', 'waiting'].includes(execution.status);

describe('pause mode in a real n8n', () => {
	let stack;
	let sync;
	let timeout;
	let oversize;
	const timings = {};

	/**
	 * A pause workflow, started at once for `accounts`; the HTTP answer comes before Khipu is called
	 * back. With `callbackDelayMs` the sandbox holds this one callback back that long (the setting is
	 * read when the request arrives, so it is restored once the sandbox has answered it).
	 */
	async function startPause(
		accounts,
		options = {},
		{ callbackDelayMs, credential = stack.credentials.jwtRecorded } = {},
	) {
		const hookPath = stack.uniquePath('pause');
		const workflow = await deployWorkflow(stack, pauseWorkflow({ path: hookPath, credential, options }));
		if (callbackDelayMs !== undefined) stack.sandbox.state.configure({ callbackDelayMs });
		try {
			const startedAt = Date.now();
			const response = await stack.client.callWebhook(hookPath, {
				accounts: accounts.map((accountNumber) => ({ accountNumber })),
			});
			if (callbackDelayMs !== undefined) await answeredBySandbox(accounts[0]);
			return { workflow, response, startedAt };
		} finally {
			if (callbackDelayMs !== undefined) stack.sandbox.state.configure({ callbackDelayMs: CALLBACK_DELAY_MS });
		}
	}

	async function answeredBySandbox(accountNumber) {
		const until = Date.now() + 15_000;
		const answered = (r) => r.accountNumber === accountNumber && r.callbackUrlLength !== null && r.status !== null;
		while (!stack.sandbox.state.requests().some(answered)) {
			if (Date.now() > until) throw new Error(`the sandbox did not answer a request for ${accountNumber}`);
			await sleep(50);
		}
	}

	/** The CallbackUrl the node sent to Khipu for this account, and the execution id inside it. */
	async function resumeUrlFor(accountNumber) {
		const until = Date.now() + 15_000;
		for (;;) {
			const body = stack.proxy.bodies.find((b) => b && b.RequestData && b.RequestData.AccountNumber === accountNumber);
			if (body) {
				const url = body.CallbackUrl;
				const [, prefix, executionId, nodeId] = new URL(url).pathname.split('/');
				expect(prefix).toBe('webhook-waiting');
				return { url, executionId, nodeId };
			}
			if (Date.now() > until) throw new Error(`no balances request for ${accountNumber} reached Khipu`);
			await sleep(100);
		}
	}

	/** The sandbox's deliveries of this operation's callback, once there is one. */
	async function callbacksFor(operationId) {
		const until = Date.now() + 15_000;
		for (;;) {
			const deliveries = stack.sandbox.state.callbacks().filter((d) => d.operationId === operationId);
			if (deliveries.length > 0) return deliveries;
			if (Date.now() > until) throw new Error(`no callback of ${operationId} was delivered`);
			await sleep(100);
		}
	}

	/** The sandbox's record of the one request for this account that carried a CallbackUrl. */
	function sandboxRequest(accountNumber) {
		const records = stack.sandbox.state
			.requests()
			.filter((r) => r.accountNumber === accountNumber && r.callbackUrlLength !== null);
		expect(records).toHaveLength(1);
		return records[0];
	}

	async function syncItems(accountNumber) {
		const response = await stack.client.callWebhook(sync.path, { accounts: [{ accountNumber }] });
		expect(response.status).toBe(200);
		return response.body;
	}

	beforeAll(async () => {
		const started = Date.now();
		stack = await startCallbackStack({
			sandbox: { now: () => new Date(FIXED_NOW), callbackDelayMs: CALLBACK_DELAY_MS },
		});
		timings.stackMs = Date.now() - started;
		// The never-called-back run takes the whole wait limit (1 minute), so it starts first and is
		// checked by the last test, while the others run.
		timeout = await startPause(['5000000001'], { waitLimitMinutes: 1 });
		// Likewise a callback over Max Body Size (6,001 balances, 1.06 MB, over 1024 KB): refused, so the execution waits out its limit.
		oversize = await startPause(
			[OVERSIZE_ACCOUNT],
			{ waitLimitMinutes: 1, maxBodyKb: 1024 },
			{ callbackDelayMs: 3000 },
		);
		const path = stack.uniquePath('sync');
		const created = await deployWorkflow(
			stack,
			balancesWorkflow({ path, credential: stack.credentials.jwt, parameters: { delivery: 'sync' } }),
		);
		sync = { id: created.id, path };
	}, 180_000);

	afterAll(async () => {
		if (stack) await stack.stop();
		console.log(`pause suite timings (ms): ${JSON.stringify(timings)}`);
	}, 30_000);

	// First, while the execution started in beforeAll still waits; it ends at its limit, checked after the TIMED_OUT test.
	test('a callback over Max Body Size gets 413 and resumes nothing: the execution keeps waiting', async () => {
		const resume = await resumeUrlFor(OVERSIZE_ACCOUNT);
		const request = sandboxRequest(OVERSIZE_ACCOUNT);
		const deliveries = await callbacksFor(request.operationId);
		expect(deliveries.map((d) => d.statusCode)).toEqual([413]);
		// The same limit answered directly, with the reason.
		const padded = { OperationId: request.operationId, Status: 'OK', Data: null, Padding: 'p'.repeat(1024 * 1024) };
		const answer = await postRaw(resume.url, padded);
		expect([answer.status, answer.json]).toEqual([413, { error: 'Body larger than 1048576 bytes' }]);
		expect((await stack.client.getExecution(resume.executionId, { includeData: false })).status).toBe('waiting');
	});

	test('the execution waits, the callback resumes it, and the Khipu node outputs the synchronous items', async () => {
		const run = await startPause(['000011887755'], {}, { callbackDelayMs: 1500 });
		expect(run.response.status).toBe(200);
		expect(run.response.body).toEqual({ message: 'Workflow was started' });

		const resume = await resumeUrlFor('000011887755');
		const waiting = await waitForExecution(
			stack.client,
			resume.executionId,
			(e) => e.status !== 'running' && e.status !== 'new',
		);
		expect(waiting.status).toBe('waiting');
		expect(waiting.workflowId).toBe(String(run.workflow.id));
		expect(Date.parse(waiting.waitTill) - run.startedAt).toBeGreaterThan(59 * 60_000); // default limit: 60 min

		const done = await waitForExecution(stack.client, resume.executionId, finished, { timeoutMs: 20_000 });
		timings.resumeMs = Date.now() - run.startedAt;
		expect(done.status).toBe('success');
		const [delivery] = stack.sandbox.state
			.callbacks()
			.filter((d) => d.operationId === sandboxRequest('000011887755').operationId);
		expect(delivery.statusCode).toBe(200);

		const paused = outputJson(done, 'Khipu');
		const synchronous = await syncItems('000011887755');
		expect(synchronous).toEqual([
			expect.objectContaining({ accountNumber: '000011887755', amount: 125000, currency: 'ARS' }),
		]);
		expect(paused.map((item) => item.operationId)).toEqual([sandboxRequest('000011887755').operationId]);
		expect(paused.map((item) => without(item, ['operationId']))).toEqual(
			synchronous.map((item) => without(item, ['operationId'])),
		);

		// Exactly one execution of the workflow, now listed as finished.
		expect(await settledExecutions(stack.client, run.workflow.id, { count: 1, settleMs: 500 })).toHaveLength(1);
	});

	test('the resume URL given to Khipu fits in 255 characters and carries no credential', async () => {
		const resume = await resumeUrlFor('000011887755');
		const record = sandboxRequest('000011887755');
		expect(record.callbackUrlLength).toBe(resume.url.length);
		expect(resume.url.length).toBeLessThanOrEqual(255);
		expect(resume.url).toMatch(
			new RegExp(
				`^${stack.n8n.baseUrl}/webhook-waiting/${resume.executionId}/${resume.nodeId}\\?(signature=[0-9a-f]+&)?account=000011887755&token=[A-Za-z0-9_-]{32}$`,
			),
		);
		for (const secret of [DEFAULT_JWT, DEFAULT_API_KEY, stack.client.apiKey]) {
			expect(resume.url.includes(secret)).toBe(false);
		}
		// No JWT-looking segment (base64url JSON header "eyJ...").
		expect(resume.url).not.toMatch(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
	});

	test('forged calls to the resume URL get 401 and leave the execution waiting; the real callback still resumes it', async () => {
		const account = '7000000042';
		const run = await startPause([account], {}, { callbackDelayMs: 6000 });
		const resume = await resumeUrlFor(account);
		await waitForExecution(stack.client, resume.executionId, (e) => e.status === 'waiting');

		const url = new URL(resume.url);
		const token = url.searchParams.get('token');
		const forgedToken = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
		const body = {
			OperationId: '11111111-2222-3333-4444-555555555555',
			Status: 'OK',
			Data: {
				Balance: [
					{ Type: 'InterimAvailable', CreditDebitIndicator: 'Credit', Amount: '999999999.00', Currency: 'ARS' },
				],
			},
		};
		// Only our parameters are forged; n8n's own (2.41's signature) stay as given.
		const forge = (change) => {
			const forged = new URL(resume.url);
			change(forged.searchParams);
			return forged.toString();
		};
		const forgeries = [
			['wrong token', forge((p) => p.set('token', forgedToken))],
			['no token', forge((p) => p.delete('token'))],
			['token for another account', forge((p) => p.set('account', '7000000043'))],
			['no account', forge((p) => p.delete('account'))],
		];
		for (const [name, forged] of forgeries) {
			const response = await postRaw(forged, body);
			expect({ name, status: response.status, body: response.json }).toEqual({
				name,
				status: 401,
				body: { error: 'Invalid resume token' },
			});
		}
		// A right token with a body that is not a Khipu envelope is refused too, and changes nothing.
		const notEnvelope = await postRaw(resume.url, { OperationId: 'x'.repeat(37), Status: 'OK' });
		expect([notEnvelope.status, notEnvelope.json]).toEqual([
			400,
			{ error: 'Not a Khipu callback: OperationId is longer than 36 characters' },
		]);

		const stillWaiting = await stack.client.getExecution(resume.executionId, { includeData: true });
		expect(stillWaiting.status).toBe('waiting');
		expect(
			stack.sandbox.state.callbacks().filter((d) => d.operationId === sandboxRequest(account).operationId),
		).toHaveLength(0);

		const done = await waitForExecution(stack.client, resume.executionId, finished, { timeoutMs: 20_000 });
		expect(done.status).toBe('success');
		const paused = outputJson(done, 'Khipu');
		expect(paused.map((item) => item.amount)).not.toContain(999999999);
		expect(paused.map((item) => item.operationId)).toEqual(paused.map(() => sandboxRequest(account).operationId));
		expect(paused.map((item) => without(item, ['operationId']))).toEqual(
			(await syncItems(account)).map((item) => without(item, ['operationId'])),
		);
		// A replay after the execution finished is refused by n8n (409), not run again.
		const replay = await postRaw(resume.url, body);
		expect(replay.status).toBe(409);
		expect(await settledExecutions(stack.client, run.workflow.id, { count: 1, settleMs: 500 })).toHaveLength(1);
	});

	test('a valid callback is acknowledged with {received, operationId} and its balances become the node output', async () => {
		const account = '7000000044';
		// The sandbox's own callback is held back past the end of the suite; this test delivers it.
		await startPause([account], { amountFormat: 'argentine' }, { callbackDelayMs: 300_000 });
		const resume = await resumeUrlFor(account);
		await waitForExecution(stack.client, resume.executionId, (e) => e.status === 'waiting');
		const { operationId } = sandboxRequest(account);

		const answer = await postRaw(resume.url, {
			OperationId: operationId,
			Status: 'OK',
			Data: {
				Balance: [
					{
						AccountId: 'AR-9',
						Type: 'InterimAvailable',
						CreditDebitIndicator: 'Debit',
						DateTime: '2026-03-10T12:04:00-0300',
						Amount: [{ Amount: '1.520,50', Currency: 'ARS' }],
					},
				],
			},
			Unknown: 'ignored',
		});
		expect([answer.status, answer.json]).toEqual([200, { received: true, operationId }]);

		const done = await waitForExecution(stack.client, resume.executionId, finished);
		expect(done.status).toBe('success');
		expect(outputJson(done, 'Khipu')).toEqual([
			{
				accountNumber: account,
				accountId: 'AR-9',
				balanceType: 'InterimAvailable',
				creditDebitIndicator: 'Debit',
				amount: -1520.5,
				amountString: '1.520,50',
				amountProblem: null,
				currency: 'ARS',
				dateTime: '2026-03-10T12:04:00-03:00',
				operationId,
			},
		]);
		// The earlier nodes' data is still there after the resume.
		expect(Object.keys(done.data.resultData.runData).sort()).toEqual(['Khipu', 'Split Out', 'Webhook']);
	});

	test('the Khipu credential’s JWT is replaced while the execution waits: Khipu’s callback still resumes it, a forged token still gets 401', async () => {
		const account = '7000000045';
		const credential = await jwtCredential(stack.client, {
			name: 'Khipu sandbox (JWT, replaced while waiting)',
			jwt: DEFAULT_JWT,
			baseUrl: stack.proxy.url,
		});
		// The sandbox's own callback is held back past the end of the suite; this test delivers it.
		await startPause([account], {}, { callbackDelayMs: 300_000, credential });
		const resume = await resumeUrlFor(account);
		await waitForExecution(stack.client, resume.executionId, (e) => e.status === 'waiting');
		const { operationId } = sandboxRequest(account);

		await replaceCredentialData(stack.client, credential, {
			authType: 'jwt',
			jwtToken: ROTATED_JWT,
			baseUrl: stack.proxy.url,
			allowedHttpRequestDomains: 'all',
		});
		// n8n now signs with the new JWT: the sandbox, which knows only the old one, refuses a request made with it.
		const rotatedPath = stack.uniquePath('rotated');
		await deployWorkflow(stack, balancesWorkflow({ path: rotatedPath, credential, parameters: { delivery: 'sync' } }));
		const before = stack.sandbox.state.requests().length;
		await stack.client.callWebhook(rotatedPath, { accounts: [{ accountNumber: '7000000046' }] });
		expect(
			stack.sandbox.state
				.requests()
				.slice(before)
				.map((r) => [r.authScheme, r.authValid, r.status]),
		).toEqual([['jwt', false, 401]]);

		const body = {
			OperationId: operationId,
			Status: 'OK',
			Data: {
				Balance: [
					{
						Type: 'InterimAvailable',
						CreditDebitIndicator: 'Credit',
						Amount: [{ Amount: '4321.00', Currency: 'ARS' }],
					},
				],
			},
		};
		const forged = new URL(resume.url);
		const token = forged.searchParams.get('token');
		forged.searchParams.set('token', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`);
		const refused = await postRaw(forged.toString(), body);
		expect([refused.status, refused.json]).toEqual([401, { error: 'Invalid resume token' }]);
		expect((await stack.client.getExecution(resume.executionId, { includeData: false })).status).toBe('waiting');

		const answer = await postRaw(resume.url, body);
		expect([answer.status, answer.json]).toEqual([200, { received: true, operationId }]);
		const done = await waitForExecution(stack.client, resume.executionId, finished);
		expect(done.status).toBe('success');
		expect(outputJson(done, 'Khipu').map((item) => [item.accountNumber, item.amount, item.operationId])).toEqual([
			[account, 4321, operationId],
		]);
	});

	test('a 6,000-balance callback (1.06 MB) resumes the execution under the default Max Body Size', async () => {
		const account = 'BIG-6000';
		const run = await startPause([account], {}, { callbackDelayMs: 3000 });
		const resume = await resumeUrlFor(account);
		const done = await waitForExecution(stack.client, resume.executionId, finished, {
			timeoutMs: 60_000,
			intervalMs: 1000,
		});
		expect(done.status).toBe('success');
		const { operationId } = sandboxRequest(account);
		const [delivery] = stack.sandbox.state.callbacks().filter((d) => d.operationId === operationId);
		expect(delivery.statusCode).toBe(200);
		const items = outputJson(done, 'Khipu');
		expect(items).toHaveLength(6000);
		expect(items.every((item) => item.operationId === operationId && typeof item.amount === 'number')).toBe(true);
		expect(await executionsOf(stack.client, run.workflow.id)).toHaveLength(1);
	}, 120_000);

	test('two input items fail at once with a message naming the one-account limit, and nothing is sent to Khipu', async () => {
		const run = await startPause(['1000000004', '1000000005']);
		expect(run.response.status).toBe(200);
		const [execution] = await settledExecutions(stack.client, run.workflow.id, {
			count: 1,
			includeData: true,
			settleMs: 300,
		});
		expect(execution.status).toBe('error');
		const error = execution.data.resultData.error;
		expect(error.message).toBe(
			'"Pause This Workflow Until Khipu Calls Back" handles one account per execution, but 2 items arrived',
		);
		expect(error.description).toMatch(/Loop Over Items node \(batch size 1\)/);
		expect(error.node.name).toBe('Khipu');
		const sent = stack.sandbox.state.requests().filter((r) => ['1000000004', '1000000005'].includes(r.accountNumber));
		expect(sent).toHaveLength(0);
	});

	test('an ERROR callback resumes the execution with one ERROR item carrying the Khipu error, and is acknowledged with 200', async () => {
		const run = await startPause(['2000000003']);
		const resume = await resumeUrlFor('2000000003');
		const done = await waitForExecution(stack.client, resume.executionId, finished);
		expect(done.status).toBe('success');
		expect(outputJson(done, 'Khipu')).toEqual([
			expect.objectContaining({
				status: 'ERROR',
				accountNumber: '2000000003',
				error: 'Khipu error E101 (DO_NOT_RETRY): Invalid bank credentials',
				code: 'E101',
				type: 'DO_NOT_RETRY',
				advice: expect.stringMatching(/Retrying will not help/),
			}),
		]);
		const deliveries = stack.sandbox.state
			.callbacks()
			.filter((d) => d.operationId === sandboxRequest('2000000003').operationId);
		expect(deliveries.map((d) => d.statusCode)).toEqual([200]);
		expect(await executionsOf(stack.client, run.workflow.id)).toHaveLength(1);
	});

	test('never called back (account 5000000001), Wait Limit 1 minute: the execution ends at the limit with one TIMED_OUT item', async () => {
		expect(timeout.response.status).toBe(200);
		const resume = await resumeUrlFor('5000000001');
		const request = sandboxRequest('5000000001');
		expect(request.status).toBe(202);
		const waiting = await stack.client.getExecution(resume.executionId, { includeData: false });
		expect(waiting.status).toBe('waiting');
		const limit = Date.parse(waiting.waitTill);
		expect(limit - timeout.startedAt).toBeGreaterThan(55_000);
		expect(limit - timeout.startedAt).toBeLessThan(65_000);

		// n8n's WaitTracker resumes it at waitTill (it polls every minute and schedules what is due).
		const done = await waitForExecution(stack.client, resume.executionId, finished, {
			timeoutMs: 100_000,
			intervalMs: 1000,
		});
		timings.timeoutMs = Date.now() - timeout.startedAt;
		expect(done.status).toBe('success');
		expect(Date.now()).toBeGreaterThanOrEqual(limit);
		expect(outputJson(done, 'Khipu')).toEqual([
			{
				accountNumber: '5000000001',
				operationId: request.operationId,
				status: 'TIMED_OUT',
				timedOut: true,
				message: 'Khipu did not call back within the wait limit of 1 minute(s)',
			},
		]);
		expect(stack.sandbox.state.callbacks().filter((d) => d.operationId === request.operationId)).toHaveLength(0);
		expect(await executionsOf(stack.client, timeout.workflow.id)).toHaveLength(1);
	}, 150_000);

	test('the execution whose callback was over Max Body Size ends at its Wait Limit with the TIMED_OUT item', async () => {
		const resume = await resumeUrlFor(OVERSIZE_ACCOUNT);
		const request = sandboxRequest(OVERSIZE_ACCOUNT);
		const done = await waitForExecution(stack.client, resume.executionId, finished, {
			timeoutMs: 100_000,
			intervalMs: 1000,
		});
		expect(done.status).toBe('success');
		expect(outputJson(done, 'Khipu')).toEqual([
			{
				accountNumber: OVERSIZE_ACCOUNT,
				operationId: request.operationId,
				status: 'TIMED_OUT',
				timedOut: true,
				message: 'Khipu did not call back within the wait limit of 1 minute(s)',
			},
		]);
		expect(await executionsOf(stack.client, oversize.workflow.id)).toHaveLength(1);
	}, 150_000);

	test('afterwards neither the JWT nor any resume token given to Khipu is stored or exported in plain text', async () => {
		// The resume tokens are random per execution; only their digests stay in n8n, and the tokens travel to Khipu only.
		const resumeTokens = stack.proxy.bodies
			.map((b) => (b && b.CallbackUrl ? new URL(b.CallbackUrl).searchParams.get('token') : null))
			.filter(Boolean);
		expect(resumeTokens.length).toBeGreaterThanOrEqual(4);
		const secrets = {
			jwt: DEFAULT_JWT,
			'replaced jwt': ROTATED_JWT,
			'default callback credential': SECRETS.callbackToken,
			...Object.fromEntries(resumeTokens.map((token, i) => [`resume token ${i + 1}`, token])),
		};
		const scan = await scanN8nStorageWithControl(stack, secrets);
		expect(scan.control['exported workflows (public API)']).toBe(1);
		expect(Object.keys(scan.control).some((source) => source.startsWith('n8n database: database.sqlite'))).toBe(true);
		expect(scan.executions).toBeGreaterThanOrEqual(5);
		expect(scan.found).toEqual({});
	});
});

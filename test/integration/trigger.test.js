'use strict';
// Issue 3 "proof", callback trigger: a real n8n 2.8.4 with the packed package installed as a
// community package, and the Khipu sandbox calling back. Executions are counted through n8n's
// public API (finished executions are listed there; a trigger execution never waits).
const { balancesWorkflow, deployWorkflow } = require('./support/stack');
const {
	startCallbackStack,
	makeToken,
	triggerWorkflow,
	postRaw,
	executionsOf,
	settledExecutions,
	outputJson,
	without,
} = require('./support/callbacks');
const { expectActivationRefused } = require('./support/n8n-version');

jest.setTimeout(120_000);

// A fixed clock makes the balance DateTime identical between the synchronous call and the callback.
const FIXED_NOW = new Date('2026-03-10T15:04:05.000Z');
const TRIGGER = 'Khipu Trigger';

describe('Khipu Santander AR Trigger in a real n8n', () => {
	let stack;
	const timings = {};

	beforeAll(async () => {
		const started = Date.now();
		stack = await startCallbackStack({ sandbox: { now: () => new Date(FIXED_NOW) } });
		timings.stackMs = Date.now() - started;
	}, 180_000);

	afterAll(async () => {
		if (stack) await stack.stop();
		console.log(`trigger suite timings (ms): ${JSON.stringify(timings)}`);
	}, 30_000);

	async function deployTrigger(settings) {
		const { workflow, url } = triggerWorkflow(stack, settings);
		const created = await deployWorkflow(stack, workflow);
		return { id: created.id, url };
	}

	/** A webhook-started balances workflow; the HTTP answer is every item the Khipu node output. */
	async function deployBalances(parameters) {
		const hookPath = stack.uniquePath('balances');
		const created = await deployWorkflow(
			stack,
			balancesWorkflow({ path: hookPath, credential: stack.credentials.jwt, parameters }),
		);
		return {
			id: created.id,
			call: async (accountNumber) => {
				const response = await stack.client.callWebhook(hookPath, { accounts: [{ accountNumber }] });
				expect(response.status).toBe(200);
				return response.body;
			},
		};
	}

	async function deliveriesFor(operationId, count) {
		const until = Date.now() + 20_000;
		for (;;) {
			const mine = stack.sandbox.state.callbacks().filter((d) => d.operationId === operationId);
			if (mine.length >= count) return mine;
			if (Date.now() > until) throw new Error(`expected ${count} deliveries of ${operationId}, saw ${mine.length}`);
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}

	describe('workflow A: balances node with callback delivery -> trigger workflow', () => {
		let trigger;
		let okOnlyTrigger;
		let token;
		let okOnlyToken;
		let viaCallback;
		let viaCallbackOkOnly;
		let sync;

		beforeAll(async () => {
			token = makeToken(40);
			okOnlyToken = makeToken(40);
			trigger = await deployTrigger({ token });
			okOnlyTrigger = await deployTrigger({ token: okOnlyToken, statuses: 'OK' });
			viaCallback = await deployBalances({ delivery: 'callbackUrl', callbackUrl: `${trigger.url}?token=${token}` });
			viaCallbackOkOnly = await deployBalances({
				delivery: 'callbackUrl',
				callbackUrl: `${okOnlyTrigger.url}?token=${okOnlyToken}`,
			});
			sync = await deployBalances({ delivery: 'sync' });
		});

		test('an accepted request is answered at once; the callback starts exactly one execution with the synchronous items', async () => {
			const started = Date.now();
			const accepted = await viaCallback.call('000011887755');
			timings.acceptedMs = Date.now() - started;
			expect(accepted).toHaveLength(1);
			expect(accepted[0]).toMatchObject({ accountNumber: '000011887755', status: 'ACCEPTED' });
			expect(accepted[0].operationId).toMatch(/^[0-9a-f-]{36}$/);
			expect(Date.parse(accepted[0].lifeSpan)).toBeGreaterThan(FIXED_NOW.getTime());

			const [delivery] = await deliveriesFor(accepted[0].operationId, 1);
			expect(delivery.statusCode).toBe(200);
			const executions = await settledExecutions(stack.client, trigger.id, { count: 1, includeData: true });
			timings.callbackToExecutionMs = Date.now() - started;
			expect(executions).toHaveLength(1);
			expect(executions[0]).toMatchObject({ status: 'success', mode: 'webhook' });

			const fromCallback = outputJson(executions[0], TRIGGER);
			const synchronous = await sync.call('000011887755');
			expect(synchronous).toHaveLength(1);
			expect(synchronous[0]).toMatchObject({ accountNumber: '000011887755', amount: 125000, currency: 'ARS' });
			// OperationIds differ between the two requests; the callback carries the accepted one.
			expect(fromCallback.map((item) => item.operationId)).toEqual([accepted[0].operationId]);
			expect(fromCallback.map((item) => without(item, ['callbackUrl', 'accountNumber', 'operationId']))).toEqual(
				synchronous.map((item) => without(item, ['accountNumber', 'operationId'])),
			);
			// The output shows where the callback came in, never the token.
			expect(fromCallback[0].callbackUrl).toBe(`${trigger.url}?token=***`);
			expect(JSON.stringify(executions[0].data)).not.toContain(token);
		});

		test('a callback delivered twice (account 5000000002) starts exactly one execution', async () => {
			const before = (await executionsOf(stack.client, trigger.id)).length;
			const [accepted] = await viaCallback.call('5000000002');
			expect(accepted.status).toBe('ACCEPTED');
			const deliveries = await deliveriesFor(accepted.operationId, 2);
			expect(deliveries.map((d) => d.statusCode)).toEqual([200, 200]);

			const executions = await settledExecutions(stack.client, trigger.id, { count: before + 1, includeData: true });
			expect(executions).toHaveLength(before + 1);
			const newest = executions[executions.length - 1];
			expect(newest.status).toBe('success');
			const items = outputJson(newest, TRIGGER);
			expect(items.length).toBeGreaterThan(0);
			expect(new Set(items.map((item) => item.operationId))).toEqual(new Set([accepted.operationId]));
		});

		test('an ERROR callback (account 2000000003) starts an execution with the error item', async () => {
			const before = (await executionsOf(stack.client, trigger.id)).length;
			const [accepted] = await viaCallback.call('2000000003');
			expect(accepted.status).toBe('ACCEPTED');
			const [delivery] = await deliveriesFor(accepted.operationId, 1);
			expect(delivery.statusCode).toBe(200);

			const executions = await settledExecutions(stack.client, trigger.id, { count: before + 1, includeData: true });
			expect(executions).toHaveLength(before + 1);
			const items = outputJson(executions[executions.length - 1], TRIGGER);
			expect(items).toEqual([
				expect.objectContaining({
					operationId: accepted.operationId,
					status: 'ERROR',
					code: 'E101',
					type: 'DO_NOT_RETRY',
					description: 'Invalid bank credentials',
					error: 'Khipu error E101 (DO_NOT_RETRY): Invalid bank credentials',
				}),
			]);
			expect(items[0].advice).toMatch(/Retrying will not help/);
		});

		test('with "OK Callbacks Only" an ERROR callback is acknowledged and starts nothing, an OK one still starts', async () => {
			const [failed] = await viaCallbackOkOnly.call('2000000003');
			const [failedDelivery] = await deliveriesFor(failed.operationId, 1);
			expect(failedDelivery.statusCode).toBe(200);
			const [ok] = await viaCallbackOkOnly.call('000011887755');
			const [okDelivery] = await deliveriesFor(ok.operationId, 1);
			expect(okDelivery.statusCode).toBe(200);

			const executions = await settledExecutions(stack.client, okOnlyTrigger.id, { count: 1, includeData: true });
			expect(executions).toHaveLength(1);
			expect(outputJson(executions[0], TRIGGER).map((item) => item.operationId)).toEqual([ok.operationId]);

			// What the sandbox saw, replayed by hand: the ignored status is named in the answer.
			const replay = await postRaw(`${okOnlyTrigger.url}?token=${okOnlyToken}`, {
				OperationId: 'replayed-error-0001',
				Status: 'ERROR',
				Error: { Code: 'E101', Type: 'DO_NOT_RETRY', Description: 'x' },
			});
			expect(replay.status).toBe(200);
			expect(replay.json).toEqual({
				received: true,
				operationId: 'replayed-error-0001',
				ignored: 'Status ERROR does not start this workflow',
			});
			const after = await settledExecutions(stack.client, okOnlyTrigger.id, { settleMs: 1000 });
			expect(after).toHaveLength(1);
		});
	});

	describe('abuse of the trigger URL', () => {
		const token = makeToken(32);
		let trigger;
		let withToken;
		const valid = (operationId, extra = {}) => ({
			OperationId: operationId,
			Status: 'OK',
			Data: { Balance: [{ Type: 'InterimAvailable', CreditDebitIndicator: 'Credit', Amount: '10.00', Currency: 'ARS' }] },
			AdditionalInformation: null,
			Error: null,
			...extra,
		});

		beforeAll(async () => {
			trigger = await deployTrigger({ token, options: { maxBodyKb: 1, output: 'raw' } });
			withToken = `${trigger.url}?token=${token}`;
		});

		test('each bad request gets its status code; only the valid deliveries start executions', async () => {
			const otherToken = makeToken(32);
			const cases = [
				['missing token', () => postRaw(trigger.url, valid('abuse-0001')), 401, { error: 'Missing token' }],
				['empty token', () => postRaw(`${trigger.url}?token=`, valid('abuse-0002')), 401, { error: 'Missing token' }],
				['wrong token, same length', () => postRaw(`${trigger.url}?token=${otherToken}`, valid('abuse-0003')), 403, { error: 'Invalid token' }],
				['token one character longer', () => postRaw(`${withToken}x`, valid('abuse-0004')), 403, { error: 'Invalid token' }],
				['token one character shorter', () => postRaw(`${trigger.url}?token=${token.slice(0, -1)}`, valid('abuse-0005')), 403, { error: 'Invalid token' }],
				[
					'token in headers instead of the query',
					() =>
						postRaw(trigger.url, valid('abuse-0006'), {
							headers: { token, 'x-token': token, authorization: `Bearer ${token}` },
						}),
					401,
					{ error: 'Missing token' },
				],
				['JSON array body', () => postRaw(withToken, '[{"OperationId":"abuse-0007","Status":"OK"}]'), 400, { error: 'Not a Khipu callback: the body is an array, not a JSON object' }],
				['null body', () => postRaw(withToken, 'null'), 400, { error: 'Not a Khipu callback: the body is null, not a JSON object' }],
				['empty body', () => postRaw(withToken, ''), 400, { error: 'Body is not valid JSON' }],
				['malformed JSON as text/plain', () => postRaw(withToken, '{"OperationId": "abuse-0008",', { contentType: 'text/plain' }), 400, { error: 'Body is not valid JSON' }],
				['no OperationId', () => postRaw(withToken, without(valid('x'), ['OperationId'])), 400, { error: 'Not a Khipu callback: OperationId is missing or not a string' }],
				['numeric OperationId', () => postRaw(withToken, valid(12345)), 400, { error: 'Not a Khipu callback: OperationId is missing or not a string' }],
				['OperationId of 37 characters', () => postRaw(withToken, valid('a'.repeat(37))), 400, { error: 'Not a Khipu callback: OperationId is longer than 36 characters' }],
				['Status PENDING', () => postRaw(withToken, valid('abuse-0009', { Status: 'PENDING' })), 400, { error: 'Not a Khipu callback: Status must be "OK" or "ERROR"' }],
				['2 KB body over a 1 KB limit', () => postRaw(withToken, valid('abuse-0010', { Padding: 'x'.repeat(2048) })), 413, { error: 'Body larger than 1024 bytes' }],
			];
			for (const [name, send, status, body] of cases) {
				const response = await send();
				expect({ name, status: response.status, body: response.json }).toEqual({ name, status, body });
			}

			// Accepted: unknown fields kept (raw output); a body just under the limit; a 36-character OperationId.
			const withExtras = valid('abuse-accepted-0001', { Unknown: { nested: [1, 'two'] }, Vendor: 'x' });
			const first = await postRaw(withToken, withExtras);
			expect([first.status, first.json]).toEqual([200, { received: true, operationId: 'abuse-accepted-0001' }]);
			const nearLimit = valid('abuse-accepted-0002');
			nearLimit.Padding = 'y'.repeat(1000 - JSON.stringify({ ...nearLimit, Padding: '' }).length);
			expect(JSON.stringify(nearLimit).length).toBe(1000);
			const second = await postRaw(withToken, nearLimit);
			expect(second.status).toBe(200);
			const longestId = 'b'.repeat(36);
			const third = await postRaw(withToken, valid(longestId));
			expect([third.status, third.json]).toEqual([200, { received: true, operationId: longestId }]);

			// The same OperationId again, even with a different body: acknowledged, not started.
			const duplicate = await postRaw(withToken, valid('abuse-accepted-0001', { Status: 'ERROR' }));
			expect([duplicate.status, duplicate.json]).toEqual([
				200,
				{ received: true, operationId: 'abuse-accepted-0001', duplicate: true },
			]);

			const executions = await settledExecutions(stack.client, trigger.id, { count: 3, includeData: true, settleMs: 2000 });
			expect(executions.map((e) => e.status)).toEqual(['success', 'success', 'success']);
			const outputs = executions.map((e) => outputJson(e, TRIGGER));
			expect(outputs[0]).toEqual([{ ...withExtras, callbackUrl: `${trigger.url}?token=***` }]);
			expect(outputs.map((items) => items[0].OperationId)).toEqual(['abuse-accepted-0001', 'abuse-accepted-0002', longestId]);
		});

		test('malformed JSON sent as application/json is refused by n8n itself with 422 and starts nothing', async () => {
			const before = (await executionsOf(stack.client, trigger.id)).length;
			// n8n 2.8.4 parses JSON bodies before the node runs (v1 webhook nodes always do) and throws
			// UnprocessableRequestError; so the answer does not depend on the token.
			for (const url of [withToken, trigger.url]) {
				const response = await postRaw(url, '{"OperationId": "abuse-malformed", "Status": ');
				expect(response.status).toBe(422);
				expect(response.json).toMatchObject({ code: 422, message: 'Failed to parse request body' });
			}
			const after = await settledExecutions(stack.client, trigger.id, { settleMs: 1500 });
			expect(after).toHaveLength(before);
		});

		test('an IP allowlist that excludes 127.0.0.1 refuses a valid callback; one that includes it accepts', async () => {
			const denyToken = makeToken(32);
			const allowToken = makeToken(32);
			const denied = await deployTrigger({ token: denyToken, ipAllowlist: '10.0.0.0/8, 2001:db8::/32' });
			const allowed = await deployTrigger({ token: allowToken, ipAllowlist: '10.0.0.0/8, 127.0.0.1/32' });

			const refused = await postRaw(`${denied.url}?token=${denyToken}`, valid('ip-0001'));
			expect([refused.status, refused.json]).toEqual([403, { error: 'Address not allowed' }]);
			// Without N8N_PROXY_HOPS n8n does not trust X-Forwarded-For, so it cannot be used to get in.
			const spoofed = await postRaw(`${denied.url}?token=${denyToken}`, valid('ip-0003'), {
				headers: { 'x-forwarded-for': '10.1.2.3', 'x-real-ip': '10.1.2.3' },
			});
			expect([spoofed.status, spoofed.json]).toEqual([403, { error: 'Address not allowed' }]);
			const accepted = await postRaw(`${allowed.url}?token=${allowToken}`, valid('ip-0002'));
			expect([accepted.status, accepted.json]).toEqual([200, { received: true, operationId: 'ip-0002' }]);

			expect(await settledExecutions(stack.client, allowed.id, { count: 1 })).toHaveLength(1);
			expect(await settledExecutions(stack.client, denied.id, { settleMs: 500 })).toHaveLength(0);
		});
	});

	test('activating a trigger with a too-short Callback Token fails and names the field', async () => {
		const shortToken = 'only-23-characters-long';
		expect(shortToken).toHaveLength(23);
		const { workflow, url } = triggerWorkflow(stack, { token: shortToken });
		const created = await stack.client.createWorkflow(workflow);
		let failure;
		try {
			await stack.client.activateWorkflow(created.id);
		} catch (error) {
			failure = error;
		}
		// n8n 2.8.4 refuses the activate call; n8n 2.41 accepts it and reports the refusal as publication status.
		const message = await expectActivationRefused(stack, failure, created.id);
		expect(message).toMatch(/^Callback Token must be 24 to 128 letters, digits, "-" or "_"/);
		// The suggestion is a usable token, and the rejected one is not echoed.
		const suggestion = /freshly generated one: ([A-Za-z0-9_-]+)/.exec(message)?.[1];
		expect(suggestion).toHaveLength(32);
		expect(message).not.toContain(shortToken);
		const call = await postRaw(`${url}?token=${shortToken}`, { OperationId: 'short-0001', Status: 'OK' });
		expect(call.status).toBe(404);
	});
});

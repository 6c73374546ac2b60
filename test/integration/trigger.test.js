'use strict';
// Issue 3 "proof", callback trigger: a real n8n 2.8.4 with the packed package installed as a
// community package, and the Khipu sandbox calling back. Executions are counted through n8n's
// public API (finished executions are listed there; a trigger execution never waits).
const crypto = require('node:crypto');
const { SECRETS } = require('./support/stack');
const { balancesWorkflow, triggerWorkflow, deployWorkflow } = require('../../tools/workflows/workflows');
const { executionsOf, settledExecutions, outputJson } = require('../../tools/n8n-client/executions');
const { postRaw } = require('../../tools/n8n-client/http');
const { scanN8nStorageWithControl } = require('./support/secrets');
const { startCallbackStack, makeToken, replaceCredentialData, without } = require('./support/callbacks');
const { expectActivationRefused } = require('./support/n8n-version');
const { setTimeout: sleep } = require('node:timers/promises');
const { refuseExecutionsInSqlite, burstKilledMidway } = require('./support/faults');
// the memory format as the packed package writes it (built before the suites run)
const { fingerprint } = require('../../dist/nodes/shared/dedupeLog');

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
		const { workflow, url, credential } = await triggerWorkflow(stack, settings);
		const created = await deployWorkflow(stack, workflow);
		return { id: created.id, url, credential };
	}

	/** Creates the workflow and activates it, which the trigger must refuse; returns the message the user reads. */
	async function refusedActivation(workflow) {
		const created = await stack.client.createWorkflow(workflow);
		let failure;
		try {
			await stack.client.activateWorkflow(created.id);
		} catch (error) {
			failure = error;
		}
		// n8n 2.8.4 refuses the activate call; n8n 2.41 accepts it and reports the refusal as publication status.
		return expectActivationRefused(stack, failure, created.id);
	}

	/** A webhook-started balances workflow; the HTTP answer is every item the Khipu node output. */
	async function deployBalances(parameters, callbackCredential) {
		const hookPath = stack.uniquePath('balances');
		const created = await deployWorkflow(
			stack,
			// Through the recording proxy, so a test can read the exact CallbackUrl Khipu was given.
			balancesWorkflow({ path: hookPath, credential: stack.credentials.jwtRecorded, callbackCredential, parameters }),
		);
		return {
			id: created.id,
			path: hookPath,
			call: async (accountNumber, extra = {}) => {
				const response = await stack.client.callWebhook(hookPath, { accounts: [{ accountNumber, ...extra }] });
				expect(response.status).toBe(200);
				return response.body;
			},
		};
	}

	/** The CallbackUrl of every balances request for the account, as the node sent it. */
	function sentCallbackUrls(accountNumber) {
		return stack.proxy.bodies
			.filter((b) => b && b.RequestData && b.RequestData.AccountNumber === accountNumber && b.CallbackUrl)
			.map((b) => b.CallbackUrl);
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
			viaCallback = await deployBalances(
				{ delivery: 'callbackUrl', callbackUrl: trigger.url, reference: '={{ $json.reference }}' },
				trigger.credential,
			);
			viaCallbackOkOnly = await deployBalances(
				{ delivery: 'callbackUrl', callbackUrl: okOnlyTrigger.url },
				okOnlyTrigger.credential,
			);
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
			// The account number comes back from the URL the node built: the items match the synchronous ones.
			expect(fromCallback.map((item) => without(item, ['callbackUrl', 'operationId']))).toEqual(
				synchronous.map((item) => without(item, ['operationId'])),
			);
			expect(fromCallback[0].accountNumber).toBe('000011887755');
			expect(fromCallback[0]).not.toHaveProperty('reference');
			// Khipu was given the trigger's URL with the account and the token added at send time.
			expect(sentCallbackUrls('000011887755')).toEqual([`${trigger.url}?account=000011887755&token=${token}`]);
			const workflow = await stack.client.getWorkflow(viaCallback.id);
			expect(JSON.stringify(workflow)).not.toContain(token);
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
			const [accepted] = await viaCallback.call('2000000003', { reference: 'cliente #12 & co' });
			expect(accepted).toMatchObject({ status: 'ACCEPTED', reference: 'cliente #12 & co' });
			const [delivery] = await deliveriesFor(accepted.operationId, 1);
			expect(delivery.statusCode).toBe(200);
			expect(sentCallbackUrls('2000000003')).toEqual([
				`${trigger.url}?account=2000000003&reference=cliente%20%2312%20%26%20co&token=${token}`,
			]);

			const executions = await settledExecutions(stack.client, trigger.id, { count: before + 1, includeData: true });
			expect(executions).toHaveLength(before + 1);
			const items = outputJson(executions[executions.length - 1], TRIGGER);
			expect(items).toEqual([
				expect.objectContaining({
					accountNumber: '2000000003',
					reference: 'cliente #12 & co',
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

	describe('repeated-delivery memory saved in the workflow', () => {
		const body = (operationId) => ({
			OperationId: operationId,
			Status: 'OK',
			Data: {
				Balance: [{ Type: 'InterimAvailable', CreditDebitIndicator: 'Credit', Amount: '1.00', Currency: 'ARS' }],
			},
			AdditionalInformation: null,
			Error: null,
		});
		async function memoryTrigger() {
			const token = makeToken(32);
			const trigger = await deployTrigger({ token });
			/** The ids among `of` that the trigger's saved memory lacks (what another process or a restart reads). */
			const unsaved = async (of) => {
				const saved = (await stack.client.getWorkflow(trigger.id)).staticData?.[`node:${TRIGGER}`]?.operationIds ?? '';
				return of.filter((id) => !saved.includes(` ${fingerprint(id)}\n`));
			};
			return { ...trigger, withToken: `${trigger.url}?token=${token}`, unsaved };
		}

		test('every OperationId answered 200 is in the saved static data when the answer arrives: 40 at once, then 5 one by one', async () => {
			const trigger = await memoryTrigger();
			const ids = Array.from({ length: 40 }, () => crypto.randomUUID());
			// each answer is followed at once by a read of the saved workflow: n8n saved before it answered
			const unsavedAtAnswer = await Promise.all(
				ids.map(async (id) => {
					const answer = await postRaw(trigger.withToken, body(id));
					expect([answer.status, answer.json]).toEqual([200, { received: true, operationId: id }]);
					return trigger.unsaved([id]);
				}),
			);
			expect(unsavedAtAnswer.flat()).toEqual([]);
			expect(await settledExecutions(stack.client, trigger.id, { count: 40 })).toHaveLength(40);

			const again = await Promise.all(ids.map((id) => postRaw(trigger.withToken, body(id))));
			expect(again.map((r) => r.json)).toEqual(
				ids.map((operationId) => ({ received: true, operationId, duplicate: true })),
			);
			expect(await settledExecutions(stack.client, trigger.id, { settleMs: 1000 })).toHaveLength(40);

			// one at a time into a memory that is no longer empty (n8n 2.41 clears the change flag of a
			// non-empty static data while it starts the execution; COMPAT rows 13 and 21)
			const later = Array.from({ length: 5 }, () => crypto.randomUUID());
			for (const id of later) {
				expect((await postRaw(trigger.withToken, body(id))).json).toEqual({ received: true, operationId: id });
				expect(await trigger.unsaved([id])).toEqual([]);
			}
			expect(await trigger.unsaved([...ids, ...later])).toEqual([]);
		});

		test('n8n killed with SIGKILL in the middle of a burst: after the restart, every callback it had answered 200 is a duplicate', async () => {
			const trigger = await memoryTrigger();
			// a memory that is not empty, as on a running instance
			expect((await postRaw(trigger.withToken, body(crypto.randomUUID()))).status).toBe(200);
			const ids = Array.from({ length: 40 }, () => crypto.randomUUID());
			const { answers, restart } = await burstKilledMidway(
				ids.map((id) => () => postRaw(trigger.withToken, body(id))),
				20,
				() => stack.restartN8n({ kill: true }),
			);
			expect(restart.killedPid).toBeGreaterThan(0);
			const answered = ids.filter((id, i) => answers[i].status === 200);
			expect(answered.length).toBeGreaterThanOrEqual(20);
			timings.killedMidBurst = { answered200: answered.length, restartMs: restart.startupMs };

			const again = await Promise.all(answered.map((id) => postRaw(trigger.withToken, body(id))));
			expect(answered.filter((id, i) => again[i].status !== 200 || !again[i].json?.duplicate)).toEqual([]);
		}, 240_000);

		test('an execution that fails to start (a database error, once) is not remembered: n8n answers 500, the callback delivered again runs once', async () => {
			const trigger = await memoryTrigger();
			const id = crypto.randomUUID();
			const refusal = refuseExecutionsInSqlite(stack.databaseFile, id);
			let failed;
			try {
				failed = await postRaw(trigger.withToken, body(id));
			} finally {
				refusal.clear();
			}
			expect(failed.status).toBe(500);
			expect(failed.text).not.toContain('received');
			timings.failedStartAnswer = { status: failed.status, body: failed.json ?? failed.text };
			expect(await settledExecutions(stack.client, trigger.id, { settleMs: 1000 })).toHaveLength(0);
			expect(await trigger.unsaved([id])).toEqual([id]);

			const retried = await postRaw(trigger.withToken, body(id));
			expect([retried.status, retried.json]).toEqual([200, { received: true, operationId: id }]);
			const again = await postRaw(trigger.withToken, body(id));
			expect(again.json).toEqual({ received: true, operationId: id, duplicate: true });
			const runs = await settledExecutions(stack.client, trigger.id, { count: 1, settleMs: 1000, includeData: true });
			expect(runs.map((e) => outputJson(e, TRIGGER)[0]?.operationId)).toEqual([id]);
			expect(await trigger.unsaved([id])).toEqual([]);
		});
	});

	describe('abuse of the trigger URL', () => {
		const token = makeToken(32);
		let trigger;
		let withToken;
		const valid = (operationId, extra = {}) => ({
			OperationId: operationId,
			Status: 'OK',
			Data: {
				Balance: [{ Type: 'InterimAvailable', CreditDebitIndicator: 'Credit', Amount: '10.00', Currency: 'ARS' }],
			},
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
				[
					'wrong token, same length',
					() => postRaw(`${trigger.url}?token=${otherToken}`, valid('abuse-0003')),
					403,
					{ error: 'Invalid token' },
				],
				[
					'token one character longer',
					() => postRaw(`${withToken}x`, valid('abuse-0004')),
					403,
					{ error: 'Invalid token' },
				],
				[
					'token one character shorter',
					() => postRaw(`${trigger.url}?token=${token.slice(0, -1)}`, valid('abuse-0005')),
					403,
					{ error: 'Invalid token' },
				],
				[
					'token in headers instead of the query',
					() =>
						postRaw(trigger.url, valid('abuse-0006'), {
							headers: { token, 'x-token': token, authorization: `Bearer ${token}` },
						}),
					401,
					{ error: 'Missing token' },
				],
				[
					'JSON array body',
					() => postRaw(withToken, '[{"OperationId":"abuse-0007","Status":"OK"}]'),
					400,
					{ error: 'Not a Khipu callback: the body is an array, not a JSON object' },
				],
				[
					'null body',
					() => postRaw(withToken, 'null'),
					400,
					{ error: 'Not a Khipu callback: the body is null, not a JSON object' },
				],
				['empty body', () => postRaw(withToken, ''), 400, { error: 'Body is not valid JSON' }],
				[
					'malformed JSON as text/plain',
					() => postRaw(withToken, '{"OperationId": "abuse-0008",', { contentType: 'text/plain' }),
					400,
					{ error: 'Body is not valid JSON' },
				],
				[
					'no OperationId',
					() => postRaw(withToken, without(valid('x'), ['OperationId'])),
					400,
					{ error: 'Not a Khipu callback: OperationId is missing or not a string' },
				],
				[
					'numeric OperationId',
					() => postRaw(withToken, valid(12345)),
					400,
					{ error: 'Not a Khipu callback: OperationId is missing or not a string' },
				],
				[
					'OperationId of 37 characters',
					() => postRaw(withToken, valid('a'.repeat(37))),
					400,
					{ error: 'Not a Khipu callback: OperationId is longer than 36 characters' },
				],
				[
					'Status PENDING',
					() => postRaw(withToken, valid('abuse-0009', { Status: 'PENDING' })),
					400,
					{ error: 'Not a Khipu callback: Status must be "OK" or "ERROR"' },
				],
				[
					'2 KB body over a 1 KB limit',
					() => postRaw(withToken, valid('abuse-0010', { Padding: 'x'.repeat(2048) })),
					413,
					{ error: 'Body larger than 1024 bytes' },
				],
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

			const executions = await settledExecutions(stack.client, trigger.id, {
				count: 3,
				includeData: true,
				settleMs: 2000,
			});
			expect(executions.map((e) => e.status)).toEqual(['success', 'success', 'success']);
			const outputs = executions.map((e) => outputJson(e, TRIGGER));
			expect(outputs[0]).toEqual([{ ...withExtras, callbackUrl: `${trigger.url}?token=***` }]);
			expect(outputs.map((items) => items[0].OperationId)).toEqual([
				'abuse-accepted-0001',
				'abuse-accepted-0002',
				longestId,
			]);
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

	test('activating a trigger whose credential holds a too-short token fails, names the field and the command that makes a token, printing none', async () => {
		const shortToken = 'only-23-characters-long';
		expect(shortToken).toHaveLength(23);
		const { workflow, url } = await triggerWorkflow(stack, { token: shortToken });
		const message = await refusedActivation(workflow);
		expect(message).toBe(
			'Callback token (Khipu Callback Token API credential) must be 24 to 128 letters, digits, "-" or "_". Generate one with: node -e "console.log(require(\'crypto\').randomBytes(24).toString(\'base64url\'))"',
		);
		// Activation errors are kept in n8n's logs and publication status: no token in it, the rejected one included.
		expect(message).not.toMatch(/[A-Za-z0-9_-]{24,}/);
		expect(message).not.toContain(shortToken);
		const call = await postRaw(`${url}?token=${shortToken}`, { OperationId: 'short-0001', Status: 'OK' });
		expect(call.status).toBe(404);
	});

	test('the credential test (editor save / retry) refuses a weak token, pointing to the command, and accepts a strong one; it checks a Previous Token too', async () => {
		const probe = async (data) => {
			const result = await stack.client.rest('POST', '/credentials/test', {
				// n8n 2.41 wants the id of a saved credential; the data sent is what gets tested.
				credentials: { id: String(stack.credentials.callback.id), name: 'probe', type: 'khipuCallbackApi', data },
			});
			return result.data ?? result;
		};
		const weak = await probe({ token: 'short-token' });
		expect(weak.status).toBe('Error');
		expect(weak.message).toMatch(/must be 24 to 128 letters, digits, "-" or "_"\. Generate one with: node -e "[^"]+"$/);
		expect(weak.message).not.toMatch(/[A-Za-z0-9_-]{24,}/);
		expect(await probe({ token: makeToken(40) })).toEqual({
			status: 'OK',
			message: 'The token is strong enough for a callback URL',
		});
		const previous = { token: makeToken(40), previousToken: makeToken(40) };
		expect(await probe(previous)).toEqual({
			status: 'Error',
			message: expect.stringMatching(/^Previous Token Valid Until is required with a Previous Token/),
		});
		const until = new Date(Date.now() + 3_600_000).toISOString();
		expect(await probe({ ...previous, previousTokenValidUntil: until })).toEqual({
			status: 'OK',
			message: `The token is strong enough for a callback URL; the previous token is accepted until ${until}`,
		});
	});

	test('activating a trigger whose credential has a Previous Token without Valid Until fails, naming the field', async () => {
		const { workflow, credential } = await triggerWorkflow(stack, { token: makeToken(36) });
		await replaceCredentialData(stack.client, credential, { token: makeToken(36), previousToken: makeToken(36) });
		const message = await refusedActivation(workflow);
		expect(message).toMatch(
			/^Previous Token Valid Until is required with a Previous Token: .* for example 2026-11-25T15:30:00-03:00$/,
		);
	});

	test('a replaced callback token: the old one is still accepted until Previous Token Valid Until, then refused; the new one throughout, also when the previous one is misconfigured', async () => {
		const oldToken = makeToken(36);
		const newToken = makeToken(36);
		const trigger = await deployTrigger({ token: oldToken });
		const body = (operationId) => ({
			OperationId: operationId,
			Status: 'OK',
			Data: {
				Balance: [{ Type: 'InterimAvailable', CreditDebitIndicator: 'Credit', Amount: '10.00', Currency: 'ARS' }],
			},
		});
		const post = (token, operationId) => postRaw(`${trigger.url}?token=${token}`, body(operationId));
		expect((await post(oldToken, 'rotation-0001')).status).toBe(200);
		expect((await post(newToken, 'rotation-0002')).status).toBe(403);

		// The rotation as a user does it: the new token in Token, the old one kept for a stated time.
		const windowMs = 20_000;
		const validUntil = Date.now() + windowMs;
		await replaceCredentialData(stack.client, trigger.credential, {
			token: newToken,
			previousToken: oldToken,
			previousTokenValidUntil: new Date(validUntil).toISOString(),
		});
		const inWindow = [await post(oldToken, 'rotation-0003'), await post(newToken, 'rotation-0004')];
		// Both calls must have been answered inside the window for this part to mean anything.
		expect(Date.now()).toBeLessThan(validUntil);
		expect(inWindow.map((r) => [r.status, r.json])).toEqual([
			[200, { received: true, operationId: 'rotation-0003' }],
			[200, { received: true, operationId: 'rotation-0004' }],
		]);

		await sleep(validUntil - Date.now() + 500);
		const after = [await post(oldToken, 'rotation-0005'), await post(newToken, 'rotation-0006')];
		expect(after.map((r) => [r.status, r.json])).toEqual([
			[403, { error: 'Invalid token' }],
			[200, { received: true, operationId: 'rotation-0006' }],
		]);
		// A Previous Token the trigger cannot use (no readable end) never costs a callback with the current token.
		await replaceCredentialData(stack.client, trigger.credential, {
			token: newToken,
			previousToken: oldToken,
			previousTokenValidUntil: 'soon',
		});
		const misconfigured = [await post(newToken, 'rotation-0007'), await post(oldToken, 'rotation-0008')];
		expect(misconfigured.map((r) => r.status)).toEqual([200, 403]);
		const executions = await settledExecutions(stack.client, trigger.id, { count: 5, includeData: true });
		expect(executions.map((e) => outputJson(e, TRIGGER)[0].operationId).sort()).toEqual([
			'rotation-0001',
			'rotation-0003',
			'rotation-0004',
			'rotation-0006',
			'rotation-0007',
		]);
	});

	describe('account and reference in the callback URL', () => {
		const token = makeToken(36);
		let simplified;
		let raw;
		const okBody = (
			operationId,
			balance = [{ Type: 'InterimAvailable', CreditDebitIndicator: 'Credit', Amount: '10.00', Currency: 'ARS' }],
		) => ({
			OperationId: operationId,
			Status: 'OK',
			Data: { Balance: balance },
			AdditionalInformation: null,
			Error: null,
		});
		const hints = (account, reference) =>
			new URLSearchParams({
				...(account === undefined ? {} : { account }),
				...(reference === undefined ? {} : { reference }),
				token,
			}).toString();

		beforeAll(async () => {
			simplified = await deployTrigger({ token });
			raw = await deployTrigger({ token, options: { output: 'raw' } });
		});

		test('every item shape carries accountNumber and reference; the token is never echoed', async () => {
			const sends = [
				[simplified, okBody('hint-balance'), hints('000011887755', 'run 7/ñ')],
				[simplified, okBody('hint-empty', []), hints('1000000002', 'empty')],
				[
					simplified,
					{
						OperationId: 'hint-error',
						Status: 'ERROR',
						Error: { Code: 'E101', Type: 'DO_NOT_RETRY', Description: 'x' },
					},
					hints('2000000003', 'err'),
				],
				[raw, okBody('hint-raw'), hints('000011887755', 'raw-ref')],
			];
			for (const [target, body, query] of sends) {
				const response = await postRaw(`${target.url}?${query}`, body);
				expect([body.OperationId, response.status]).toEqual([body.OperationId, 200]);
			}
			const fromSimplified = (
				await settledExecutions(stack.client, simplified.id, { count: 3, includeData: true })
			).flatMap((e) => outputJson(e, TRIGGER));
			const [fromRaw] = (await settledExecutions(stack.client, raw.id, { count: 1, includeData: true })).map((e) =>
				outputJson(e, TRIGGER),
			);
			const shapes = [...fromSimplified, ...fromRaw].map((item) => [
				item.operationId ?? item.OperationId,
				item.accountNumber,
				item.reference,
				item.noBalances === true || item.status === 'ERROR' || 'Data' in item || 'amount' in item,
			]);
			expect(shapes.sort()).toEqual(
				[
					['hint-balance', '000011887755', 'run 7/ñ', true],
					['hint-empty', '1000000002', 'empty', true],
					['hint-error', '2000000003', 'err', true],
					['hint-raw', '000011887755', 'raw-ref', true],
				].sort(),
			);
			for (const item of [...fromSimplified, ...fromRaw]) {
				expect(item.callbackUrl).toBe(`${item.OperationId ? raw.url : simplified.url}?token=***`);
				expect(JSON.stringify(item)).not.toContain(token);
			}
		});

		test('the node’s parameter names in bracket form fail before sending: the trigger would have mis-read them (issue 20.5)', async () => {
			// What n8n makes of such a URL when Khipu calls it back: its query parser (qs) files "token[]" under
			// "token", next to the right token (refused), and "account[x]" under "account" (the account is lost).
			const misread = await postRaw(
				`${simplified.url}?token[]=typed&account=000011887755&token=${token}`,
				okBody('bracket-token'),
			);
			expect(misread.status).toBe(403);
			const before = (await executionsOf(stack.client, simplified.id)).length;
			const lost = await postRaw(
				`${simplified.url}?account[x]=1&account=000011887755&token=${token}`,
				okBody('bracket-account'),
			);
			expect(lost.status).toBe(200);
			const executions = await settledExecutions(stack.client, simplified.id, { count: before + 1, includeData: true });
			const [item] = executions.slice(before).flatMap((e) => outputJson(e, TRIGGER));
			expect(item.operationId).toBe('bracket-account');
			expect(item).not.toHaveProperty('accountNumber');

			// So the node refuses them, in every form n8n reads that way, before anything reaches Khipu.
			for (const [query, name] of [
				['token[]=typed', 'token'],
				['account[x]=1', 'account'],
				['reference%5B%5D=r', 'reference'],
			]) {
				const balances = await deployBalances(
					{ delivery: 'callbackUrl', callbackUrl: `${simplified.url}?${query}` },
					simplified.credential,
				);
				const sentBefore = stack.proxy.bodies.length;
				const errorResponse = await stack.client.callWebhook(balances.path, {
					accounts: [{ accountNumber: '000011887755' }],
				});
				expect(errorResponse.status).toBe(500);
				const [failed] = await settledExecutions(stack.client, balances.id, { count: 1, includeData: true });
				expect(failed.data.resultData.error.message).toContain(
					`Item 1: Callback URL already contains ${name === 'account' ? 'an' : 'a'} "${name}" parameter (n8n reads "${name}[…]" as "${name}")`,
				);
				expect(stack.proxy.bodies.length).toBe(sentBefore);
			}
		});

		test('values outside the limits are dropped, the callback still starts its execution', async () => {
			const before = (await executionsOf(stack.client, simplified.id)).length;
			const cases = [
				['drop-long-account', hints('1'.repeat(21), 'r'.repeat(65))],
				['drop-control', `account=12%0A34&reference=a%E2%80%AEb&token=${token}`],
				['drop-twice', `account=1&account=2&reference=x&reference=y&token=${token}`],
				['drop-spaces', `account=%2012&reference=%20r&token=${token}`],
			];
			for (const [operationId, query] of cases) {
				const response = await postRaw(`${simplified.url}?${query}`, okBody(operationId));
				expect([operationId, response.status]).toEqual([operationId, 200]);
			}
			const executions = await settledExecutions(stack.client, simplified.id, {
				count: before + cases.length,
				includeData: true,
			});
			const items = executions.slice(before).flatMap((e) => outputJson(e, TRIGGER));
			expect(items.map((item) => [item.operationId, 'accountNumber' in item, 'reference' in item]).sort()).toEqual(
				cases.map(([operationId]) => [operationId, false, false]).sort(),
			);
		});
	});

	describe('callback delivery from the balances node', () => {
		let trigger;
		const token = makeToken(48);

		beforeAll(async () => {
			trigger = await deployTrigger({ token });
		});

		test('a Callback URL that already holds a token, or a fragment, fails before anything is sent', async () => {
			// A token typed into the URL (not the credential's: the storage scan below must not find that one).
			const typed = makeToken(30);
			for (const [callbackUrl, message] of [
				[
					`${trigger.url}?token=${typed}`,
					/^Item 1: Callback URL already contains a "token" parameter\. Remove it: the node adds the token from the callback credential/,
				],
				[`${trigger.url}#part`, /^Item 1: Callback URL must not contain a fragment/],
			]) {
				const balances = await deployBalances({ delivery: 'callbackUrl', callbackUrl }, trigger.credential);
				const sentBefore = stack.proxy.bodies.length;
				const errorResponse = await stack.client.callWebhook(balances.path, {
					accounts: [{ accountNumber: '000011887755' }],
				});
				expect(errorResponse.status).toBe(500);
				const [failed] = await settledExecutions(stack.client, balances.id, { count: 1, includeData: true });
				expect(failed.status).toBe('error');
				expect(failed.data.resultData.error.message).toMatch(message);
				expect(failed.data.resultData.error.message).not.toContain(typed);
				expect(stack.proxy.bodies.length).toBe(sentBefore);
			}
		});

		test('callback delivery without a callback credential (and Add Callback Token on) fails before sending, naming the credential', async () => {
			const balances = await deployBalances({ delivery: 'callbackUrl', callbackUrl: trigger.url });
			const sentBefore = stack.proxy.bodies.length;
			const errorResponse = await stack.client.callWebhook(balances.path, {
				accounts: [{ accountNumber: '000011887755' }],
			});
			expect(errorResponse.status).toBe(500);
			const [failed] = await settledExecutions(stack.client, balances.id, { count: 1, includeData: true });
			expect(failed.data.resultData.error.message).toBe(
				'Item 1: Callback delivery adds the token of a Khipu Callback Token API credential to the Callback URL: select the one the receiving trigger uses, or turn off Add Callback Token',
			);
			expect(failed.data.resultData.error.description).toBe(
				'Field: Khipu Callback Token API credential. Nothing was sent to Khipu.',
			);
			expect(stack.proxy.bodies.length).toBe(sentBefore);
		});

		test('a URL that would pass 255 characters with account, reference and token fails, naming the field and the length', async () => {
			// 200 characters fit on their own; the added account, reference and 48-character token do not.
			const callbackUrl = `${trigger.url}?pad=${'p'.repeat(200 - trigger.url.length - 5)}`;
			expect(callbackUrl).toHaveLength(200);
			const balances = await deployBalances(
				{ delivery: 'callbackUrl', callbackUrl, reference: 'ref-1' },
				trigger.credential,
			);
			const sentBefore = stack.proxy.bodies.length;
			const errorResponse = await stack.client.callWebhook(balances.path, {
				accounts: [{ accountNumber: '000011887755' }],
			});
			expect(errorResponse.status).toBe(500);
			const [failed] = await settledExecutions(stack.client, balances.id, { count: 1, includeData: true });
			const expectedLength = 200 + '&account=000011887755&reference=ref-1&token='.length + token.length;
			expect(failed.data.resultData.error.message).toBe(
				`Item 1: Callback URL with the account number, the Reference and the token added is ${expectedLength} characters long; Khipu accepts at most 255. Shorten the URL or the Reference.`,
			);
			expect(stack.proxy.bodies.length).toBe(sentBefore);
		});

		test('the token goes over https or to this n8n only: a plain-http Callback URL elsewhere, from item data, fails before sending (issue 20.6)', async () => {
			const elsewhere = `${stack.sandbox.url}/__sandbox/health`; // another port on this machine, plain http
			const accounts = [
				{ accountNumber: '1000000005', callbackUrl: trigger.url }, // this n8n's own webhook base, plain http: allowed
				{ accountNumber: '1000000006', callbackUrl: elsewhere },
			];
			const refusing = await deployBalances(
				{ delivery: 'callbackUrl', callbackUrl: '={{ $json.callbackUrl }}' },
				trigger.credential,
			);
			const sentBefore = stack.proxy.bodies.length;
			const errorResponse = await stack.client.callWebhook(refusing.path, { accounts });
			expect(errorResponse.status).toBe(500);
			const [failed] = await settledExecutions(stack.client, refusing.id, { count: 1, includeData: true });
			const origin = new URL(stack.sandbox.url).origin;
			expect(failed.data.resultData.error.message).toBe(
				`Item 2: Callback URL uses plain http to ${origin}, which is not this n8n's webhook address (${stack.n8n.baseUrl}/), so the callback token would travel unencrypted to another host. Use an https URL or this n8n's own webhook URL, or turn on Allow Token Over Plain HTTP if that network path is trusted.`,
			);
			expect(failed.data.resultData.error.description).toBe('Field: Callback URL. Nothing was sent to Khipu.');
			expect(failed.data.resultData.error.message).not.toContain(token);
			expect(stack.proxy.bodies.length).toBe(sentBefore);

			// Allowed explicitly, both are sent, each with the token.
			const allowing = await deployBalances(
				{ delivery: 'callbackUrl', callbackUrl: '={{ $json.callbackUrl }}', allowTokenOverHttp: true },
				trigger.credential,
			);
			const accepted = await stack.client.callWebhook(allowing.path, { accounts });
			expect(accepted.status).toBe(200);
			expect(accepted.body.map((item) => item.status)).toEqual(['ACCEPTED', 'ACCEPTED']);
			expect(sentCallbackUrls('1000000005')).toEqual([`${trigger.url}?account=1000000005&token=${token}`]);
			expect(sentCallbackUrls('1000000006')).toEqual([`${elsewhere}?account=1000000006&token=${token}`]);
		});

		test('with "Add Callback Token" off no credential is needed and the URL carries no token (the trigger refuses it)', async () => {
			const balances = await deployBalances({
				delivery: 'callbackUrl',
				callbackUrl: `${trigger.url}?keep=1`,
				addCallbackToken: false,
			});
			const [accepted] = await balances.call('1000000004');
			expect(accepted.status).toBe('ACCEPTED');
			expect(sentCallbackUrls('1000000004')).toEqual([`${trigger.url}?keep=1&account=1000000004`]);
			const [delivery] = await deliveriesFor(accepted.operationId, 1);
			expect(delivery.statusCode).toBe(401);
		});
	});

	test('afterwards no workflow, export, execution or database file holds a callback token in plain text', async () => {
		const tokens = [...stack.callbackCredentials.keys()].filter((token) => token.length >= 24);
		expect(tokens.length).toBeGreaterThanOrEqual(5);
		const secrets = Object.fromEntries(tokens.map((token, i) => [`callback token ${i + 1}`, token]));
		secrets['default callback credential'] = SECRETS.callbackToken;
		const scan = await scanN8nStorageWithControl(stack, secrets);
		// The control value typed into a node is found where n8n keeps workflows: the scan can see.
		expect(scan.control['exported workflows (public API)']).toBe(1);
		expect(Object.keys(scan.control).some((source) => source.startsWith('n8n database: database.sqlite'))).toBe(true);
		expect(scan.databaseFiles).toContain('database.sqlite');
		expect(scan.workflows).toBeGreaterThanOrEqual(10);
		expect(scan.executions).toBeGreaterThanOrEqual(15);
		expect(scan.found).toEqual({});
		console.log(
			`trigger suite secret scan: ${JSON.stringify({ tokens: Object.keys(secrets).length, workflows: scan.workflows, executions: scan.executions, databaseFiles: scan.databaseFiles, bytes: scan.bytes, found: 0 })}`,
		);
	});
});

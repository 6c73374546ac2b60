'use strict';
// Issue 2 proof: the balances node inside a real n8n (installed as a community package)
// against the Khipu sandbox: synchronous and callback delivery, every error type,
// Continue On Fail, bad input, concurrency and order.
const { startTestStack, runAccounts, SECRETS } = require('./support/stack');
const { balancesWorkflow, deployWorkflow } = require('../../tools/workflows/workflows');
const { nodeOutput, executionError } = require('../../tools/n8n-client/executions');
const { startRedirectPair } = require('./support/redirectServer');

jest.setTimeout(120_000);

let stack;

beforeAll(async () => {
	stack = await startTestStack();
}, 900_000);

afterAll(async () => {
	if (stack) await stack.stop();
}, 30_000);

beforeEach(async () => {
	// A request the node gave up on (timeout test) may still be open at the sandbox.
	for (let waited = 0; stack.sandbox.state.stats().inFlight > 0 && waited < 5000; waited += 50) {
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	await stack.sandbox.state.reset();
	stack.sandbox.state.configure({ latencyMs: 0 });
});

async function deploy(parameters = {}, { credential = 'jwt', nodeSettings = {} } = {}) {
	const path = stack.uniquePath('bal');
	const workflow = await deployWorkflow(
		stack,
		balancesWorkflow({
			path,
			credential: stack.credentials[credential],
			callbackCredential: stack.credentials.callback,
			parameters,
			nodeSettings,
		}),
	);
	return { workflow, path };
}

async function run(accounts, parameters, settings) {
	const { workflow, path } = await deploy(parameters, settings);
	return runAccounts(stack, workflow, path, accounts);
}

/**
 * The balances workflow with n8n's HTTP Request node in the Khipu node's place: a POST signed with the Khipu
 * API credential as its predefined credential type, redirects followed as n8n does by default.
 */
function httpRequestWorkflow(hookPath, url, credential) {
	const workflow = balancesWorkflow({ path: hookPath, credential });
	Object.assign(workflow.nodes[2], {
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		parameters: {
			method: 'POST',
			url,
			authentication: 'predefinedCredentialType',
			nodeCredentialType: 'khipuApi',
			sendBody: true,
			specifyBody: 'json',
			jsonBody: '{"RequestData":{"AccountNumber":"000011887755"}}',
			options: {},
		},
		onError: 'continueRegularOutput',
	});
	return workflow;
}

function endpointRequests() {
	return stack.sandbox.state.requests().filter((r) => r.path.startsWith('/v1/'));
}

describe('synchronous delivery', () => {
	test('returns one simplified item per balance for the documented example account', async () => {
		const { response, execution } = await run(['000011887755'], { options: {} });
		expect(response.status).toBe(200);
		expect(execution.status).toBe('success');
		const items = nodeOutput(execution);
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({
			accountNumber: '000011887755',
			accountId: expect.stringContaining('000011887755'),
			balanceType: 'InterimAvailable',
			creditDebitIndicator: 'Credit',
			amount: 125000,
			amountString: '125000.00',
			currency: 'ARS',
			operationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
		});
		expect(items[0].json.dateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
		expect(items[0].pairedItem).toEqual({ item: 0 });
		const [request] = endpointRequests();
		expect(request).toMatchObject({
			authScheme: 'jwt',
			authValid: true,
			accountNumber: '000011887755',
			accountCredentialKind: null,
		});
		expect(request.callbackUrl ?? null).toBeNull();
	});

	test('Debit balances are negative; multi-currency and single-object amounts are split and read', async () => {
		const { execution } = await run(['1000000004', '1000000005', '1000000006'], {});
		const items = nodeOutput(execution).map((i) => i.json);
		const debit = items.find((i) => i.accountNumber === '1000000004');
		expect(debit).toMatchObject({ creditDebitIndicator: 'Debit', amount: -1520.5, amountString: '1520.50' });
		const currencies = items
			.filter((i) => i.accountNumber === '1000000005')
			.map((i) => i.currency)
			.sort();
		expect(currencies).toEqual(['ARS', 'USD']);
		const single = items.filter((i) => i.accountNumber === '1000000006');
		expect(single.length).toBeGreaterThan(0);
		expect(typeof single[0].amount).toBe('number');
		expect(single[0].currency).toMatch(/^[A-Z]{3}$/);
	});

	test('Amount Format: an amount that cannot be read without guessing is null with amountProblem, never a wrong number (sandbox 1000000008)', async () => {
		const amounts = async (options) => {
			const { execution } = await run(['1000000008'], { options });
			expect(execution.status).toBe('success');
			return nodeOutput(execution).map(({ json }) => [
				json.amount,
				json.amountString,
				json.amountProblem,
				json.currency,
			]);
		};
		const ambiguous = '"2.500" is ambiguous';
		// Default: the Khipu standard format (dot decimal).
		expect(await amounts({})).toEqual([
			[
				null,
				'2.500',
				`${ambiguous}: 2.5 in the Khipu standard format (dot decimal), 2500 in the Argentine format (1.234,56)`,
				'ARS',
			],
			[
				null,
				'1.234.567,89',
				expect.stringMatching(/^"1\.234\.567,89" is not in the Khipu standard format .*set the Amount Format option/),
				'ARS',
			],
			[98765.4, '98765.4', null, 'USD'],
		]);
		expect(await amounts({ amountFormat: 'argentine' })).toEqual([
			[
				null,
				'2.500',
				`${ambiguous}: 2500 in the Argentine format (1.234,56), 2.5 in the Khipu standard format (dot decimal)`,
				'ARS',
			],
			[-1234567.89, '1.234.567,89', null, 'ARS'],
			[98765.4, '98765.4', null, 'USD'],
		]);
	});

	test('empty list and Data null give an info item, or nothing when asked', async () => {
		const info = await run(['1000000002', '1000000003'], {});
		const items = nodeOutput(info.execution).map((i) => i.json);
		expect(items).toEqual([
			expect.objectContaining({
				accountNumber: '1000000002',
				noBalances: true,
				message: 'No balances for the current day',
			}),
			expect.objectContaining({
				accountNumber: '1000000003',
				noBalances: true,
				message: expect.stringMatching(/no data/),
			}),
		]);
		const nothing = await run(['1000000002', '000011887755'], { options: { onEmpty: 'nothing' } });
		expect(nodeOutput(nothing.execution).map((i) => i.json.accountNumber)).toEqual(['000011887755']);
	});

	test('raw output returns Khipu’s envelope as received', async () => {
		const { execution } = await run(['000011887755'], { options: { output: 'raw' } });
		const [item] = nodeOutput(execution);
		expect(Object.keys(item.json).sort()).toEqual([
			'AdditionalInformation',
			'Data',
			'Error',
			'LifeSpan',
			'OperationId',
			'Status',
		]);
		expect(item.json.Data.Balance[0].Amount).toEqual([{ Amount: '125000.00', Currency: 'ARS' }]);
	});

	test('API-key mode sends x-api-key and the per-account credential; JWT mode never does', async () => {
		await run(['000011887755'], {}, { credential: 'apiKeyLink' });
		await run(['000011887755'], {}, { credential: 'apiKeyLogin' });
		const requests = endpointRequests();
		expect(requests.map((r) => [r.authScheme, r.authValid, r.accountCredentialKind, r.status])).toEqual([
			['apiKey', true, 'AccountLink', 200],
			['apiKey', true, 'SantanderLogin', 200],
		]);
	});
});

describe('callback delivery', () => {
	test('Khipu’s 202 becomes an ACCEPTED item with the OperationId and LifeSpan', async () => {
		const { execution } = await run(['000011887755'], {
			delivery: 'callbackUrl',
			callbackUrl: `${stack.sandbox.url}/__sandbox/health`,
			// The sandbox is another host than this n8n, over plain http: the token goes there only when allowed.
			allowTokenOverHttp: true,
		});
		const [item] = nodeOutput(execution);
		expect(item.json).toMatchObject({
			accountNumber: '000011887755',
			status: 'ACCEPTED',
			operationId: expect.any(String),
		});
		expect(Date.parse(item.json.lifeSpan)).toBeGreaterThan(Date.now());
		const [request] = endpointRequests();
		expect(request.callbackUrlLocation).toBe('body');
		const deliveries = await stack.sandbox.state.waitForCallbacks(1, 5000);
		expect(deliveries[0].operationId).toBe(item.json.operationId);
	});
});

describe('per-item failures (issue 20.9)', () => {
	// One item whose account holds a lone UTF-16 surrogate (URL encoding throws URIError on it) and one whose
	// Reference expression fails, between two good ones; callback delivery, so both would have to be encoded.
	const ITEMS = [
		{ accountNumber: '000011887755', ref: 'first' },
		{ accountNumber: '12\uD800', ref: 'second' },
		{ accountNumber: '1000000004' },
		{ accountNumber: '1000000002', ref: 'fourth' },
	];
	async function runItems(items, nodeSettings = {}) {
		const parameters = {
			delivery: 'callbackUrl',
			callbackUrl: `${stack.sandbox.url}/__sandbox/health`,
			// Throws for an item without `ref` only: n8n cannot resolve a node that does not exist.
			reference: "={{ $json.ref ? $json.ref.toUpperCase() : $('No Such Node').item.json.ref }}",
			allowTokenOverHttp: true,
		};
		const { workflow, path } = await deploy(parameters, { nodeSettings });
		const response = await stack.client.callWebhook(path, { accounts: items });
		const [execution] = await stack.client.waitForExecutions({
			workflowId: workflow.id,
			count: 1,
			includeData: true,
			timeoutMs: 60_000,
		});
		return { response, execution };
	}

	test('under Continue On Fail each becomes its own error item, paired, and only the good items are sent', async () => {
		const { execution } = await runItems(ITEMS, { onError: 'continueRegularOutput' });
		expect(execution.status).toBe('success');
		const items = nodeOutput(execution);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(items[0].json).toMatchObject({ accountNumber: '000011887755', status: 'ACCEPTED', reference: 'FIRST' });
		expect(items[1].json).toEqual({
			error:
				'Account Number contains a broken character (half of a UTF-16 surrogate pair); retype it or fix the source data',
			field: 'Account Number',
			accountNumber: null,
		});
		expect(items[2].json).toEqual({ accountNumber: null, error: expect.stringMatching(/No Such Node|node/i) });
		expect(items[3].json).toMatchObject({ accountNumber: '1000000002', status: 'ACCEPTED', reference: 'FOURTH' });
		expect(endpointRequests().map((r) => r.accountNumber)).toEqual(['000011887755', '1000000002']);
	});

	test('without it the run fails naming the item, before anything is sent', async () => {
		for (const [items, message] of [
			[ITEMS, /^Item 2: Account Number contains a broken character/],
			[[ITEMS[0], ITEMS[2]], /^Item 2: /],
		]) {
			const { execution } = await runItems(items);
			expect(execution.status).toBe('error');
			const error = executionError(execution);
			expect(error.message).toMatch(message);
			expect(error.description).toMatch(/Nothing was sent to Khipu/);
			expect(endpointRequests()).toEqual([]);
		}
	});
});

describe('Khipu errors', () => {
	test('RETRY_IMMEDIATELY is retried with backoff and recovers', async () => {
		const { execution } = await run(['2000000002'], { options: { retryDelayMs: 50 } });
		expect(execution.status).toBe('success');
		expect(nodeOutput(execution)[0].json.accountNumber).toBe('2000000002');
		expect(endpointRequests()).toHaveLength(2);
	});

	test('RETRY_IMMEDIATELY that never recovers fails after maxRetries + 1 attempts', async () => {
		const { execution } = await run(['2000000001'], { options: { retryDelayMs: 20, maxRetries: 3 } });
		expect(execution.status).toBe('error');
		expect(executionError(execution).message).toMatch(/Item 1: Khipu error E201 \(RETRY_IMMEDIATELY\)/);
		expect(executionError(execution).description).toMatch(/tried 4 times/);
		expect(endpointRequests()).toHaveLength(4);
	});

	test('retries can be switched off', async () => {
		await run(['2000000001'], { options: { retryTemporaryErrors: false } });
		expect(endpointRequests()).toHaveLength(1);
	});

	test.each([
		['2000000003', 'DO_NOT_RETRY', /fix the cause/],
		['2000000004', 'WAIT_4_HOURS_BEFORE_RETRY', /Do not retry before \d{4}-\d{2}-\d{2}T/],
		['2000000005', 'RETRY_AFTER_NOTIFICATION', /after the account holder or Khipu/],
	])('%s (%s) fails at once with advice', async (account, type, advice) => {
		const { execution } = await run([account], { options: { retryDelayMs: 20 } });
		expect(execution.status).toBe('error');
		const error = executionError(execution);
		expect(error.message).toContain(`(${type})`);
		expect(error.description).toMatch(advice);
		expect(endpointRequests()).toHaveLength(1);
	});

	test.each([
		['3000000401', /HTTP 401/, /JWT or API key/],
		['3000000404', /HTTP 404/, /Base URL/],
		['3000000500', /HTTP 500 \(Khipu error E000/, /internal error/],
		['3000000501', /HTTP 500 with text\/html/, /internal error/],
		['3000000504', /HTTP 504 with text\/html page/, /callback delivery/],
		['3000000200', /HTTP 200 with text\/html .* instead of a JSON envelope/, /proxy or gateway/],
		['3000000000', /Could not get an answer from Khipu: the connection was reset/, /network/],
	])('%s gives a clear error', async (account, message, description) => {
		const { execution } = await run([account], { options: { retryDelayMs: 20 } });
		expect(execution.status).toBe('error');
		const error = executionError(execution);
		expect(error.message).toMatch(message);
		expect(error.description).toMatch(description);
	});

	test('429 honours Retry-After within the cap, and fails at once past it', async () => {
		const honoured = await run(['3000000429'], { options: { maxRetries: 1 } });
		expect(executionError(honoured.execution).message).toMatch(/HTTP 429/);
		const times = endpointRequests().map((r) => Date.parse(r.receivedAt));
		expect(times).toHaveLength(2);
		expect(times[1] - times[0]).toBeGreaterThanOrEqual(900);
		await stack.sandbox.state.reset();
		await run(['3000000429'], { options: { maxRetries: 3, maxRetryAfterSeconds: 0 } });
		expect(endpointRequests()).toHaveLength(1);
	});

	test('a wrong JWT is reported as 401', async () => {
		const { execution } = await run(['000011887755'], {}, { credential: 'badJwt' });
		expect(executionError(execution).message).toMatch(/HTTP 401/);
	});

	test('a response slower than the timeout fails with the timeout in the message', async () => {
		const { execution } = await run(['4000000001'], { options: { timeoutMs: 1000 } });
		expect(executionError(execution).message).toMatch(/timed out after 1000 ms/);
	});
});

describe('Continue On Fail and many items', () => {
	test('every failed item becomes an error item paired to its input, the rest still run', async () => {
		const accounts = ['000011887755', '2000000003', 'x'.repeat(21), '3000000504', '1000000004'];
		const { execution } = await run(
			accounts,
			{ options: { retryDelayMs: 20 } },
			{ nodeSettings: { onError: 'continueRegularOutput' } },
		);
		expect(execution.status).toBe('success');
		const items = nodeOutput(execution);
		expect(items.map((i) => i.pairedItem.item)).toEqual([0, 1, 2, 3, 4]);
		expect(items[0].json.amount).toBe(125000);
		expect(items[1].json).toMatchObject({ code: 'E101', type: 'DO_NOT_RETRY', error: expect.stringContaining('E101') });
		expect(items[2].json).toMatchObject({ field: 'Account Number', error: expect.stringMatching(/at most 20/) });
		expect(items[3].json).toMatchObject({ httpStatus: 504 });
		expect(items[4].json.amount).toBe(-1520.5);
		expect(
			endpointRequests()
				.map((r) => r.accountNumber)
				.sort(),
		).toEqual(['000011887755', '1000000004', '2000000003', '3000000504'].sort());
	});

	test('40 accounts run with bounded concurrency and keep input order and pairing', async () => {
		stack.sandbox.state.configure({ latencyMs: 150 });
		const accounts = Array.from({ length: 40 }, (_, i) => `77${String(i).padStart(8, '0')}`);
		const { execution } = await run(accounts, { options: { concurrency: 4 } });
		const items = nodeOutput(execution);
		expect(items).toHaveLength(80);
		items.forEach((item, k) => {
			const index = Math.floor(k / 2);
			expect(item.json.accountNumber).toBe(accounts[index]);
			expect(item.pairedItem).toEqual({ item: index });
		});
		const stats = stack.sandbox.state.stats();
		expect(stats.maxInFlight).toBe(4);
	});
});

describe('bad input fails before any request', () => {
	test.each([
		[['x'.repeat(21)], {}, /Item 1: Account Number is 21 characters long; Khipu accepts at most 20/],
		[['   '], {}, /Item 1: Account Number is required/],
		[['000011887755', ''], {}, /Item 2: Account Number is required/],
		[
			['000011887755'],
			{ delivery: 'callbackUrl', callbackUrl: 'ftp://example.com/x' },
			/Callback URL must use http or https; "ftp"/,
		],
		[
			['000011887755'],
			{ delivery: 'callbackUrl', callbackUrl: `https://example.com/${'a'.repeat(236)}` },
			/Callback URL is 256 characters long; Khipu accepts at most 255/,
		],
		[['000011887755'], { delivery: 'callbackUrl', callbackUrl: 'javascript:alert(1)' }, /"javascript" is not allowed/],
		[['000011887755'], { options: { concurrency: 0 } }, /Concurrency must be a whole number from 1 to 20/],
	])('%j %j', async (accounts, parameters, message) => {
		const { execution } = await run(accounts, parameters);
		expect(execution.status).toBe('error');
		expect(executionError(execution).message).toMatch(message);
		expect(endpointRequests()).toHaveLength(0);
	});
});

describe('credential test (the editor’s "Retry" / save check)', () => {
	async function testCredential(data) {
		const result = await stack.client.rest('POST', '/credentials/test', {
			// n8n 2.41 requires the id of a saved credential; the data sent is what gets tested.
			credentials: {
				id: String(stack.credentials.jwt.id),
				name: 'probe',
				type: 'khipuApi',
				data: { baseUrl: stack.sandbox.url, ...data },
			},
		});
		return result.data ?? result;
	}

	test('tells a good JWT from a bad one without touching an account', async () => {
		expect(await testCredential({ authType: 'jwt', jwtToken: SECRETS.jwt })).toMatchObject({ status: 'OK' });
		const bad = await testCredential({ authType: 'jwt', jwtToken: 'wrong-jwt' });
		expect(bad.status).toBe('Error');
		expect(bad.message).toMatch(/401|JWT/);
		expect(bad.message).not.toContain('wrong-jwt');
		const requests = endpointRequests();
		expect(requests.map((r) => [r.authScheme, r.authValid, r.accountNumber ?? null])).toEqual([
			['jwt', true, null],
			['jwt', false, null],
		]);
	});

	const API_KEY_MODES = {
		apiKeyAccountLink: { authType: 'apiKeyAccountLink', accountLinkToken: SECRETS.accountLink },
		apiKeySantanderLogin: {
			authType: 'apiKeySantanderLogin',
			documentNumberSecret: SECRETS.documentNumber,
			username: SECRETS.username,
			pinPassword: SECRETS.pin,
		},
	};
	const BANK_LOGIN = [
		SECRETS.accountLink,
		SECRETS.documentNumber,
		SECRETS.username,
		SECRETS.pin,
		'AccountCredential',
		'AccountLink',
		'DocumentNumber',
		'Username',
		'Password',
	];

	test.each(Object.keys(API_KEY_MODES))(
		'tells a good API key from a bad one (%s), never sending the bank login',
		async (mode) => {
			const base = API_KEY_MODES[mode];
			expect(await testCredential({ ...base, apiKey: SECRETS.apiKey })).toMatchObject({ status: 'OK' });
			expect(await testCredential({ ...base, apiKey: 'wrong-key' })).toMatchObject({ status: 'Error' });
			// Issue 20.4: the test proves the API key and the Base URL; the per-account credential stays home.
			expect(endpointRequests().map((r) => [r.authScheme, r.accountCredentialPresent])).toEqual([
				['apiKey', false],
				['apiKey', false],
			]);
		},
	);

	test('a Base URL that redirects (307 to another port): nothing reaches the target, the test fails, the body holds no bank login (issue 20.4)', async () => {
		const pair = await startRedirectPair();
		try {
			const modes = [
				{ authType: 'jwt', jwtToken: SECRETS.jwt },
				...Object.values(API_KEY_MODES).map((mode) => ({ ...mode, apiKey: SECRETS.apiKey })),
			];
			for (const data of modes) {
				const result = await testCredential({ ...data, baseUrl: pair.redirector.url });
				expect([data.authType, result.status, result.message]).toEqual([
					data.authType,
					'Error',
					'The Base URL did not answer like Khipu’s API (a redirect is never followed); check the Base URL',
				]);
			}
			expect(pair.target.requests()).toEqual([]);
			const sent = pair.redirector.requests();
			expect(sent).toHaveLength(3);
			for (const request of sent) {
				expect(JSON.parse(request.body)).toEqual({ RequestData: {} });
				for (const secret of BANK_LOGIN) expect(request.body).not.toContain(secret);
			}
		} finally {
			await pair.close();
		}
	});

	test('another node signing with the credential (HTTP Request, redirects on by default) does not follow a redirect either', async () => {
		const pair = await startRedirectPair();
		try {
			const hookPath = stack.uniquePath('http-request');
			const workflow = await deployWorkflow(
				stack,
				httpRequestWorkflow(hookPath, `${pair.redirector.url}/v1/balances`, stack.credentials.apiKeyLogin),
			);
			const response = await stack.client.callWebhook(hookPath, { accounts: [{ accountNumber: '000011887755' }] });
			expect(response.status).toBe(200);
			const [execution] = await stack.client.waitForExecutions({
				workflowId: workflow.id,
				count: 1,
				includeData: true,
				timeoutMs: 60_000,
			});
			expect(execution.status).toBe('success'); // the node's error output (Continue On Fail): the 307 itself
			expect(pair.redirector.requests()).toHaveLength(1);
			expect(pair.redirector.requests()[0].headers['x-api-key']).toBe(SECRETS.apiKey);
			expect(pair.target.requests()).toEqual([]);
			for (const secret of BANK_LOGIN.slice(0, 4)) expect(pair.redirector.requests()[0].body).not.toContain(secret);
		} finally {
			await pair.close();
		}
	});

	test('a Base URL without Khipu fails the test', async () => {
		const result = await testCredential({
			authType: 'jwt',
			jwtToken: SECRETS.jwt,
			baseUrl: `${stack.sandbox.url}/nothing-here`,
		});
		expect(result.status).toBe('Error');
	});
});

import type { IDataObject } from 'n8n-workflow';

import { useFakeKhipu } from '../harness/fakeKhipu';
import {
	accountLinkCredential,
	accountOf,
	answerAccepted,
	answerOk,
	balanceItem,
	callbackCredential,
	errorEnvelope,
	FAKE_ACCOUNT_LINK,
	FAKE_API_KEY,
	FAKE_CALLBACK_TOKEN,
	FAKE_JWT,
	FAKE_LOGIN,
	jwtCredential,
	khipuError,
	okEnvelope,
	santanderLoginCredential,
	SECRETS,
} from '../harness/khipuFixtures';
import { asWorkflow, configure, runWorkflow } from '../harness/runWorkflow';
import balancesJson from './balances.workflow.json';
import callbackJson from './callback.workflow.json';

const KHIPU = 'Khipu Santander AR';
const BALANCES_PATH = '/v1/ar/banking/personal/santander.com.ar/pending/current-day/ACY/balances';

const balancesWorkflow = asWorkflow(balancesJson);
const callbackWorkflow = asWorkflow(callbackJson);

const khipu = useFakeKhipu(answerOk);

const accounts = (...numbers: string[]) => numbers.map((accountNumber) => ({ accountNumber }));
const jwt = () => ({ khipuApi: jwtCredential(khipu.url) });

/** The balances workflow with the Khipu node's parameters (or other fields) changed. */
const withKhipu = (change: Parameters<typeof configure>[2]) => configure(balancesWorkflow, KHIPU, change);

/** The error that stopped an execution, as n8n shows it: message and description. */
function failure(run: Awaited<ReturnType<typeof runWorkflow>>) {
	expect(run.status).toBe('error');
	const error = run.error as { message: string; description?: string | null } | undefined;
	return { message: error?.message ?? '', description: error?.description ?? '' };
}

describe('execute(): synchronous delivery', () => {
	it('one account: one item per balance with the account, the amount as a number and the operation id', async () => {
		const run = await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('1001') });

		expect(run.status).toBe('success');
		expect(run.output(KHIPU)).toEqual([{ json: balanceItem('1001'), pairedItem: { item: 0 } }]);
		expect(run.json('Next')).toEqual(run.json(KHIPU));
	});

	it('sends one POST per account to the balances path, with the account in RequestData', async () => {
		await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('1001', '1002') });

		expect(khipu.requests.map((request) => [request.method, request.path, request.body])).toEqual([
			['POST', BALANCES_PATH, { RequestData: { AccountNumber: '1001' } }],
			['POST', BALANCES_PATH, { RequestData: { AccountNumber: '1002' } }],
		]);
		expect(khipu.requests[0].headers['content-type']).toMatch(/^application\/json/);
	});

	it('many accounts: output follows the input order even when Khipu answers out of order, each item paired', async () => {
		// The first account answers last.
		khipu.answer((request) => ({ ...answerOk(request), delayMs: accountOf(request) === '1001' ? 80 : 0 }));

		const run = await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('1001', '1002', '1003') });

		expect(run.output(KHIPU)?.map((item) => [item.json.accountNumber, item.pairedItem])).toEqual([
			['1001', { item: 0 }],
			['1002', { item: 1 }],
			['1003', { item: 2 }],
		]);
	});

	it('several balances of one account are several items, all paired with that account', async () => {
		const two = [
			{
				Type: 'InterimAvailable',
				CreditDebitIndicator: 'Credit',
				DateTime: '2026-11-25T09:30:00-0300',
				Amount: [{ Amount: '10.00', Currency: 'ARS' }],
			},
			{
				Type: 'ClosingBooked',
				CreditDebitIndicator: 'Debit',
				DateTime: '2026-11-25T00:00:00-0300',
				Amount: [{ Amount: '20.00', Currency: 'ARS' }],
			},
		];
		khipu.answer((request) => ({
			status: 200,
			body: okEnvelope(accountOf(request), accountOf(request) === '1002' ? two : undefined),
		}));

		const run = await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('1001', '1002') });

		expect(run.output(KHIPU)?.map((item) => [item.json.balanceType, item.json.amount, item.pairedItem])).toEqual([
			['InterimAvailable', 1500.25, { item: 0 }],
			['InterimAvailable', 10, { item: 1 }],
			['ClosingBooked', -20, { item: 1 }],
		]);
	});

	it('never has more than Concurrency requests in flight', async () => {
		// Slow answers: without the bound all five requests would be in flight together.
		khipu.answer((request) => ({ ...answerOk(request), delayMs: 100 }));

		const run = await runWorkflow(withKhipu({ parameters: { options: { concurrency: 2 } } }), {
			credentials: jwt(),
			input: accounts('1001', '1002', '1003', '1004', '1005'),
		});

		expect(run.output(KHIPU)).toHaveLength(5);
		expect(khipu.requests).toHaveLength(5);
		expect(khipu.maxInFlight).toBeLessThanOrEqual(2);
	});

	it('an account without balances gives one info item, or none with On Empty: Output Nothing', async () => {
		khipu.answer((request) => ({ status: 200, body: okEnvelope(accountOf(request), []) }));

		const info = await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('1001') });
		const nothing = await runWorkflow(withKhipu({ parameters: { options: { onEmpty: 'nothing' } } }), {
			credentials: jwt(),
			input: accounts('1001'),
		});

		expect(info.output(KHIPU)).toEqual([
			{
				json: {
					accountNumber: '1001',
					operationId: 'op-1001',
					status: 'OK',
					noBalances: true,
					message: 'Khipu returned an empty balance list for this account',
				},
				pairedItem: { item: 0 },
			},
		]);
		expect(nothing.status).toBe('success');
		expect(nothing.output(KHIPU)).toEqual([]);
	});

	it('Output: Raw passes Khipu’s envelope on as received', async () => {
		const run = await runWorkflow(withKhipu({ parameters: { options: { output: 'raw' } } }), {
			credentials: jwt(),
			input: accounts('1001'),
		});

		expect(run.json(KHIPU)).toEqual([okEnvelope('1001')]);
	});
});

describe('execute(): callback URL delivery', () => {
	const callbackCredentials = () => ({ ...jwt(), khipuCallbackApi: callbackCredential });

	beforeEach(() => khipu.answer(answerAccepted));

	it('Khipu’s 202 becomes one ACCEPTED item per account, paired, with the reference', async () => {
		const run = await runWorkflow(callbackWorkflow, {
			credentials: callbackCredentials(),
			input: [
				{ accountNumber: '1001', reference: 'customer-1' },
				{ accountNumber: '1002', reference: 'customer-2' },
			],
		});

		expect(run.status).toBe('success');
		expect(run.output(KHIPU)).toEqual([
			{
				json: {
					accountNumber: '1001',
					reference: 'customer-1',
					operationId: 'op-1001',
					status: 'ACCEPTED',
					lifeSpan: 'PT10M',
					message: 'Khipu accepted the request and will POST the result to the callback URL',
				},
				pairedItem: { item: 0 },
			},
			expect.objectContaining({
				json: expect.objectContaining({ accountNumber: '1002', reference: 'customer-2', status: 'ACCEPTED' }),
				pairedItem: { item: 1 },
			}),
		]);
	});

	it('the CallbackUrl sent to Khipu carries the account, the reference and the callback token', async () => {
		await runWorkflow(callbackWorkflow, {
			credentials: callbackCredentials(),
			input: [{ accountNumber: '1001', reference: 'customer 1' }],
		});

		expect(khipu.requests[0].body).toEqual({
			RequestData: { AccountNumber: '1001' },
			CallbackUrl: `https://n8n.example.com/webhook/khipu?account=1001&reference=customer%201&token=${FAKE_CALLBACK_TOKEN}`,
		});
	});

	it('the callback token is never in the output', async () => {
		const run = await runWorkflow(callbackWorkflow, { credentials: callbackCredentials(), input: accounts('1001') });

		expect(run.output(KHIPU)).toHaveLength(1);
		expect(JSON.stringify(run.result.data.resultData.runData)).not.toContain(FAKE_CALLBACK_TOKEN);
	});

	it('Add Callback Token off: the URL has no token and no callback credential is needed', async () => {
		const workflow = configure(callbackWorkflow, KHIPU, {
			parameters: { addCallbackToken: false },
			credentials: { khipuApi: { id: '1', name: 'Khipu API (test)' } },
		});

		const run = await runWorkflow(workflow, { credentials: jwt(), input: accounts('1001') });

		expect(run.status).toBe('success');
		expect(khipu.requests[0].body.CallbackUrl).toBe('https://n8n.example.com/webhook/khipu?account=1001');
	});

	it('without a callback credential the node fails naming it, and sends nothing', async () => {
		const workflow = configure(callbackWorkflow, KHIPU, {
			credentials: { khipuApi: { id: '1', name: 'Khipu API (test)' } },
		});

		const run = await runWorkflow(workflow, { credentials: jwt(), input: accounts('1001') });

		expect(failure(run).message).toMatch(/Khipu Callback Token API credential/);
		expect(khipu.requests).toHaveLength(0);
	});

	it('a Callback URL that already holds a token parameter is refused, and nothing is sent', async () => {
		const workflow = configure(callbackWorkflow, KHIPU, {
			parameters: { callbackUrl: 'https://n8n.example.com/webhook/khipu?token=abc' },
		});

		const run = await runWorkflow(workflow, { credentials: callbackCredentials(), input: accounts('1001') });

		expect(failure(run).message).toMatch(/already contains a "token" parameter/);
		expect(khipu.requests).toHaveLength(0);
	});

	it('Khipu answering at once (200) gives the balances instead of an ACCEPTED item', async () => {
		khipu.answer(answerOk);

		const run = await runWorkflow(callbackWorkflow, { credentials: callbackCredentials(), input: accounts('1001') });

		expect(run.json(KHIPU)).toEqual([
			expect.objectContaining({ accountNumber: '1001', amount: 1500.25, operationId: 'op-1001' }),
		]);
	});
});

describe('execute(): Continue On Fail', () => {
	const continuing = withKhipu({ onError: 'continueRegularOutput' });

	it('a Khipu error becomes an error item paired with its account; the other accounts still get their balances', async () => {
		khipu.answer((request) =>
			accountOf(request) === '1002' ? khipuError('E101', 'DO_NOT_RETRY', 'Invalid account') : answerOk(request),
		);

		const run = await runWorkflow(continuing, { credentials: jwt(), input: accounts('1001', '1002', '1003') });

		expect(run.status).toBe('success');
		const output = run.output(KHIPU) ?? [];
		expect(output.map((item) => [item.json.accountNumber, item.pairedItem])).toEqual([
			['1001', { item: 0 }],
			['1002', { item: 1 }],
			['1003', { item: 2 }],
		]);
		expect(output[1].json).toMatchObject({
			error: 'Khipu error E101 (DO_NOT_RETRY): Invalid account',
			code: 'E101',
			type: 'DO_NOT_RETRY',
			advice: expect.stringMatching(/Retrying will not help/),
		});
	});

	it.each([
		['too long', 'x'.repeat(21), 'Account Number is 21 characters long; Khipu accepts at most 20'],
		[
			'with a broken character (lone UTF-16 surrogate)',
			'10\uD800',
			'Account Number contains a broken character (half of a UTF-16 surrogate pair); retype it or fix the source data',
		],
	])(
		'an account %s becomes an error item naming the field; only the valid accounts are sent',
		async (_problem, account, error) => {
			const run = await runWorkflow(continuing, { credentials: jwt(), input: accounts('1001', account, '1003') });

			expect(run.status).toBe('success');
			expect(run.output(KHIPU)?.[1]).toEqual({
				json: { error, field: 'Account Number', accountNumber: null },
				pairedItem: { item: 1 },
			});
			expect(khipu.requests.map(accountOf)).toEqual(['1001', '1003']);
		},
	);

	it('a credential problem gives one error item per input, each paired, and nothing is sent', async () => {
		const run = await runWorkflow(continuing, {
			credentials: { khipuApi: { ...jwtCredential(khipu.url), jwtToken: '' } },
			input: accounts('1001', '1002'),
		});

		expect(run.output(KHIPU)).toEqual([
			{ json: { error: 'The Khipu credential has no JWT', field: 'JWT' }, pairedItem: { item: 0 } },
			{ json: { error: 'The Khipu credential has no JWT', field: 'JWT' }, pairedItem: { item: 1 } },
		]);
		expect(khipu.requests).toHaveLength(0);
	});

	it('without Continue On Fail a Khipu error stops the node, naming the item and giving Khipu’s advice', async () => {
		khipu.answer((request) =>
			accountOf(request) === '1002' ? khipuError('E101', 'DO_NOT_RETRY', 'Invalid account') : answerOk(request),
		);

		const run = await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('1001', '1002') });

		const { message, description } = failure(run);
		expect(message).toBe('Item 2: Khipu error E101 (DO_NOT_RETRY): Invalid account');
		expect(description).toMatch(/Retrying will not help/);
		expect(run.output('Next')).toBeUndefined();
	});
});

describe('execute(): retries', () => {
	const retrying = (options: IDataObject) => withKhipu({ parameters: { options: { retryDelayMs: 0, ...options } } });

	it('RETRY_IMMEDIATELY is retried and the answer of the retry is used', async () => {
		khipu.answerInTurn(khipuError('E201', 'RETRY_IMMEDIATELY'), { status: 200, body: okEnvelope('1001') });

		const run = await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('1001') });

		expect(khipu.requests).toHaveLength(2);
		expect(run.json(KHIPU)).toEqual([expect.objectContaining({ accountNumber: '1001', amount: 1500.25 })]);
	});

	it('RETRY_IMMEDIATELY every time: 1 + Max Retries requests, then the error says how often it tried', async () => {
		khipu.answerInTurn(khipuError('E201', 'RETRY_IMMEDIATELY'));

		const run = await runWorkflow(retrying({ maxRetries: 3 }), { credentials: jwt(), input: accounts('1001') });

		expect(khipu.requests).toHaveLength(4);
		expect(failure(run).description).toMatch(/tried 4 times/);
	});

	it('Retry Temporary Errors off: RETRY_IMMEDIATELY is sent once', async () => {
		khipu.answerInTurn(khipuError('E201', 'RETRY_IMMEDIATELY'));

		const run = await runWorkflow(retrying({ retryTemporaryErrors: false }), {
			credentials: jwt(),
			input: accounts('1001'),
		});

		expect(run.status).toBe('error');
		expect(khipu.requests).toHaveLength(1);
	});

	it.each(['DO_NOT_RETRY', 'WAIT_4_HOURS_BEFORE_RETRY', 'RETRY_AFTER_NOTIFICATION'])(
		'%s is never retried',
		async (type) => {
			khipu.answerInTurn(khipuError('E101', type));

			const run = await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('1001') });

			expect(failure(run).message).toContain(`(${type})`);
			expect(khipu.requests).toHaveLength(1);
		},
	);

	it('an HTTP 500 without Khipu’s retry advice is not retried', async () => {
		khipu.answerInTurn({ status: 500, body: '<html><head><title>500 Internal Server Error</title></head></html>' });

		const run = await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('1001') });

		expect(failure(run).message).toBe(
			'Item 1: Khipu answered HTTP 500 with text/html page "500 Internal Server Error"',
		);
		expect(khipu.requests).toHaveLength(1);
	});

	it('an HTTP 503 whose envelope says RETRY_IMMEDIATELY is retried', async () => {
		khipu.answerInTurn(
			{ status: 503, body: errorEnvelope('E201', 'RETRY_IMMEDIATELY', 'Busy') },
			{ status: 200, body: okEnvelope('1001') },
		);

		const run = await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('1001') });

		expect(run.status).toBe('success');
		expect(khipu.requests).toHaveLength(2);
	});

	it('waits Retry Delay before retrying', async () => {
		khipu.answerInTurn(khipuError('E201', 'RETRY_IMMEDIATELY'), { status: 200, body: okEnvelope('1001') });

		await runWorkflow(retrying({ retryDelayMs: 300 }), { credentials: jwt(), input: accounts('1001') });

		expect(khipu.requests).toHaveLength(2);
		expect(khipu.requests[1].at - khipu.requests[0].at).toBeGreaterThanOrEqual(290);
	});

	it('HTTP 429 is retried after the seconds its Retry-After asks for', async () => {
		khipu.answerInTurn(
			{ status: 429, body: '', headers: { 'Retry-After': '1' } },
			{ status: 200, body: okEnvelope('1001') },
		);

		const run = await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('1001') });

		expect(run.status).toBe('success');
		expect(khipu.requests).toHaveLength(2);
		expect(khipu.requests[1].at - khipu.requests[0].at).toBeGreaterThanOrEqual(990);
	});

	it('HTTP 429 asking for longer than Max Retry-After fails at once, saying how long Khipu asked to wait', async () => {
		khipu.answerInTurn({ status: 429, body: '', headers: { 'Retry-After': '120' } });

		const run = await runWorkflow(retrying({ maxRetryAfterSeconds: 60 }), {
			credentials: jwt(),
			input: accounts('1001'),
		});

		expect(failure(run).description).toMatch(/Khipu asked to wait 120 s/);
		expect(khipu.requests).toHaveLength(1);
	});
});

describe('execute(): bad input sends nothing', () => {
	it('an account number over 20 characters fails naming the item, the field and the limit; no account is sent', async () => {
		const run = await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('1001', 'x'.repeat(21)) });

		const { message, description } = failure(run);
		expect(message).toBe('Item 2: Account Number is 21 characters long; Khipu accepts at most 20');
		expect(description).toBe('Field: Account Number. Nothing was sent to Khipu.');
		expect(khipu.requests).toHaveLength(0);
	});

	it('an empty account number fails before anything is sent', async () => {
		const run = await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('   ') });

		expect(failure(run).message).toMatch(/Account Number is required/);
		expect(khipu.requests).toHaveLength(0);
	});

	it('an option out of range fails naming the option and its limits', async () => {
		const run = await runWorkflow(withKhipu({ parameters: { options: { concurrency: 21 } } }), {
			credentials: jwt(),
			input: accounts('1001'),
		});

		expect(failure(run).message).toBe('Item 1: Concurrency must be a whole number from 1 to 20');
		expect(khipu.requests).toHaveLength(0);
	});

	it('a Callback URL that is not http or https fails before anything is sent', async () => {
		const workflow = configure(callbackWorkflow, KHIPU, { parameters: { callbackUrl: 'ftp://n8n.example.com/khipu' } });

		const run = await runWorkflow(workflow, {
			credentials: { ...jwt(), khipuCallbackApi: callbackCredential },
			input: accounts('1001'),
		});

		expect(failure(run).message).toBe('Item 1: Callback URL must use http or https; "ftp" is not allowed');
		expect(khipu.requests).toHaveLength(0);
	});

	it('a JWT holding spaces fails without echoing it, and nothing is sent', async () => {
		const badJwt = 'test-only jwt with spaces';
		const run = await runWorkflow(balancesWorkflow, {
			credentials: { khipuApi: { ...jwtCredential(khipu.url), jwtToken: badJwt } },
			input: accounts('1001'),
		});

		const { message } = failure(run);
		expect(message).toMatch(/JWT contains spaces or control characters/);
		expect(message).not.toContain(badJwt);
		expect(khipu.requests).toHaveLength(0);
	});
});

describe('the Khipu API credential’s authenticate(), seen on the wire', () => {
	it('JWT: an Authorization Bearer header, no x-api-key and no AccountCredential', async () => {
		await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('1001') });

		const [request] = khipu.requests;
		expect(request.headers.authorization).toBe(`Bearer ${FAKE_JWT}`);
		expect(request.headers['x-api-key']).toBeUndefined();
		expect(request.body.RequestData).toEqual({ AccountNumber: '1001' });
	});

	it('API key + Account Link: an x-api-key header, no Authorization, and the Account Link in RequestData', async () => {
		await runWorkflow(balancesWorkflow, {
			credentials: { khipuApi: accountLinkCredential(khipu.url) },
			input: accounts('1001'),
		});

		const [request] = khipu.requests;
		expect(request.headers['x-api-key']).toBe(FAKE_API_KEY);
		expect(request.headers.authorization).toBeUndefined();
		expect(request.body.RequestData).toEqual({
			AccountNumber: '1001',
			AccountCredential: { AccountLink: FAKE_ACCOUNT_LINK },
		});
	});

	it('API key + Santander login: the login goes in RequestData.AccountCredential', async () => {
		await runWorkflow(balancesWorkflow, {
			credentials: { khipuApi: santanderLoginCredential(khipu.url) },
			input: accounts('1001'),
		});

		const [request] = khipu.requests;
		expect(request.headers['x-api-key']).toBe(FAKE_API_KEY);
		expect(request.body.RequestData).toEqual({
			AccountNumber: '1001',
			AccountCredential: {
				DocumentNumber: FAKE_LOGIN.documentNumberSecret,
				Username: FAKE_LOGIN.username,
				Password: FAKE_LOGIN.pinPassword,
			},
		});
	});

	it('no secret reaches the output, on success or as an error item', async () => {
		khipu.answer((request) => (accountOf(request) === '1002' ? khipuError('E101', 'DO_NOT_RETRY') : answerOk(request)));

		const run = await runWorkflow(withKhipu({ onError: 'continueRegularOutput' }), {
			credentials: { khipuApi: santanderLoginCredential(khipu.url) },
			input: accounts('1001', '1002'),
		});

		expect(run.output(KHIPU)).toHaveLength(2);
		const everything = JSON.stringify(run.result.data.resultData.runData);
		for (const secret of SECRETS) expect(everything).not.toContain(secret);
	});
});

describe('execute(): Amount Format', () => {
	/** Khipu answering every account with one balance whose amount is `text`. */
	const answerAmount = (text: string) =>
		khipu.answer((request) => ({
			status: 200,
			body: okEnvelope(accountOf(request), [
				{
					Type: 'InterimAvailable',
					CreditDebitIndicator: 'Credit',
					DateTime: '2026-11-25T09:30:00-0300',
					Amount: [{ Amount: text, Currency: 'ARS' }],
				},
			]),
		}));
	const argentine = withKhipu({ parameters: { options: { retryDelayMs: 0, amountFormat: 'argentine' } } });
	const amountOf = (run: Awaited<ReturnType<typeof runWorkflow>>) =>
		run.json(KHIPU)?.map(({ amount, amountString, amountProblem }) => ({ amount, amountString, amountProblem }));

	it('Khipu Standard (the default) reads "1,234.56" as 1234.56; Argentine reads "1.234,56" as 1234.56', async () => {
		answerAmount('1,234.56');
		const standard = await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('1001') });
		answerAmount('1.234,56');
		const inArgentine = await runWorkflow(argentine, { credentials: jwt(), input: accounts('1001') });

		expect(amountOf(standard)).toEqual([{ amount: 1234.56, amountString: '1,234.56', amountProblem: null }]);
		expect(amountOf(inArgentine)).toEqual([{ amount: 1234.56, amountString: '1.234,56', amountProblem: null }]);
	});

	it('an amount written in the other format is null with a problem pointing at the option, never a guess', async () => {
		answerAmount('1.234,56');

		const run = await runWorkflow(balancesWorkflow, { credentials: jwt(), input: accounts('1001') });

		expect(run.status).toBe('success');
		expect(amountOf(run)).toEqual([
			{
				amount: null,
				amountString: '1.234,56',
				amountProblem:
					'"1.234,56" is not in the Khipu standard format (dot decimal); if Khipu writes amounts in the Argentine format (1.234,56), set the Amount Format option to it',
			},
		]);
	});

	it.each([
		['the default', balancesWorkflow],
		['Argentine', argentine],
	])('an ambiguous "2.500" (2.5 or 2500) is null with the reason, in %s format', async (_format, workflow) => {
		answerAmount('2.500');

		const run = await runWorkflow(workflow, { credentials: jwt(), input: accounts('1001') });

		expect(run.output(KHIPU)).toEqual([
			{
				json: expect.objectContaining({
					accountNumber: '1001',
					amount: null,
					amountString: '2.500',
					amountProblem: expect.stringMatching(/^"2\.500" is ambiguous: /),
				}),
				pairedItem: { item: 0 },
			},
		]);
		const problem = String(run.json(KHIPU)?.[0].amountProblem);
		expect(problem).toContain('2.5 in the');
		expect(problem).toContain('2500 in the');
	});
});

describe('execute(): Allow Token Over Plain HTTP', () => {
	const callbackCredentials = () => ({ ...jwt(), khipuCallbackApi: callbackCredential });
	const toUrl = (callbackUrl: string, allowTokenOverHttp?: boolean) =>
		configure(callbackWorkflow, KHIPU, {
			parameters: { callbackUrl, ...(allowTokenOverHttp === undefined ? {} : { allowTokenOverHttp }) },
		});

	beforeEach(() => khipu.answer(answerAccepted));

	it('off (the default): an http Callback URL to another host fails naming the field, before anything is sent', async () => {
		const run = await runWorkflow(toUrl('http://receiver.example.com/webhook/khipu'), {
			credentials: callbackCredentials(),
			input: accounts('1001'),
		});

		const { message, description } = failure(run);
		expect(message).toMatch(
			/^Item 1: Callback URL uses plain http to http:\/\/receiver\.example\.com, which is not this n8n's webhook address/,
		);
		expect(message).toContain('turn on Allow Token Over Plain HTTP');
		expect(description).toBe('Field: Callback URL. Nothing was sent to Khipu.');
		expect(`${message} ${description}`).not.toContain(FAKE_CALLBACK_TOKEN);
		expect(khipu.requests).toHaveLength(0);
	});

	it('off: http to this n8n’s own webhook address still carries the token', async () => {
		await runWorkflow(toUrl('http://127.0.0.1:5678/webhook/khipu'), {
			credentials: callbackCredentials(),
			input: accounts('1001'),
		});

		expect(khipu.requests.map((request) => request.body.CallbackUrl)).toEqual([
			`http://127.0.0.1:5678/webhook/khipu?account=1001&token=${FAKE_CALLBACK_TOKEN}`,
		]);
	});

	it('on: the http Callback URL to another host is sent with the token', async () => {
		const run = await runWorkflow(toUrl('http://receiver.example.com/webhook/khipu', true), {
			credentials: callbackCredentials(),
			input: accounts('1001'),
		});

		expect(run.status).toBe('success');
		expect(khipu.requests.map((request) => request.body.CallbackUrl)).toEqual([
			`http://receiver.example.com/webhook/khipu?account=1001&token=${FAKE_CALLBACK_TOKEN}`,
		]);
	});

	it('under Continue On Fail a plain-http URL from item data is that item’s error item; the https item is sent', async () => {
		const workflow = configure(toUrl('={{ $json.callbackUrl }}'), KHIPU, { onError: 'continueRegularOutput' });

		const run = await runWorkflow(workflow, {
			credentials: callbackCredentials(),
			input: [
				{ accountNumber: '1001', callbackUrl: 'https://receiver.example.com/webhook/khipu' },
				{ accountNumber: '1002', callbackUrl: 'http://receiver.example.com/webhook/khipu' },
			],
		});

		const output = run.output(KHIPU) ?? [];
		expect(output.map((item) => [item.json.status ?? item.json.field, item.pairedItem])).toEqual([
			['ACCEPTED', { item: 0 }],
			['Callback URL', { item: 1 }],
		]);
		expect(output[1].json.error).toMatch(/^Callback URL uses plain http to http:\/\/receiver\.example\.com/);
		expect(khipu.requests.map(accountOf)).toEqual(['1001']);
	});
});

describe('execute(): an expression failing for one item', () => {
	const continuing = withKhipu({ onError: 'continueRegularOutput' });

	// n8n's expressions return undefined for most JavaScript errors; a reference to a missing node fails for real.
	const failingForItemsWithoutAccount = "={{ $json.accountNumber ?? $('No Such Node').item.json.accountNumber }}";

	it('under Continue On Fail an account expression that fails for one item is its error item, paired; the others are sent', async () => {
		const workflow = configure(continuing, KHIPU, { parameters: { accountNumber: failingForItemsWithoutAccount } });

		const run = await runWorkflow(workflow, {
			credentials: jwt(),
			input: [{ accountNumber: '1001' }, {}, { accountNumber: '1003' }],
		});

		const output = run.output(KHIPU) ?? [];
		expect(output.map((item) => [item.json.accountNumber, item.pairedItem])).toEqual([
			['1001', { item: 0 }],
			[null, { item: 1 }],
			['1003', { item: 2 }],
		]);
		expect(output[1].json).toEqual({ error: "Referenced node doesn't exist", accountNumber: null });
		expect(khipu.requests.map(accountOf)).toEqual(['1001', '1003']);
	});

	it('without Continue On Fail the failing expression stops the node naming the item, and nothing is sent', async () => {
		const workflow = withKhipu({ parameters: { accountNumber: failingForItemsWithoutAccount } });

		const run = await runWorkflow(workflow, { credentials: jwt(), input: [{ accountNumber: '1001' }, {}] });

		expect(failure(run)).toEqual({
			message: "Item 2: Referenced node doesn't exist",
			description: 'Nothing was sent to Khipu.',
		});
		expect(khipu.requests).toHaveLength(0);
	});
});

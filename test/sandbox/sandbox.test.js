'use strict';

const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { startSandbox, ENDPOINT_PATH, DEFAULT_JWT, DEFAULT_API_KEY } = require('../../tools/sandbox/server');
const { SCENARIOS } = require('../../tools/sandbox/scenarios');
const { MAX_BODY_KB } = require('../../nodes/shared/maxBodySizeOption');

jest.setTimeout(15000);

// A fixed clock makes balance timestamps exact: 12:30:45Z is 09:30:45 in Buenos Aires.
const FIXED_NOW = new Date('2026-11-25T12:30:45.000Z');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const AMOUNT = /^\d+\.\d{2}$/;
const ENVELOPE_KEYS = ['AdditionalInformation', 'Data', 'Error', 'LifeSpan', 'OperationId', 'Status'];

const JSON_TYPE = { 'Content-Type': 'application/json' };
const JWT_HEADERS = { ...JSON_TYPE, Authorization: `Bearer ${DEFAULT_JWT}` };
const API_KEY_HEADERS = { ...JSON_TYPE, 'x-api-key': DEFAULT_API_KEY };
const ACCOUNT_LINK = { AccountLink: 'link-token-for-tests' };
const LOGIN = { DocumentNumber: '12345678', Username: 'jperez', Password: '1234' };

/** One HTTP exchange without connection reuse; resolves even for error statuses. */
function call(baseUrl, { method = 'POST', target = ENDPOINT_PATH, headers = {}, body } = {}) {
	const payload =
		body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const req = http.request(new URL(target, baseUrl), { method, headers, agent: false }, (res) => {
			const chunks = [];
			res.on('data', (chunk) => chunks.push(chunk));
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				let json;
				try {
					json = JSON.parse(text);
				} catch {
					json = undefined;
				}
				resolve({ status: res.statusCode, headers: res.headers, text, json, ms: Date.now() - started });
			});
		});
		req.on('error', reject);
		req.end(payload);
	});
}

const balances = (sandbox, requestData, { headers = JWT_HEADERS, extra = {} } = {}) =>
	call(sandbox.url, { headers, body: { RequestData: requestData, ...extra } });

const admin = async (sandbox, name, method = 'GET', body) =>
	(await call(sandbox.url, { method, target: `/__sandbox/${name}`, headers: JSON_TYPE, body })).json;

/** A stand-in for the n8n webhook that Khipu calls back. */
async function startReceiver() {
	const received = [];
	const waiters = [];
	let replyStatus = 200;
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => {
			received.push({
				method: req.method,
				url: req.url,
				headers: req.headers,
				body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
				at: Date.now(),
			});
			res.writeHead(replyStatus).end();
			waiters.filter((w) => received.length >= w.count).forEach((w) => w.resolve());
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const base = `http://127.0.0.1:${server.address().port}`;
	return {
		base,
		received,
		setReplyStatus: (status) => {
			replyStatus = status;
		},
		waitFor: (count, timeoutMs = 3000) =>
			new Promise((resolve, reject) => {
				if (received.length >= count) return resolve();
				const timer = setTimeout(
					() => reject(new Error(`got ${received.length} callbacks, wanted ${count}`)),
					timeoutMs,
				);
				waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
			}),
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function expectErrorEnvelope(json, code, descriptionPattern) {
	expect(Object.keys(json).sort()).toEqual(ENVELOPE_KEYS);
	expect(json.OperationId).toMatch(UUID);
	expect(json.Status).toBe('ERROR');
	expect(json.Data).toBeNull();
	expect(json.LifeSpan).toBeNull();
	expect(json.Error.Code).toBe(code);
	expect(json.Error.Type).toBe('DO_NOT_RETRY');
	expect(json.Error.Description).toMatch(descriptionPattern);
}

let sandbox;
let receiver;

beforeAll(async () => {
	sandbox = await startSandbox({ callbackDelayMs: 20, slowMs: 300, now: () => FIXED_NOW });
	receiver = await startReceiver();
});

afterAll(async () => {
	await sandbox.close();
	await receiver.close();
});

beforeEach(async () => {
	await admin(sandbox, 'reset', 'POST');
	await admin(sandbox, 'config', 'POST', { latencyMs: 0, callbackDelayMs: 20, slowMs: 300 });
	receiver.received.length = 0;
	receiver.setReplyStatus(200);
});

describe('startSandbox', () => {
	test('listens on loopback and reports its URL and port', () => {
		expect(sandbox.url).toBe(`http://127.0.0.1:${sandbox.port}`);
		expect(sandbox.port).toBeGreaterThan(0);
	});

	test('health and scenario listing answer', async () => {
		expect(await admin(sandbox, 'health')).toMatchObject({ status: 'ok', endpoint: ENDPOINT_PATH });
		expect(await admin(sandbox, 'scenarios')).toEqual(JSON.parse(JSON.stringify(SCENARIOS)));
		expect(sandbox.state.scenarios()).toEqual(JSON.parse(JSON.stringify(SCENARIOS)));
	});

	test('the scenario table lists every documented account once, each with a description', () => {
		expect(SCENARIOS.map((s) => s.account)).toEqual([
			'*',
			'000011887755',
			'1000000002',
			'1000000003',
			'1000000004',
			'1000000005',
			'1000000006',
			'1000000008',
			'1000000007',
			'2000000001',
			'2000000002',
			'2000000006',
			'2000000003',
			'2000000004',
			'2000000005',
			'3000000401',
			'3000000404',
			'3000000429',
			'3000000430',
			'3000000431',
			'3000000500',
			'3000000501',
			'3000000504',
			'3000000200',
			'3000000201',
			'3000000002',
			'3000000000',
			'4000000001',
			'5000000001',
			'5000000002',
			'BIG-<n>',
		]);
		expect(new Set(SCENARIOS.map((s) => s.id)).size).toBe(SCENARIOS.length);
		SCENARIOS.forEach((s) => expect(s.description.length).toBeGreaterThan(10));
		expect(Object.isFrozen(SCENARIOS[1].result)).toBe(true);
	});
});

describe('authentication', () => {
	test('a valid JWT is accepted and recorded as jwt', async () => {
		const res = await balances(sandbox, { AccountNumber: '1000000004' });
		expect(res.status).toBe(200);
		expect(sandbox.state.requests()[0]).toMatchObject({ authScheme: 'jwt', authValid: true, bodyValid: true });
	});

	test('a valid API key with an AccountLink is accepted', async () => {
		const res = await balances(
			sandbox,
			{ AccountNumber: '1000000004', AccountCredential: ACCOUNT_LINK },
			{ headers: API_KEY_HEADERS },
		);
		expect(res.status).toBe(200);
		expect(sandbox.state.requests()[0]).toMatchObject({
			authScheme: 'apiKey',
			authValid: true,
			accountCredentialKind: 'AccountLink',
			accountCredentialPresent: true,
		});
	});

	test('a valid API key with a Santander login is accepted', async () => {
		const res = await balances(
			sandbox,
			{ AccountNumber: '1000000004', AccountCredential: LOGIN },
			{ headers: API_KEY_HEADERS },
		);
		expect(res.status).toBe(200);
		expect(sandbox.state.requests()[0].accountCredentialKind).toBe('SantanderLogin');
	});

	test('both headers at once are refused with P001', async () => {
		const res = await balances(
			sandbox,
			{ AccountNumber: '1000000004', AccountCredential: ACCOUNT_LINK },
			{
				headers: { ...JWT_HEADERS, 'x-api-key': DEFAULT_API_KEY },
			},
		);
		expect(res.status).toBe(400);
		expectErrorEnvelope(res.json, 'P001', /never both/);
		expect(sandbox.state.requests()[0]).toMatchObject({ authScheme: 'both', authValid: false, status: 400 });
	});

	test('no credentials at all get 401', async () => {
		const res = await balances(sandbox, { AccountNumber: '1000000004' }, { headers: JSON_TYPE });
		expect(res.status).toBe(401);
		expectErrorEnvelope(res.json, 'A000', /Authorization/);
		expect(sandbox.state.requests()[0]).toMatchObject({ authScheme: 'none', authValid: false });
	});

	test('a wrong JWT gets 401 A000 "JWT expired, revoked or invalid"', async () => {
		const res = await balances(
			sandbox,
			{ AccountNumber: '1000000004' },
			{ headers: { ...JSON_TYPE, Authorization: 'Bearer nope' } },
		);
		expect(res.status).toBe(401);
		expectErrorEnvelope(res.json, 'A000', /^JWT expired, revoked or invalid$/);
	});

	test('a non-Bearer Authorization header is a wrong JWT', async () => {
		const res = await balances(
			sandbox,
			{ AccountNumber: '1000000004' },
			{
				headers: { ...JSON_TYPE, Authorization: `Basic ${DEFAULT_JWT}` },
			},
		);
		expect(res.status).toBe(401);
		expect(res.json.Error.Description).toBe('JWT expired, revoked or invalid');
	});

	test('a wrong API key gets 401 A000 "Invalid API key"', async () => {
		const res = await balances(
			sandbox,
			{ AccountNumber: '1000000004', AccountCredential: ACCOUNT_LINK },
			{
				headers: { ...JSON_TYPE, 'x-api-key': 'nope' },
			},
		);
		expect(res.status).toBe(401);
		expectErrorEnvelope(res.json, 'A000', /^Invalid API key$/);
		expect(sandbox.state.requests()[0]).toMatchObject({ authScheme: 'apiKey', authValid: false });
	});

	test('authentication is checked before the body', async () => {
		const res = await call(sandbox.url, { headers: { ...JSON_TYPE, Authorization: 'Bearer nope' }, body: '{broken' });
		expect(res.status).toBe(401);
	});

	test('secrets can be overridden', async () => {
		const custom = await startSandbox({ jwt: 'custom-jwt', apiKey: 'custom-key' });
		try {
			const body = { RequestData: { AccountNumber: '1000000004', AccountCredential: ACCOUNT_LINK } };
			expect((await call(custom.url, { headers: JWT_HEADERS, body })).status).toBe(401);
			expect(
				(await call(custom.url, { headers: { ...JSON_TYPE, Authorization: 'Bearer custom-jwt' }, body })).status,
			).toBe(200);
			expect((await call(custom.url, { headers: { ...JSON_TYPE, 'x-api-key': 'custom-key' }, body })).status).toBe(200);
		} finally {
			await custom.close();
		}
	});
});

describe('request validation', () => {
	const refused = [
		[
			'Content-Type is not JSON',
			{ headers: { ...JWT_HEADERS, 'Content-Type': 'text/plain' }, body: '{}' },
			'P001',
			/Content-Type/,
		],
		['body is not JSON', { body: '{"RequestData": ' }, 'P001', /not valid JSON/],
		['body is empty', { body: '' }, 'P001', /not valid JSON/],
		['body is an array', { body: [] }, 'P001', /JSON object/],
		['body is null', { body: 'null' }, 'P001', /JSON object/],
		['RequestData is missing', { body: {} }, 'P002', /RequestData/],
		['RequestData is a string', { body: { RequestData: 'x' } }, 'P003', /RequestData/],
		['AccountNumber is missing', { body: { RequestData: {} } }, 'P002', /RequestData\.AccountNumber/],
		['AccountNumber is a number', { body: { RequestData: { AccountNumber: 1000000004 } } }, 'P003', /AccountNumber/],
		['AccountNumber is empty', { body: { RequestData: { AccountNumber: '' } } }, 'P003', /AccountNumber/],
		['AccountNumber is blank', { body: { RequestData: { AccountNumber: '   ' } } }, 'P003', /AccountNumber/],
		[
			'AccountNumber has 21 characters',
			{ body: { RequestData: { AccountNumber: '1'.repeat(21) } } },
			'P003',
			/AccountNumber/,
		],
		[
			'CallbackUrl is ftp',
			{ body: { RequestData: { AccountNumber: '1' }, CallbackUrl: 'ftp://x.test/cb' } },
			'P003',
			/CallbackUrl/,
		],
		[
			'CallbackUrl is relative',
			{ body: { RequestData: { AccountNumber: '1' }, CallbackUrl: '/cb' } },
			'P003',
			/CallbackUrl/,
		],
		['CallbackUrl is empty', { body: { RequestData: { AccountNumber: '1' }, CallbackUrl: '' } }, 'P003', /CallbackUrl/],
		[
			'CallbackUrl is a number',
			{ body: { RequestData: { AccountNumber: '1' }, CallbackUrl: 5 } },
			'P003',
			/CallbackUrl/,
		],
		[
			'CallbackUrl has 256 characters',
			{ body: { RequestData: { AccountNumber: '1' }, CallbackUrl: `http://x.test/${'a'.repeat(242)}` } },
			'P003',
			/CallbackUrl/,
		],
		[
			'CallbackUrl inside RequestData is bad',
			{ body: { RequestData: { AccountNumber: '1', CallbackUrl: 'nope' } } },
			'P003',
			/CallbackUrl/,
		],
	];

	test.each(refused)('%s -> 400', async (_name, options, code, description) => {
		const res = await call(sandbox.url, { headers: JWT_HEADERS, ...options });
		expect(res.status).toBe(400);
		expectErrorEnvelope(res.json, code, description);
		expect(sandbox.state.requests()[0]).toMatchObject({ bodyValid: false, status: 400, scenario: null });
	});

	const refusedCredentials = [
		['AccountCredential is missing', undefined, 'P002', /AccountCredential is required with API key/],
		['AccountCredential is a string', 'token', 'P003', /AccountCredential must be/],
		['AccountCredential is empty', {}, 'P003', /AccountCredential must be/],
		['AccountLink is empty', { AccountLink: '' }, 'P003', /AccountLink/],
		['AccountLink is not a string', { AccountLink: 7 }, 'P003', /AccountLink/],
		['AccountLink and a login together', { ...LOGIN, ...ACCOUNT_LINK }, 'P003', /not both/],
		['DocumentNumber is missing', { Username: 'u', Password: '1234' }, 'P002', /DocumentNumber/],
		['DocumentNumber has 5 digits', { ...LOGIN, DocumentNumber: '12345' }, 'P003', /DocumentNumber/],
		['DocumentNumber has 12 digits', { ...LOGIN, DocumentNumber: '123456789012' }, 'P003', /DocumentNumber/],
		['DocumentNumber is a number', { ...LOGIN, DocumentNumber: 12345678 }, 'P003', /DocumentNumber/],
		['Username is missing', { DocumentNumber: '12345678', Password: '1234' }, 'P002', /Username/],
		['Username is empty', { ...LOGIN, Username: '' }, 'P003', /Username/],
		['Username has 21 characters', { ...LOGIN, Username: 'u'.repeat(21) }, 'P003', /Username/],
		['Password is missing', { DocumentNumber: '12345678', Username: 'u' }, 'P002', /Password/],
		['Password has 3 digits', { ...LOGIN, Password: '123' }, 'P003', /Password/],
		['Password has letters', { ...LOGIN, Password: 'abcd' }, 'P003', /Password/],
		['Password is a number', { ...LOGIN, Password: 1234 }, 'P003', /Password/],
	];

	test.each(refusedCredentials)('API key mode: %s -> 400', async (_name, credential, code, description) => {
		const res = await balances(
			sandbox,
			{ AccountNumber: '1000000004', AccountCredential: credential },
			{ headers: API_KEY_HEADERS },
		);
		expect(res.status).toBe(400);
		expectErrorEnvelope(res.json, code, description);
	});

	test('limits are inclusive: 20-char account, 255-char CallbackUrl, 6/11-digit document, 20-char username', async () => {
		const account = await balances(sandbox, { AccountNumber: '1'.repeat(20) });
		expect(account.status).toBe(200);
		const longUrl = `${receiver.base}/${'a'.repeat(255 - receiver.base.length - 1)}`;
		expect(longUrl).toHaveLength(255);
		const callback = await balances(sandbox, { AccountNumber: '1000000004' }, { extra: { CallbackUrl: longUrl } });
		expect(callback.status).toBe(202);
		for (const credential of [
			{ ...LOGIN, DocumentNumber: '123456' },
			{ ...LOGIN, DocumentNumber: '12345678901', Username: 'u'.repeat(20) },
		]) {
			const res = await balances(
				sandbox,
				{ AccountNumber: '1000000004', AccountCredential: credential },
				{ headers: API_KEY_HEADERS },
			);
			expect(res.status).toBe(200);
		}
		await receiver.waitFor(1);
	});

	test('JWT mode ignores an AccountCredential, even a malformed one, but records it', async () => {
		const res = await balances(sandbox, { AccountNumber: '1000000004', AccountCredential: { Password: 'x' } });
		expect(res.status).toBe(200);
		expect(sandbox.state.requests()[0]).toMatchObject({
			accountCredentialPresent: true,
			accountCredentialKind: 'SantanderLogin',
		});
		await balances(sandbox, { AccountNumber: '1000000004' });
		expect(sandbox.state.requests()[1]).toMatchObject({ accountCredentialPresent: false, accountCredentialKind: null });
	});

	test('Content-Type with a charset is JSON', async () => {
		const res = await call(sandbox.url, {
			headers: { ...JWT_HEADERS, 'Content-Type': 'application/json; charset=utf-8' },
			body: { RequestData: { AccountNumber: '1000000004' } },
		});
		expect(res.status).toBe(200);
	});
});

describe('routing and robustness', () => {
	test('unknown paths get 404 {"message":"Not Found"}', async () => {
		const res = await call(sandbox.url, {
			target: '/v1/ar/banking/personal/santander.com.ar/other',
			headers: JWT_HEADERS,
			body: '{}',
		});
		expect(res.status).toBe(404);
		expect(res.json).toEqual({ message: 'Not Found' });
		expect((await call(sandbox.url, { method: 'GET', target: '/__sandbox/nope' })).status).toBe(404);
	});

	test('other methods on the endpoint get 405 with Allow: POST', async () => {
		for (const method of ['GET', 'PUT', 'DELETE']) {
			const res = await call(sandbox.url, { method, headers: JWT_HEADERS });
			expect(res.status).toBe(405);
			expect(res.headers.allow).toBe('POST');
		}
		expect(sandbox.state.requests().map((r) => r.status)).toEqual([405, 405, 405]);
		expect((await call(sandbox.url, { method: 'GET', target: '/__sandbox/reset' })).status).toBe(405);
	});

	test('a query string on the endpoint is tolerated and redacted in the records', async () => {
		const res = await call(sandbox.url, {
			target: `${ENDPOINT_PATH}?trace=abc`,
			headers: JWT_HEADERS,
			body: { RequestData: { AccountNumber: '1' } },
		});
		expect(res.status).toBe(200);
		expect(sandbox.state.requests()[0].path).toBe(`${ENDPOINT_PATH}?***`);
	});

	test('bodies over 1 MB get 413; exactly 1 MB is read', async () => {
		const head = '{"RequestData":{"AccountNumber":"1000000004"},"Pad":"';
		const exact = head + 'x'.repeat(1024 * 1024 - head.length - 2) + '"}';
		expect(Buffer.byteLength(exact)).toBe(1024 * 1024);
		expect((await call(sandbox.url, { headers: JWT_HEADERS, body: exact })).status).toBe(200);
		const tooBig = head + 'x'.repeat(1024 * 1024 - head.length - 1) + '"}';
		const res = await call(sandbox.url, { headers: JWT_HEADERS, body: tooBig });
		expect(res.status).toBe(413);
	});

	test('bytes that are not HTTP get a 400 and the sandbox keeps serving', async () => {
		const reply = await new Promise((resolve, reject) => {
			const socket = net.connect(sandbox.port, '127.0.0.1', () => socket.write('\u0000\u0001GARBAGE\r\n\r\n'));
			let text = '';
			socket.on('data', (d) => (text += d));
			socket.on('end', () => resolve(text));
			socket.on('error', reject);
		});
		expect(reply).toMatch(/^HTTP\/1\.1 400/);
		const binary = await call(sandbox.url, { headers: JWT_HEADERS, body: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) });
		expect(binary.status).toBe(400);
		expect((await admin(sandbox, 'health')).status).toBe('ok');
	});
});

describe('scenarios (synchronous)', () => {
	test('an unlisted account gets two deterministic ARS Credit balances', async () => {
		const first = await balances(sandbox, { AccountNumber: '123456789' });
		expect(first.status).toBe(200);
		expect(first.headers['content-type']).toMatch(/^application\/json/);
		const { json } = first;
		expect(Object.keys(json).sort()).toEqual(ENVELOPE_KEYS);
		expect(json).toMatchObject({ Status: 'OK', Error: null, AdditionalInformation: null, LifeSpan: null });
		expect(json.OperationId).toMatch(UUID);
		const [interim, closing] = json.Data.Balance;
		expect(json.Data.Balance).toHaveLength(2);
		expect(interim).toMatchObject({
			AccountId: 'AR-001-123456789',
			CreditDebitIndicator: 'Credit',
			DateTime: '2026-11-25T09:30:00-0300',
			Type: 'InterimAvailable',
		});
		expect(closing).toMatchObject({
			Type: 'ClosingBooked',
			CreditDebitIndicator: 'Credit',
			DateTime: '2026-11-25T00:00:00-0300',
		});
		for (const balance of json.Data.Balance) {
			expect(balance.Amount).toHaveLength(1);
			expect(balance.Amount[0].Currency).toBe('ARS');
			expect(balance.Amount[0].Amount).toMatch(AMOUNT);
		}

		const again = await balances(sandbox, { AccountNumber: '123456789' });
		expect(again.json.Data).toEqual(json.Data);
		expect(again.json.OperationId).not.toBe(json.OperationId);
		const other = await balances(sandbox, { AccountNumber: '987654321' });
		expect(other.json.Data.Balance[0].Amount).not.toEqual(interim.Amount);
		expect(sandbox.state.requests().map((r) => r.scenario)).toEqual(['default', 'default', 'default']);
		expect(sandbox.state.requests()[0].operationId).toBe(json.OperationId);
	});

	test("000011887755 is Khipu's example: one InterimAvailable Credit ARS balance", async () => {
		const { status, json } = await balances(sandbox, { AccountNumber: '000011887755' });
		expect(status).toBe(200);
		expect(json.Data.Balance).toEqual([
			{
				AccountId: 'AR-001-000011887755',
				CreditDebitIndicator: 'Credit',
				DateTime: '2026-11-25T09:30:00-0300',
				Type: 'InterimAvailable',
				Amount: [{ Amount: '125000.00', Currency: 'ARS' }],
			},
		]);
	});

	test('1000000002 has no balances and says so', async () => {
		const { json } = await balances(sandbox, { AccountNumber: '1000000002' });
		expect(json).toMatchObject({
			Status: 'OK',
			Data: { Balance: [] },
			AdditionalInformation: 'No balances for the current day',
		});
	});

	test('1000000003 answers Data: null', async () => {
		const { status, json } = await balances(sandbox, { AccountNumber: '1000000003' });
		expect(status).toBe(200);
		expect(json).toMatchObject({ Status: 'OK', Data: null, Error: null });
	});

	test('1000000004 is one Debit balance of 1520.50 ARS', async () => {
		const { json } = await balances(sandbox, { AccountNumber: '1000000004' });
		expect(json.Data.Balance).toHaveLength(1);
		expect(json.Data.Balance[0]).toMatchObject({
			CreditDebitIndicator: 'Debit',
			Amount: [{ Amount: '1520.50', Currency: 'ARS' }],
		});
	});

	test('1000000005 has ARS and USD balances', async () => {
		const { json } = await balances(sandbox, { AccountNumber: '1000000005' });
		expect(json.Data.Balance.map((b) => b.Amount[0].Currency)).toEqual(['ARS', 'USD']);
	});

	test('1000000006 gives Amount as a single object', async () => {
		const { json } = await balances(sandbox, { AccountNumber: '1000000006' });
		const amount = json.Data.Balance[0].Amount;
		expect(Array.isArray(amount)).toBe(false);
		expect(amount).toEqual({ Amount: '98765.43', Currency: 'ARS' });
	});

	test('1000000008 writes amounts three ways: ambiguous text, Argentine text, a JSON number', async () => {
		const { json } = await balances(sandbox, { AccountNumber: '1000000008' });
		expect(json.Data.Balance.map((b) => [b.CreditDebitIndicator, b.Amount])).toEqual([
			['Credit', [{ Amount: '2.500', Currency: 'ARS' }]],
			['Debit', [{ Amount: '1.234.567,89', Currency: 'ARS' }]],
			['Credit', [{ Amount: 98765.4, Currency: 'USD' }]],
		]);
	});

	test('20,000 balances fit the default Max Body Size of the trigger and pause delivery; 6,000 are over 1 MiB', async () => {
		// The callback body is the envelope a synchronous answer carries, serialized the same way.
		const bytes = async (count) => Buffer.byteLength((await balances(sandbox, { AccountNumber: `BIG-${count}` })).text);
		const twentyThousand = await bytes(20000);
		expect(twentyThousand).toBeLessThanOrEqual(MAX_BODY_KB.default * 1024);
		expect(twentyThousand).toBeGreaterThan(3 * 1024 * 1024);
		expect(await bytes(6000)).toBeGreaterThan(1024 * 1024);
	});

	test('1000000007 and BIG-<n> return large payloads; out-of-range n falls back to default', async () => {
		const large = await balances(sandbox, { AccountNumber: '1000000007' });
		expect(large.json.Data.Balance).toHaveLength(1000);
		const big = await balances(sandbox, { AccountNumber: 'BIG-2500' });
		expect(big.json.Data.Balance).toHaveLength(2500);
		big.json.Data.Balance.forEach((b) => {
			expect(b.AccountId).toBe('AR-001-BIG-2500');
			expect(['Credit', 'Debit']).toContain(b.CreditDebitIndicator);
			expect(b.Amount[0].Amount).toMatch(AMOUNT);
		});
		expect((await balances(sandbox, { AccountNumber: 'BIG-0' })).json.Data.Balance).toEqual([]);
		expect((await balances(sandbox, { AccountNumber: 'BIG-100001' })).json.Data.Balance).toHaveLength(2);
		expect(sandbox.state.requests().map((r) => r.scenario)).toEqual(['large', 'big', 'big', 'default']);
	});

	// 17 MB built, sent and parsed in this one process: seconds of CPU, many more on a loaded machine.
	test('BIG-100000, the largest counted payload, returns 100000 balances', async () => {
		const max = await balances(sandbox, { AccountNumber: 'BIG-100000' });
		expect(max.json.Data.Balance).toHaveLength(100000);
		expect(sandbox.state.requests().map((r) => r.scenario)).toEqual(['big']);
	}, 60_000);

	test.each([
		['2000000001', 'E201', 'RETRY_IMMEDIATELY'],
		['2000000003', 'E101', 'DO_NOT_RETRY'],
		['2000000004', 'E102', 'WAIT_4_HOURS_BEFORE_RETRY'],
		['2000000005', 'E103', 'RETRY_AFTER_NOTIFICATION'],
	])('%s is an HTTP 200 ERROR envelope %s %s, every time', async (account, code, type) => {
		for (let i = 0; i < 2; i += 1) {
			const { status, json } = await balances(sandbox, { AccountNumber: account });
			expect(status).toBe(200);
			expect(Object.keys(json).sort()).toEqual(ENVELOPE_KEYS);
			expect(json).toMatchObject({ Status: 'ERROR', Data: null, LifeSpan: null, Error: { Code: code, Type: type } });
			expect(json.Error.Description.length).toBeGreaterThan(5);
		}
	});

	test('2000000002 fails with E201 once, then recovers; reset makes it fail again', async () => {
		const first = await balances(sandbox, { AccountNumber: '2000000002' });
		expect(first.json).toMatchObject({ Status: 'ERROR', Error: { Code: 'E201', Type: 'RETRY_IMMEDIATELY' } });
		const second = await balances(sandbox, { AccountNumber: '2000000002' });
		expect(second.json.Status).toBe('OK');
		expect(second.json.Data.Balance).toHaveLength(2);
		sandbox.state.reset();
		expect((await balances(sandbox, { AccountNumber: '2000000002' })).json.Status).toBe('ERROR');
	});

	test('3000000401 is HTTP 401 with an A000 envelope despite a valid JWT', async () => {
		const { status, json } = await balances(sandbox, { AccountNumber: '3000000401' });
		expect(status).toBe(401);
		expectErrorEnvelope(json, 'A000', /JWT expired/);
	});

	test('3000000404 is HTTP 404 JSON', async () => {
		const { status, json } = await balances(sandbox, { AccountNumber: '3000000404' });
		expect(status).toBe(404);
		expect(json).toEqual({ message: 'Not Found' });
	});

	test('3000000429 is HTTP 429 with Retry-After: 1', async () => {
		const { status, headers, json } = await balances(sandbox, { AccountNumber: '3000000429' });
		expect(status).toBe(429);
		expect(headers['retry-after']).toBe('1');
		expect(json).toEqual({ message: 'Too Many Requests' });
	});

	test('3000000500 is HTTP 500 with an E000 envelope', async () => {
		const { status, json } = await balances(sandbox, { AccountNumber: '3000000500' });
		expect(status).toBe(500);
		expect(json).toMatchObject({ Status: 'ERROR', Data: null, Error: { Code: 'E000' } });
		expect(json.OperationId).toMatch(UUID);
	});

	test.each([
		['3000000501', 500, /500 Internal Server Error/],
		['3000000504', 504, /504 Gateway Time-out/],
		['3000000200', 200, /<html/],
	])('%s is HTTP %i with an HTML body', async (account, status, pattern) => {
		const res = await balances(sandbox, { AccountNumber: account });
		expect(res.status).toBe(status);
		expect(res.headers['content-type']).toMatch(/^text\/html/);
		expect(res.json).toBeUndefined();
		expect(res.text).toMatch(pattern);
	});

	test('2000000006 is an HTTP 200 ERROR envelope with an undocumented Error.Type', async () => {
		const { status, json } = await balances(sandbox, { AccountNumber: '2000000006' });
		expect(status).toBe(200);
		expect(json).toMatchObject({ Status: 'ERROR', Data: null, Error: { Code: 'E999', Type: 'RETRY_TOMORROW' } });
	});

	test('3000000430 is HTTP 429 with Retry-After: 120', async () => {
		const { status, headers, json } = await balances(sandbox, { AccountNumber: '3000000430' });
		expect(status).toBe(429);
		expect(headers['retry-after']).toBe('120');
		expect(json).toEqual({ message: 'Too Many Requests' });
	});

	test('3000000431 is HTTP 429 (Retry-After: 1) once, then OK; reset makes it 429 again', async () => {
		const first = await balances(sandbox, { AccountNumber: '3000000431' });
		expect([first.status, first.headers['retry-after']]).toEqual([429, '1']);
		const second = await balances(sandbox, { AccountNumber: '3000000431' });
		expect(second.status).toBe(200);
		expect(second.json.Data.Balance).toHaveLength(2);
		sandbox.state.reset();
		expect((await balances(sandbox, { AccountNumber: '3000000431' })).status).toBe(429);
	});

	test('3000000201 is HTTP 200 labelled JSON with a truncated body', async () => {
		const res = await balances(sandbox, { AccountNumber: '3000000201' });
		expect(res.status).toBe(200);
		expect(res.headers['content-type']).toMatch(/^application\/json/);
		expect(res.text).toMatch(/^\{"OperationId"/);
		expect(res.json).toBeUndefined();
	});

	test('3000000002 sends the head and half the body, then cuts the connection', async () => {
		const seen = await new Promise((resolve) => {
			const req = http.request(
				new URL(ENDPOINT_PATH, sandbox.url),
				{ method: 'POST', headers: JWT_HEADERS, agent: false },
				(res) => {
					const chunks = [];
					res.on('data', (chunk) => chunks.push(chunk));
					res.on('error', () => {});
					res.on('close', () =>
						resolve({
							status: res.statusCode,
							length: Number(res.headers['content-length']),
							got: Buffer.concat(chunks).length,
							complete: res.complete,
						}),
					);
				},
			);
			req.on('error', (error) => resolve({ error: error.code }));
			req.end(JSON.stringify({ RequestData: { AccountNumber: '3000000002' } }));
		});
		expect(seen.status).toBe(200);
		expect(seen.complete).toBe(false);
		expect(seen.got).toBeGreaterThan(0);
		expect(seen.got).toBeLessThan(seen.length);
		await delay(20);
		expect(sandbox.state.requests()[0]).toMatchObject({ scenario: 'truncated-response', status: 200 });
		expect(sandbox.state.stats().inFlight).toBe(0);
	});

	test('3000000000 resets the connection without a response', async () => {
		await expect(balances(sandbox, { AccountNumber: '3000000000' })).rejects.toMatchObject({ code: 'ECONNRESET' });
		await delay(20);
		expect(sandbox.state.requests()[0]).toMatchObject({ scenario: 'connection-reset', status: null });
		expect(sandbox.state.stats().inFlight).toBe(0);
	});

	test('4000000001 answers only after slowMs', async () => {
		const res = await balances(sandbox, { AccountNumber: '4000000001' });
		expect(res.status).toBe(200);
		expect(res.json.Data.Balance).toHaveLength(2);
		expect(res.ms).toBeGreaterThanOrEqual(290);
	});

	test.each(['5000000001', '5000000002'])('%s without a CallbackUrl behaves like the default', async (account) => {
		const { status, json } = await balances(sandbox, { AccountNumber: account });
		expect(status).toBe(200);
		expect(json.Data.Balance.map((b) => b.Type)).toEqual(['InterimAvailable', 'ClosingBooked']);
	});
});

describe('asynchronous mode', () => {
	const TOKEN = 'tok-0123456789abcdefghijklmnop';
	const callbackUrl = () => `${receiver.base}/hooks/${TOKEN}?sig=s3cr3t`;
	const redactedUrl = () => `${receiver.base}/hooks/***?***`;

	test('a CallbackUrl gets 202 then the synchronous envelope, same OperationId, POSTed as JSON', async () => {
		const accepted = await balances(
			sandbox,
			{ AccountNumber: '1000000005' },
			{ extra: { CallbackUrl: callbackUrl() } },
		);
		expect(accepted.status).toBe(202);
		expect(accepted.json).toEqual({
			OperationId: expect.stringMatching(UUID),
			Status: 'OK',
			Data: null,
			AdditionalInformation: 'The result will be sent to the callback URL',
			Error: null,
			LifeSpan: '2026-11-25T12:45:45.000Z',
		});

		await receiver.waitFor(1);
		const [delivery] = receiver.received;
		expect(delivery.method).toBe('POST');
		expect(delivery.url).toBe(`/hooks/${TOKEN}?sig=s3cr3t`);
		expect(delivery.headers['content-type']).toBe('application/json');
		const sync = await balances(sandbox, { AccountNumber: '1000000005' });
		expect(delivery.body).toEqual({ ...sync.json, OperationId: accepted.json.OperationId });

		const [record] = await sandbox.state.waitForCallbacks(1);
		expect(record).toMatchObject({ operationId: accepted.json.OperationId, url: redactedUrl(), statusCode: 200 });
		expect(record.durationMs).toBeGreaterThanOrEqual(0);
		expect(record.error).toBeUndefined();
		expect(sandbox.state.requests()[0]).toMatchObject({
			status: 202,
			callbackUrl: redactedUrl(),
			callbackUrlLength: callbackUrl().length,
			callbackUrlLocation: 'body',
		});
	});

	test('a CallbackUrl inside RequestData is honoured and its place recorded', async () => {
		const res = await balances(sandbox, { AccountNumber: '1000000004', CallbackUrl: callbackUrl() });
		expect(res.status).toBe(202);
		await receiver.waitFor(1);
		expect(receiver.received[0].body.OperationId).toBe(res.json.OperationId);
		expect(sandbox.state.requests()[0].callbackUrlLocation).toBe('RequestData');
	});

	test('Status ERROR scenarios are delivered by callback', async () => {
		const res = await balances(sandbox, { AccountNumber: '2000000003' }, { extra: { CallbackUrl: callbackUrl() } });
		expect(res.status).toBe(202);
		await receiver.waitFor(1);
		expect(receiver.received[0].body).toMatchObject({
			OperationId: res.json.OperationId,
			Status: 'ERROR',
			Data: null,
			Error: { Code: 'E101', Type: 'DO_NOT_RETRY' },
			LifeSpan: null,
		});
	});

	test('2000000002 by callback: the first delivery is the error, the retry gets data', async () => {
		await balances(sandbox, { AccountNumber: '2000000002' }, { extra: { CallbackUrl: callbackUrl() } });
		await receiver.waitFor(1);
		await balances(sandbox, { AccountNumber: '2000000002' }, { extra: { CallbackUrl: callbackUrl() } });
		await receiver.waitFor(2);
		expect(receiver.received.map((r) => r.body.Status)).toEqual(['ERROR', 'OK']);
	});

	test('HTTP-level failures are answered at once, with no callback', async () => {
		const res = await balances(sandbox, { AccountNumber: '3000000500' }, { extra: { CallbackUrl: callbackUrl() } });
		expect(res.status).toBe(500);
		await delay(150);
		expect(receiver.received).toHaveLength(0);
		expect(sandbox.state.callbacks()).toHaveLength(0);
	});

	test('5000000001 accepts but never calls back', async () => {
		const res = await balances(sandbox, { AccountNumber: '5000000001' }, { extra: { CallbackUrl: callbackUrl() } });
		expect(res.status).toBe(202);
		await delay(200);
		expect(receiver.received).toHaveLength(0);
		expect(sandbox.state.callbacks()).toHaveLength(0);
	});

	test('5000000002 delivers the same envelope twice', async () => {
		const res = await balances(sandbox, { AccountNumber: '5000000002' }, { extra: { CallbackUrl: callbackUrl() } });
		expect(res.status).toBe(202);
		await receiver.waitFor(2);
		await delay(100);
		expect(receiver.received).toHaveLength(2);
		expect(receiver.received[1].body).toEqual(receiver.received[0].body);
		expect(receiver.received[0].body.OperationId).toBe(res.json.OperationId);
		const records = await admin(sandbox, 'callbacks');
		expect(records.map((r) => r.operationId)).toEqual([res.json.OperationId, res.json.OperationId]);
		expect(records.map((r) => r.seq)).toEqual([1, 2]);
	});

	test('4000000001 delays the callback by slowMs', async () => {
		const sent = Date.now();
		await balances(sandbox, { AccountNumber: '4000000001' }, { extra: { CallbackUrl: callbackUrl() } });
		await receiver.waitFor(1);
		expect(receiver.received[0].at - sent).toBeGreaterThanOrEqual(300);
	});

	test('failed deliveries are recorded with the receiver status or the error code', async () => {
		receiver.setReplyStatus(500);
		await balances(sandbox, { AccountNumber: '1000000004' }, { extra: { CallbackUrl: callbackUrl() } });
		const [rejected] = await sandbox.state.waitForCallbacks(1);
		expect(rejected.statusCode).toBe(500);

		const closed = net.createServer();
		await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const deadPort = closed.address().port;
		await new Promise((resolve) => closed.close(resolve));
		await balances(
			sandbox,
			{ AccountNumber: '1000000004' },
			{ extra: { CallbackUrl: `http://127.0.0.1:${deadPort}/cb` } },
		);
		const records = await sandbox.state.waitForCallbacks(2);
		expect(records[1]).toMatchObject({ url: `http://127.0.0.1:${deadPort}/cb`, error: 'ECONNREFUSED' });
		expect(records[1].statusCode).toBeUndefined();
	});

	test('reset cancels callbacks that have not been sent yet', async () => {
		sandbox.state.configure({ callbackDelayMs: 200 });
		await balances(sandbox, { AccountNumber: '1000000004' }, { extra: { CallbackUrl: callbackUrl() } });
		await admin(sandbox, 'reset', 'POST');
		await delay(350);
		expect(receiver.received).toHaveLength(0);
		expect(sandbox.state.callbacks()).toHaveLength(0);
	});
});

describe('latency, concurrency and reset', () => {
	test('latency applies to every request and concurrent requests overlap', async () => {
		expect(await admin(sandbox, 'config', 'POST', { latencyMs: 250 })).toEqual({
			latencyMs: 250,
			callbackDelayMs: 20,
			slowMs: 300,
			lifeSpanMs: 900_000,
		});
		const started = Date.now();
		const results = await Promise.all(
			['1000000004', '1000000002', '2000000001', '1', '2'].map((account) =>
				balances(sandbox, { AccountNumber: account }),
			),
		);
		const elapsed = Date.now() - started;
		results.forEach((res) => expect(res.ms).toBeGreaterThanOrEqual(240));
		expect(elapsed).toBeLessThan(1000);
		expect(await admin(sandbox, 'stats')).toEqual({ requests: 5, maxInFlight: 5, inFlight: 0 });
		const refused = await call(sandbox.url, { headers: JSON_TYPE, body: '{}' });
		expect(refused.status).toBe(401);
		expect(refused.ms).toBeGreaterThanOrEqual(240);
	});

	test('sequential requests never overlap', async () => {
		await balances(sandbox, { AccountNumber: '1' });
		await balances(sandbox, { AccountNumber: '2' });
		expect(sandbox.state.stats()).toEqual({ requests: 2, maxInFlight: 1, inFlight: 0 });
	});

	test('config rejects bad values and keeps the old ones', async () => {
		for (const bad of [
			{ latencyMs: -1 },
			{ latencyMs: 'slow' },
			{ other: 1 },
			[1],
			{ lifeSpanMs: 24 * 3_600_000 + 1 },
			{ callbackDelayMs: 600_001 },
		]) {
			const res = await call(sandbox.url, { target: '/__sandbox/config', headers: JSON_TYPE, body: bad });
			expect(res.status).toBe(400);
		}
		expect((await call(sandbox.url, { target: '/__sandbox/config', headers: JSON_TYPE, body: '{x' })).status).toBe(400);
		expect(await admin(sandbox, 'config')).toEqual({
			latencyMs: 0,
			callbackDelayMs: 20,
			slowMs: 300,
			lifeSpanMs: 900_000,
		});
		expect(() => sandbox.state.configure({ slowMs: Infinity })).toThrow(TypeError);
	});

	test('lifeSpanMs sets the LifeSpan of the 202 (here 1 s, so a test can see a request go overdue)', async () => {
		expect(await admin(sandbox, 'config', 'POST', { lifeSpanMs: 1000 })).toMatchObject({ lifeSpanMs: 1000 });
		try {
			const accepted = await balances(
				sandbox,
				{ AccountNumber: '5000000001' },
				{ extra: { CallbackUrl: `${receiver.base}/cb` } },
			);
			expect([accepted.status, accepted.json.LifeSpan]).toEqual([202, '2026-11-25T12:30:46.000Z']);
		} finally {
			await admin(sandbox, 'config', 'POST', { lifeSpanMs: 900_000 });
		}
	});

	test('reset clears requests, callbacks and counters', async () => {
		await balances(sandbox, { AccountNumber: '1' }, { extra: { CallbackUrl: `${receiver.base}/cb` } });
		await sandbox.state.waitForCallbacks(1);
		expect(sandbox.state.requests()).toHaveLength(1);
		expect(await admin(sandbox, 'reset', 'POST')).toEqual({ status: 'reset' });
		expect(await admin(sandbox, 'requests')).toEqual([]);
		expect(await admin(sandbox, 'callbacks')).toEqual([]);
		expect(await admin(sandbox, 'stats')).toEqual({ requests: 0, maxInFlight: 0, inFlight: 0 });
		await balances(sandbox, { AccountNumber: '1' });
		expect(sandbox.state.requests()[0].seq).toBe(1);
	});

	test('the in-process state matches the HTTP views and cannot be mutated from outside', async () => {
		await balances(sandbox, { AccountNumber: '1' });
		expect(await admin(sandbox, 'requests')).toEqual(sandbox.state.requests());
		sandbox.state.requests()[0].status = 999;
		expect(sandbox.state.requests()[0].status).toBe(200);
	});
});

describe('secrets never leak', () => {
	const SECRETS = {
		jwt: 'leak-jwt-SECRET-4f1d2c3b',
		apiKey: 'leak-apikey-SECRET-9e8d7c6b',
		wrongJwt: 'leak-wrongjwt-SECRET-1a2b',
		wrongApiKey: 'leak-wrongkey-SECRET-3c4d',
		accountLink: 'leak-accountlink-SECRET-5e6f',
		documentNumber: '30987654321',
		username: 'usr.SECRET.x7',
		password: '7391',
		callbackToken: 'leak-callbacktoken-SECRET-7a8b9c',
		callbackQuery: 'leakquerySECRET55',
		callbackPassword: 'leakuserinfoSECRET66',
		pathQuery: 'leakpathquerySECRET77',
	};

	/** Exercises every place a secret can enter, collecting everything said back. */
	async function exercise(base, secrets) {
		const said = [];
		const send = async (options) => {
			try {
				const res = await call(base, options);
				said.push(res.text, JSON.stringify(res.headers));
			} catch (err) {
				said.push(String(err));
			}
		};
		const jwt = { ...JSON_TYPE, Authorization: `Bearer ${secrets.jwt}` };
		const key = { ...JSON_TYPE, 'x-api-key': secrets.apiKey };
		const login = { DocumentNumber: secrets.documentNumber, Username: secrets.username, Password: secrets.password };
		const link = { AccountLink: secrets.accountLink };
		const callbackUrl = `http://cb:${secrets.callbackPassword}@127.0.0.1:${receiver.port}/${secrets.callbackToken}?q=${secrets.callbackQuery}`;
		const body = (account, extra = {}) => ({ RequestData: { AccountNumber: account, ...extra } });

		await send({ headers: jwt, body: body('1000000004', { AccountCredential: login }) });
		await send({ headers: key, body: body('1000000004', { AccountCredential: link }) });
		await send({ headers: key, body: body('1000000004', { AccountCredential: login }) });
		await send({
			headers: key,
			body: { ...body('1000000005', { AccountCredential: login }), CallbackUrl: callbackUrl },
		});
		await send({ headers: jwt, body: body('1000000004', { CallbackUrl: callbackUrl }) });
		await send({
			headers: key,
			body: body('2000000003', { AccountCredential: { ...login, Password: `${secrets.password}0` } }),
		});
		await send({ headers: key, body: body('1', { AccountCredential: { ...login, DocumentNumber: 'x' } }) });
		await send({ headers: key, body: body('1', { AccountCredential: { ...link, ...login } }) });
		await send({
			headers: key,
			body: body('1', { AccountCredential: { AccountLink: secrets.accountLink, Password: 5 } }),
		});
		await send({ headers: jwt, body: body(secrets.username + secrets.password + secrets.accountLink) });
		await send({ headers: jwt, body: body('1', { CallbackUrl: `ftp://${secrets.callbackToken}` }) });
		const broken = `{"RequestData":{"AccountCredential":{"Password":"${secrets.password}","AccountLink":"${secrets.accountLink}"}}, oops}`;
		await send({ headers: jwt, body: broken });
		await send({ headers: key, body: broken });
		// Short enough that V8's JSON.parse message would quote it whole.
		await send({ headers: jwt, body: `{"U": ${secrets.username}}` });
		await send({ headers: { ...JSON_TYPE, Authorization: `Bearer ${secrets.wrongJwt}` }, body: body('1') });
		await send({ headers: { ...JSON_TYPE, Authorization: `Basic ${secrets.jwt}` }, body: body('1') });
		await send({
			headers: { ...JSON_TYPE, 'x-api-key': secrets.wrongApiKey },
			body: body('1', { AccountCredential: link }),
		});
		await send({ headers: { ...jwt, 'x-api-key': secrets.apiKey }, body: body('1', { AccountCredential: login }) });
		await send({ headers: jwt, target: `${ENDPOINT_PATH}?token=${secrets.pathQuery}`, body: body('1') });
		await send({ headers: jwt, target: `/nope/${secrets.callbackToken}`, body: body('1') });
		await send({ method: 'GET', headers: jwt, target: `${ENDPOINT_PATH}?token=${secrets.pathQuery}` });
		await receiver.waitFor(2);
		await delay(50);
		for (const name of ['requests', 'callbacks', 'stats', 'scenarios', 'config', 'health']) {
			said.push((await call(base, { method: 'GET', target: `/__sandbox/${name}` })).text);
		}
		return said;
	}

	function expectNoSecrets(text, secrets) {
		// Numbers the sandbox itself produces (ids, timings) could contain the
		// 4-digit password by chance; a leaked password would be a string.
		const scrubbed = text
			.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
			.replace(/"(durationMs|uptimeMs)":\d+/g, '"$1":0')
			.replace(/\(\d+ ms\)/g, '(0 ms)');
		for (const [name, secret] of Object.entries(secrets)) {
			const leaked = /^\d{1,6}$/.test(secret)
				? new RegExp(`(?<![0-9A-Za-z.])${secret}(?![0-9A-Za-z.])`).test(scrubbed)
				: scrubbed.includes(secret);
			expect({ name, leaked }).toEqual({ name, leaked: false });
		}
	}

	beforeAll(() => {
		receiver.port = new URL(receiver.base).port;
	});

	test('the command-line sandbox prints, records and returns no secret, and exits cleanly on SIGTERM', async () => {
		const child = spawn(process.execPath, [path.join(__dirname, '../../tools/sandbox/server.js'), '--port', '0'], {
			env: {
				...process.env,
				KHIPU_SANDBOX_JWT: SECRETS.jwt,
				KHIPU_SANDBOX_API_KEY: SECRETS.apiKey,
				KHIPU_SANDBOX_CALLBACK_DELAY_MS: '10',
			},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
		try {
			const base = await new Promise((resolve, reject) => {
				const timer = setTimeout(() => reject(new Error(`no banner: ${stdout} ${stderr}`)), 5000);
				child.stdout.on('data', () => {
					const match = /^Khipu sandbox listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
					if (match) {
						clearTimeout(timer);
						resolve(match[1]);
					}
				});
			});
			const said = await exercise(base, SECRETS);

			// Sanity: the run really did use the secrets and reach every outcome.
			const requests = JSON.parse(said.at(-6));
			expect(requests.filter((r) => r.authValid).length).toBeGreaterThanOrEqual(8);
			expect(requests.map((r) => r.accountCredentialKind)).toEqual(
				expect.arrayContaining(['AccountLink', 'SantanderLogin']),
			);
			expect(requests.map((r) => r.status)).toEqual(expect.arrayContaining([200, 202, 400, 401, 405]));
			expect(receiver.received.map((r) => r.url)).toContain(`/${SECRETS.callbackToken}?q=${SECRETS.callbackQuery}`);

			child.kill('SIGTERM');
			expect(await exited).toEqual({ code: 0, signal: null });
			const logLines = stdout.trim().split('\n').slice(1);
			expect(logLines.filter((line) => line.startsWith('#'))).toHaveLength(requests.length);
			expect(stdout).toContain('/***?***');
			expect(stderr).toBe('');
			expectNoSecrets([stdout, stderr, ...said].join('\n'), SECRETS);
		} finally {
			child.kill('SIGKILL');
		}
	});

	test('the in-process state and log hold no secret either', async () => {
		const lines = [];
		const local = await startSandbox({
			jwt: SECRETS.jwt,
			apiKey: SECRETS.apiKey,
			callbackDelayMs: 10,
			log: (l) => lines.push(l),
		});
		try {
			const said = await exercise(local.url, SECRETS);
			expect(lines.length).toBeGreaterThanOrEqual(21);
			const state = [local.state.requests(), local.state.callbacks(), local.state.stats(), local.state.config()];
			expectNoSecrets([...lines, ...said, JSON.stringify(state)].join('\n'), SECRETS);
		} finally {
			await local.close();
		}
	});

	test('the scan itself finds a planted secret', () => {
		expect(() => expectNoSecrets(`x ${SECRETS.username} y`, SECRETS)).toThrow();
		expect(() => expectNoSecrets('"Password":"7391"', SECRETS)).toThrow();
	});
});

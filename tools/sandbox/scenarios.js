'use strict';

// The sandbox's behaviour is chosen by RequestData.AccountNumber. The table is
// plain data so tests and docs can enumerate it; outcomes.js interprets it.
//
// Entry fields:
//   account      exact AccountNumber, or a pattern label for the two catch-alls
//   id           stable name, shown in the request records
//   description  one line for humans
//   result       the envelope Khipu would produce (sync body or callback body):
//                  { status: 'OK', balances: 'hashed' | 'counted' | [item...], additionalInformation? }
//                  { status: 'OK', data: null }
//                  { status: 'ERROR', error: { Code, Type, Description } }
//   firstResult  replaces `result` on the first request for the account since the last reset
//   http         an HTTP-level failure answered instead of any envelope, even
//                when a CallbackUrl is given:
//                { status, envelopeError | json | html | text + contentType, headers?, reset?, truncate? }
//                (truncate: the head and part of the body are sent, then the socket is destroyed)
//   firstHttp    replaces `http` on the first request for the account since the last reset;
//                later requests get `result` (or `http` when there is one)
//   delay        'slowMs': the work takes that long (sync answer or callback)
//   callbacks    how many times the callback is delivered (default 1)

const E201 = {
	Code: 'E201',
	Type: 'RETRY_IMMEDIATELY',
	Description: 'El servicio destino utilizado para la extracción de datos no se encuentra disponible.',
};

const LARGE_BALANCE_COUNT = 1000;
const MAX_COUNTED_BALANCES = 100000;

const GATEWAY_TIMEOUT_HTML =
	'<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center></body></html>\n';
const SERVER_ERROR_HTML =
	'<html><head><title>500 Internal Server Error</title></head><body><center><h1>500 Internal Server Error</h1></center></body></html>\n';
const TRUNCATED_JSON = '{"OperationId":"3b0e2c1a-5f4d-4e6b-9a8c-7d1e0f2a3b4c","Status":"OK","Data":{"Balance":[{"Ty';
const MAINTENANCE_HTML =
	'<!DOCTYPE html><html><head><title>Mantenimiento</title></head><body><h1>Estamos en mantenimiento</h1></body></html>\n';

const DEFAULT_SCENARIO = {
	account: '*',
	id: 'default',
	description:
		'Any account not listed: OK with two ARS Credit balances (InterimAvailable, ClosingBooked) whose amounts are derived from the account number',
	result: { status: 'OK', balances: 'hashed' },
};

const COUNTED_SCENARIO = {
	account: 'BIG-<n>',
	id: 'big',
	description: `Large payload: OK with n balances, 0 <= n <= ${MAX_COUNTED_BALANCES} (larger n falls back to the default scenario)`,
	result: { status: 'OK', balances: 'counted' },
};

const LISTED_SCENARIOS = [
	{
		account: '000011887755',
		id: 'docs-example',
		description: "Khipu's documentation example: OK with one InterimAvailable Credit ARS balance",
		result: {
			status: 'OK',
			balances: [{ Type: 'InterimAvailable', CreditDebitIndicator: 'Credit', Amount: '125000.00', Currency: 'ARS' }],
		},
	},
	{
		account: '1000000002',
		id: 'no-balances',
		description: 'OK with Data.Balance empty and an AdditionalInformation note',
		result: { status: 'OK', balances: [], additionalInformation: 'No balances for the current day' },
	},
	{
		account: '1000000003',
		id: 'null-data',
		description: 'OK with Data: null',
		result: { status: 'OK', data: null },
	},
	{
		account: '1000000004',
		id: 'debit',
		description: 'OK with one Debit balance of 1520.50 ARS',
		result: {
			status: 'OK',
			balances: [{ Type: 'InterimAvailable', CreditDebitIndicator: 'Debit', Amount: '1520.50', Currency: 'ARS' }],
		},
	},
	{
		account: '1000000005',
		id: 'multi-currency',
		description: 'OK with an ARS and a USD balance',
		result: {
			status: 'OK',
			balances: [
				{ Type: 'InterimAvailable', CreditDebitIndicator: 'Credit', Amount: '843210.55', Currency: 'ARS' },
				{ Type: 'InterimAvailable', CreditDebitIndicator: 'Credit', Amount: '1250.00', Currency: 'USD' },
			],
		},
	},
	{
		account: '1000000006',
		id: 'amount-object',
		description: 'OK, but Amount is a single {Amount, Currency} object instead of an array',
		result: {
			status: 'OK',
			balances: [
				{
					Type: 'InterimAvailable',
					CreditDebitIndicator: 'Credit',
					Amount: '98765.43',
					Currency: 'ARS',
					amountAsObject: true,
				},
			],
		},
	},
	{
		account: '1000000008',
		id: 'amount-formats',
		description:
			'OK with amounts written three ways: "2.500" (2.5 or 2500: ambiguous), Argentine "1.234.567,89" (a Debit), and the JSON number 98765.4 (USD)',
		result: {
			status: 'OK',
			balances: [
				{ Type: 'InterimAvailable', CreditDebitIndicator: 'Credit', Amount: '2.500', Currency: 'ARS' },
				{ Type: 'InterimBooked', CreditDebitIndicator: 'Debit', Amount: '1.234.567,89', Currency: 'ARS' },
				{ Type: 'InterimAvailable', CreditDebitIndicator: 'Credit', Amount: 98765.4, Currency: 'USD' },
			],
		},
	},
	{
		account: '1000000007',
		id: 'large',
		description: `Large payload: OK with ${LARGE_BALANCE_COUNT} balances`,
		result: { status: 'OK', balances: 'counted', count: LARGE_BALANCE_COUNT },
	},
	{
		account: '2000000001',
		id: 'retry-immediately',
		description: 'Status ERROR E201 RETRY_IMMEDIATELY on every request (HTTP 200)',
		result: { status: 'ERROR', error: E201 },
	},
	{
		account: '2000000002',
		id: 'retry-then-ok',
		description:
			'Status ERROR E201 RETRY_IMMEDIATELY on the first request since the last reset, then OK like the default scenario',
		firstResult: { status: 'ERROR', error: E201 },
		result: { status: 'OK', balances: 'hashed' },
	},
	{
		account: '2000000006',
		id: 'unknown-error-type',
		description: 'Status ERROR E999 with an Error.Type Khipu does not document (HTTP 200)',
		result: {
			status: 'ERROR',
			error: { Code: 'E999', Type: 'RETRY_TOMORROW', Description: 'An error type this client does not know' },
		},
	},
	{
		account: '2000000003',
		id: 'invalid-bank-credentials',
		description: 'Status ERROR E101 DO_NOT_RETRY: the bank rejected the credentials (HTTP 200)',
		result: {
			status: 'ERROR',
			error: { Code: 'E101', Type: 'DO_NOT_RETRY', Description: 'Invalid bank credentials' },
		},
	},
	{
		account: '2000000004',
		id: 'account-blocked',
		description: 'Status ERROR E102 WAIT_4_HOURS_BEFORE_RETRY: account temporarily blocked (HTTP 200)',
		result: {
			status: 'ERROR',
			error: {
				Code: 'E102',
				Type: 'WAIT_4_HOURS_BEFORE_RETRY',
				Description: 'The bank account is temporarily blocked',
			},
		},
	},
	{
		account: '2000000005',
		id: 'user-action-needed',
		description: 'Status ERROR E103 RETRY_AFTER_NOTIFICATION: the user must act at the bank first (HTTP 200)',
		result: {
			status: 'ERROR',
			error: {
				Code: 'E103',
				Type: 'RETRY_AFTER_NOTIFICATION',
				Description: 'The user must complete an action at the bank before retrying',
			},
		},
	},
	{
		account: '3000000401',
		id: 'http-401',
		description: 'HTTP 401 with an A000 envelope (expired JWT), even with valid credentials',
		http: {
			status: 401,
			envelopeError: { Code: 'A000', Type: 'DO_NOT_RETRY', Description: 'JWT expired, revoked or invalid' },
		},
	},
	{
		account: '3000000404',
		id: 'http-404',
		description: 'HTTP 404 with {"message":"Not Found"}',
		http: { status: 404, json: { message: 'Not Found' } },
	},
	{
		account: '3000000429',
		id: 'http-429',
		description: 'HTTP 429 with Retry-After: 1 and a JSON body',
		http: { status: 429, headers: { 'Retry-After': '1' }, json: { message: 'Too Many Requests' } },
	},
	{
		account: '3000000430',
		id: 'http-429-long',
		description: 'HTTP 429 with Retry-After: 120 (longer than the node accepts by default) and a JSON body',
		http: { status: 429, headers: { 'Retry-After': '120' }, json: { message: 'Too Many Requests' } },
	},
	{
		account: '3000000431',
		id: 'http-429-then-ok',
		description:
			'HTTP 429 with Retry-After: 1 on the first request since the last reset, then OK like the default scenario',
		firstHttp: { status: 429, headers: { 'Retry-After': '1' }, json: { message: 'Too Many Requests' } },
		result: { status: 'OK', balances: 'hashed' },
	},
	{
		account: '3000000500',
		id: 'http-500-envelope',
		description: 'HTTP 500 with an ERROR envelope (E000)',
		http: {
			status: 500,
			envelopeError: { Code: 'E000', Type: 'RETRY_IMMEDIATELY', Description: 'Generic error' },
		},
	},
	{
		account: '3000000501',
		id: 'http-500-html',
		description: 'HTTP 500 with an HTML body',
		http: { status: 500, html: SERVER_ERROR_HTML },
	},
	{
		account: '3000000504',
		id: 'http-504-html',
		description: 'HTTP 504 with an HTML gateway-timeout body',
		http: { status: 504, html: GATEWAY_TIMEOUT_HTML },
	},
	{
		account: '3000000200',
		id: 'http-200-not-json',
		description: 'HTTP 200 whose body is HTML, not JSON',
		http: { status: 200, html: MAINTENANCE_HTML },
	},
	{
		account: '3000000201',
		id: 'http-200-truncated-json',
		description: 'HTTP 200 labelled application/json whose body is cut off mid-object (not valid JSON)',
		http: { status: 200, text: TRUNCATED_JSON, contentType: 'application/json; charset=utf-8' },
	},
	{
		account: '3000000002',
		id: 'truncated-response',
		description: 'HTTP 200 head and half of a JSON body are sent, then the socket is destroyed',
		http: { status: 200, truncate: true },
	},
	{
		account: '3000000000',
		id: 'connection-reset',
		description: 'The socket is destroyed without any response',
		http: { reset: true },
	},
	{
		account: '4000000001',
		id: 'slow',
		description: 'OK like the default scenario, but only after slowMs (default 3000 ms; delays the callback too)',
		delay: 'slowMs',
		result: { status: 'OK', balances: 'hashed' },
	},
	{
		account: '5000000001',
		id: 'async-never-calls-back',
		description: 'With a CallbackUrl: 202, then no callback ever. Without one: OK like the default scenario',
		callbacks: 0,
		result: { status: 'OK', balances: 'hashed' },
	},
	{
		account: '5000000002',
		id: 'async-duplicate-callback',
		description:
			'With a CallbackUrl: 202, then the same envelope delivered twice. Without one: OK like the default scenario',
		callbacks: 2,
		result: { status: 'OK', balances: 'hashed' },
	},
];

function deepFreeze(value) {
	if (value && typeof value === 'object') {
		Object.values(value).forEach(deepFreeze);
		Object.freeze(value);
	}
	return value;
}

/** Every scenario, catch-alls first, in the order they are documented. */
const SCENARIOS = deepFreeze([DEFAULT_SCENARIO, ...LISTED_SCENARIOS, COUNTED_SCENARIO]);

const BY_ACCOUNT = new Map(LISTED_SCENARIOS.map((scenario) => [scenario.account, scenario]));
const COUNTED_ACCOUNT = /^BIG-(\d{1,6})$/;

/** Returns `{ scenario, count }`; count is only set for counted payloads. */
function resolveScenario(accountNumber) {
	const listed = BY_ACCOUNT.get(accountNumber);
	if (listed) return { scenario: listed, count: listed.result && listed.result.count };
	const counted = COUNTED_ACCOUNT.exec(accountNumber);
	if (counted && Number(counted[1]) <= MAX_COUNTED_BALANCES) {
		return { scenario: COUNTED_SCENARIO, count: Number(counted[1]) };
	}
	return { scenario: DEFAULT_SCENARIO };
}

module.exports = { SCENARIOS, MAX_COUNTED_BALANCES, LARGE_BALANCE_COUNT, resolveScenario };

import type { IExecuteFunctions } from 'n8n-workflow';

import {
	buildCallbackUrl,
	checkTokenDestination,
	readCallbackHints,
	validateReference,
} from '../../nodes/shared/callbackUrl';
import { webhookBaseUrl } from '../../nodes/shared/n8nCompat';
import { InputError } from '../../nodes/shared/validation';
import { errorOf } from './support/inputError';
import { FAKE_CALLBACK_TOKEN } from './support/tokens';

const BASE = 'https://n8n.example.com/webhook/6f1c2d3e-0000-4000-8000-000000000000/khipu';
const TOKEN = FAKE_CALLBACK_TOKEN;

describe('buildCallbackUrl', () => {
	it('adds account, reference and token, in that order, to a URL without a query', () => {
		expect(buildCallbackUrl(BASE, { account: '000011887755', reference: 'run-7', token: TOKEN })).toBe(
			`${BASE}?account=000011887755&reference=run-7&token=${TOKEN}`,
		);
	});

	it('leaves out what is not given', () => {
		expect(buildCallbackUrl(BASE, { account: '1' })).toBe(`${BASE}?account=1`);
		expect(buildCallbackUrl(BASE, { account: '1', token: TOKEN })).toBe(`${BASE}?account=1&token=${TOKEN}`);
	});

	it("keeps the user's own query string exactly as written", () => {
		expect(buildCallbackUrl(`${BASE}?a=1&b=x%20y&flag&c=+`, { account: '1' })).toBe(
			`${BASE}?a=1&b=x%20y&flag&c=+&account=1`,
		);
		expect(buildCallbackUrl(`${BASE}?`, { account: '1' })).toBe(`${BASE}?account=1`);
		expect(buildCallbackUrl(`${BASE}?a=1&&`, { account: '1' })).toBe(`${BASE}?a=1&account=1`);
	});

	it("keeps n8n's own signature parameter on resume URLs", () => {
		const resume = 'http://127.0.0.1:5678/webhook-waiting/42/node-id?signature=abc123';
		expect(buildCallbackUrl(resume, { account: '1', token: 'T' })).toBe(`${resume}&account=1&token=T`);
	});

	it('percent-encodes values so they read back unchanged', () => {
		const reference = 'cliente #12 & co/ñandú?=+ 100%';
		const url = buildCallbackUrl(BASE, { account: 'AR 01+2', reference, token: TOKEN });
		expect(url).not.toMatch(/[ #ñ]/);
		const parsed = new URL(url);
		expect(parsed.searchParams.get('account')).toBe('AR 01+2');
		expect(parsed.searchParams.get('reference')).toBe(reference);
		expect(parsed.searchParams.get('token')).toBe(TOKEN);
		expect(parsed.hash).toBe('');
	});

	it.each([
		[`${BASE}?token=abc`, /already contains a "token" parameter. Remove it/],
		[`${BASE}?x=1&token=`, /already contains a "token" parameter/],
		[`${BASE}?account=9`, /already contains an "account" parameter/],
		[`${BASE}?reference=9`, /already contains a "reference" parameter/],
		[`${BASE}#section`, /must not contain a fragment/],
		[`${BASE}?a=1#x`, /must not contain a fragment/],
	])('refuses %s', (base, message) => {
		const error = errorOf(() => buildCallbackUrl(base, { account: '1', token: TOKEN }));
		expect(error.field).toBe('Callback URL');
		expect(error.message).toMatch(message);
		expect(error.message).not.toContain(TOKEN);
	});

	// n8n reads query strings with qs (Express's extended parser): brackets nest after percent-decoding.
	it.each([
		['token[]=x', 'token'],
		['token[0]=x', 'token'],
		['token%5B%5D=x', 'token'],
		['token%5b0%5d=x', 'token'],
		['%5Btoken%5D=x', 'token'],
		['[token]=x', 'token'],
		['toke%6E[]=x', 'token'],
		['account[x]=1', 'account'],
		['account%5Bx%5D=1', 'account'],
		['reference[]=a', 'reference'],
		['[reference]=a', 'reference'],
	])('refuses %s, which n8n reads as "%s" (issue 20.5)', (query, name) => {
		const error = errorOf(() => buildCallbackUrl(`${BASE}?keep=1&${query}`, { account: '1', token: TOKEN }));
		expect(error.field).toBe('Callback URL');
		expect(error.message).toContain(
			`already contains ${name === 'account' ? 'an' : 'a'} "${name}" parameter (n8n reads "${name}[…]" as "${name}")`,
		);
		expect(error.message).not.toContain(TOKEN);
	});

	it.each(['a[token]=1', 'tokens=1', 'my_token=1', 'x.token=1', 'accounts[]=1', 'token]=1'])(
		'keeps %s, which n8n does not read as one of the node’s parameters',
		(query) => {
			expect(buildCallbackUrl(`${BASE}?${query}`, { account: '1', token: TOKEN })).toBe(
				`${BASE}?${query}&account=1&token=${TOKEN}`,
			);
		},
	);

	it('accepts exactly 255 characters and refuses 256, naming the field and the length', () => {
		const added = `?account=1&reference=r&token=${TOKEN}`;
		const fits = `https://e.com/${'a'.repeat(255 - 'https://e.com/'.length - added.length)}`;
		expect(buildCallbackUrl(fits, { account: '1', reference: 'r', token: TOKEN })).toHaveLength(255);
		const error = errorOf(() => buildCallbackUrl(`${fits}b`, { account: '1', reference: 'r', token: TOKEN }));
		expect(error.field).toBe('Callback URL');
		expect(error.message).toBe(
			'Callback URL with the account number, the Reference and the token added is 256 characters long; Khipu accepts at most 255. Shorten the URL or the Reference.',
		);
		expect(error.message).not.toContain(TOKEN);
	});

	it('counts the encoded length against the limit', () => {
		const base = `https://e.com/${'a'.repeat(180)}`;
		expect(() => buildCallbackUrl(base, { account: '1', reference: 'x'.repeat(30) })).not.toThrow();
		expect(errorOf(() => buildCallbackUrl(base, { account: '1', reference: 'ñ'.repeat(30) })).message).toMatch(
			/is 395 characters long/,
		);
	});

	it("uses the caller's field name and advice", () => {
		const error = errorOf(() =>
			buildCallbackUrl(
				`https://e.com/${'a'.repeat(250)}`,
				{ account: '1' },
				{ field: 'Resume URL', advice: 'Set a shorter WEBHOOK_URL.' },
			),
		);
		expect(error.field).toBe('Resume URL');
		expect(error.message).toMatch(
			/^Resume URL with the account number added is 274 characters long; Khipu accepts at most 255\. Set a shorter WEBHOOK_URL\.$/,
		);
	});
});

describe('validateReference', () => {
	it('trims, converts numbers, treats empty as none', () => {
		expect(validateReference('  run-7 ')).toBe('run-7');
		expect(validateReference(4711)).toBe('4711');
		expect(validateReference('')).toBeUndefined();
		expect(validateReference('   ')).toBeUndefined();
		expect(validateReference(undefined)).toBeUndefined();
		expect(validateReference('Cliente Ñandú #12 (2026/11)')).toBe('Cliente Ñandú #12 (2026/11)');
		expect(validateReference('x'.repeat(64))).toHaveLength(64);
	});
	it.each([
		['x'.repeat(65), /^Reference is 65 characters long; at most 64 are allowed$/],
		['a\nb', /may only hold letters, digits, punctuation, symbols and spaces/],
		['a\u202eb', /may only hold/],
		['a\u200bb', /may only hold/],
		['a\tb', /may only hold/],
		[{ a: 1 }, /must be text or a number/],
		[true, /must be text or a number/],
	])('refuses %p', (value, message) => {
		const error = errorOf(() => validateReference(value));
		expect(error.field).toBe('Reference');
		expect(error.message).toMatch(message);
	});
});

describe('readCallbackHints', () => {
	it('passes on a valid account and reference', () => {
		expect(readCallbackHints({ account: '000011887755', reference: 'cliente #12', token: TOKEN })).toEqual({
			accountNumber: '000011887755',
			reference: 'cliente #12',
		});
	});
	it('gives nothing when the URL had neither', () => {
		expect(readCallbackHints({ token: TOKEN })).toEqual({});
	});
	it.each([
		[{ account: '1'.repeat(21) }, {}],
		[{ account: '' }, {}],
		[{ account: ' 1' }, {}],
		[{ account: ['1', '2'] }, {}],
		[{ account: '1\n2', reference: 'ok' }, { reference: 'ok' }],
		[{ account: '12', reference: 'r'.repeat(65) }, { accountNumber: '12' }],
		[{ reference: 'a\u202eb' }, {}],
		[{ reference: { nested: 'x' } }, {}],
	])('drops values outside the limits: %p', (query, expected) => {
		expect(readCallbackHints(query as Record<string, unknown>)).toEqual(expected);
	});
	it('never returns the token', () => {
		expect(JSON.stringify(readCallbackHints({ account: '1', reference: 'r', token: TOKEN }))).not.toContain(TOKEN);
	});
});

describe('checkTokenDestination: the callback token goes over https or to this n8n only (issue 20.6)', () => {
	const own = new URL('http://127.0.0.1:5678/');

	it.each([
		'https://receiver.example.com/khipu',
		'https://203.0.113.9:8443/cb',
		'http://127.0.0.1:5678/webhook/6f1c/khipu',
		'HTTP://127.0.0.1:5678/webhook/6f1c/khipu',
	])('lets the token go to %s', (url) => {
		expect(() => checkTokenDestination(url, own)).not.toThrow();
	});

	it.each([
		['http://receiver.example.com/khipu', 'http://receiver.example.com'],
		['http://127.0.0.1:5679/webhook/x', 'http://127.0.0.1:5679'],
		['http://localhost:5678/webhook/x', 'http://localhost:5678'],
	])('refuses %s before anything is sent, with advice', (url, origin) => {
		const error = errorOf(() => checkTokenDestination(url, own));
		expect(error.field).toBe('Callback URL');
		expect(error.message).toBe(
			`Callback URL uses plain http to ${origin}, which is not this n8n's webhook address (http://127.0.0.1:5678/), so the callback token would travel unencrypted to another host. Use an https URL or this n8n's own webhook URL, or turn on Allow Token Over Plain HTTP if that network path is trusted.`,
		);
	});

	it('with a WEBHOOK_URL under a path, only that path is this n8n', () => {
		const underPath = new URL('http://gateway.internal/n8n/');
		expect(() => checkTokenDestination('http://gateway.internal/n8n/webhook/x', underPath)).not.toThrow();
		expect(() => checkTokenDestination('http://gateway.internal/other-app/cb', underPath)).toThrow(InputError);
	});
});

describe('webhookBaseUrl (COMPAT row 23): this n8n’s webhook base, from $execution.resumeUrl', () => {
	const contextWithResumeUrl = (resumeUrl: string) =>
		({
			evaluateExpression: (expression: string) => (expression === '{{ $execution.resumeUrl }}' ? resumeUrl : undefined),
		}) as unknown as IExecuteFunctions;

	it.each([
		['http://127.0.0.1:5678/webhook-waiting/42', 'http://127.0.0.1:5678/'], // n8n 2.8.4
		['http://127.0.0.1:5678/webhook-waiting/42?signature=0f3a', 'http://127.0.0.1:5678/'], // n8n 2.41.1
		['https://automation.example.com/n8n/webhook-waiting/7?signature=0f3a', 'https://automation.example.com/n8n/'],
	])('%s → %s', (resumeUrl, base) => {
		expect(webhookBaseUrl(contextWithResumeUrl(resumeUrl)).href).toBe(base);
	});
});

import type { ICredentialTestFunctions } from 'n8n-workflow';

import {
	CALLBACK_TOKEN_FIELD,
	PREVIOUS_TOKEN_FIELD,
	PREVIOUS_TOKEN_UNTIL_FIELD,
	testCallbackToken,
	tokenAccepted,
	validateCallbackToken,
	validatePreviousToken,
} from '../../nodes/shared/callbackToken';
import { GENERATE_TOKEN_COMMAND } from '../../nodes/shared/constants';
import { errorOf } from './support/inputError';
import { FAKE_CALLBACK_TOKEN } from './support/tokens';

const STRONG = FAKE_CALLBACK_TOKEN;

describe('validateCallbackToken', () => {
	it('accepts 24 to 128 URL-safe characters, trimmed', () => {
		expect(validateCallbackToken(` ${STRONG} `)).toBe(STRONG);
		expect(validateCallbackToken('a'.repeat(24))).toHaveLength(24);
		expect(validateCallbackToken('_-'.repeat(64))).toHaveLength(128);
	});

	it.each([
		['a'.repeat(23)],
		['a'.repeat(129)],
		[`${STRONG}+`],
		[`${STRONG} x`],
		[''],
		[undefined],
		[Number('1'.repeat(24))],
	])(
		'refuses %p naming the credential field and the command that makes a token, printing no token and never echoing the value',
		(value) => {
			const { field, message } = errorOf(() => validateCallbackToken(value));
			expect(field).toBe(CALLBACK_TOKEN_FIELD);
			expect(message).toBe(
				`Callback token (Khipu Callback Token API credential) must be 24 to 128 letters, digits, "-" or "_". Generate one with: ${GENERATE_TOKEN_COMMAND}`,
			);
			// The same text every time: nothing in it could be pasted as a token.
			expect(message).not.toMatch(/[A-Za-z0-9_-]{24,}/);
			if (typeof value === 'string' && value.length > 0) expect(message).not.toContain(value);
		},
	);
});

const NOW = Date.parse('2026-11-25T18:00:00Z');
const OLD = 'test_only_previous_token_0000001';

describe('validatePreviousToken (a rotated credential)', () => {
	const read = (data: Record<string, unknown>) => validatePreviousToken({ token: STRONG, ...data }, NOW);

	it('none unless Previous Token is filled in; the end needs its UTC offset', () => {
		expect(read({})).toBeNull();
		expect(read({ previousToken: '  ', previousTokenValidUntil: 'ignored' })).toBeNull();
		expect(read({ previousToken: ` ${OLD} `, previousTokenValidUntil: '2026-11-25T15:30:00-03:00' })).toEqual({
			token: OLD,
			validUntil: Date.parse('2026-11-25T18:30:00Z'),
		});
		expect(read({ previousToken: OLD, previousTokenValidUntil: '2026-11-25T18:30Z' })?.validUntil).toBe(
			Date.parse('2026-11-25T18:30:00Z'),
		);
		expect(read({ previousToken: OLD, previousTokenValidUntil: '2026-11-25T18:30:00.250+00:00' })?.validUntil).toBe(
			NOW + 30 * 60_000 + 250,
		);
		expect(read({ previousToken: OLD, previousTokenValidUntil: '2026-11-26T03:00:00.5+09:00' })?.validUntil).toBe(
			Date.parse('2026-11-25T18:00:00.500Z'),
		);
		expect(read({ previousToken: OLD, previousTokenValidUntil: '2026-11-25T14:30:00-03:30' })?.validUntil).toBe(
			Date.parse('2026-11-25T18:00:00Z'),
		);
		// An end already past is allowed: the previous token is then simply refused.
		expect(read({ previousToken: OLD, previousTokenValidUntil: '2026-11-24T00:00:00Z' })?.validUntil).toBeLessThan(NOW);
	});

	it.each([
		[
			{ previousToken: 'short' },
			PREVIOUS_TOKEN_FIELD,
			'Previous Token must be 24 to 128 letters, digits, "-" or "_", like the token it was',
		],
		[
			{ previousToken: STRONG, previousTokenValidUntil: '2026-11-25T19:00:00Z' },
			PREVIOUS_TOKEN_FIELD,
			'Previous Token is the same as Token: put the new token in Token',
		],
		[
			{ previousToken: OLD },
			PREVIOUS_TOKEN_UNTIL_FIELD,
			/^Previous Token Valid Until is required with a Previous Token: .* with its UTC offset, for example 2026-11-25T15:30:00-03:00$/,
		],
		[
			{ previousToken: OLD, previousTokenValidUntil: '2026-11-25T19:00:00' },
			PREVIOUS_TOKEN_UNTIL_FIELD,
			/^Previous Token Valid Until must be a date-time with its UTC offset \(or Z\)/,
		],
		[
			{ previousToken: OLD, previousTokenValidUntil: '2026-11-25' },
			PREVIOUS_TOKEN_UNTIL_FIELD,
			/must be a date-time with its UTC offset/,
		],
		[
			{ previousToken: OLD, previousTokenValidUntil: 'tomorrow' },
			PREVIOUS_TOKEN_UNTIL_FIELD,
			/must be a date-time with its UTC offset/,
		],
		[
			{ previousToken: OLD, previousTokenValidUntil: '2026-13-45T10:00:00Z' },
			PREVIOUS_TOKEN_UNTIL_FIELD,
			/must be a date-time with its UTC offset/,
		],
		// Date.parse would roll these over to another day rather than refuse them.
		[
			{ previousToken: OLD, previousTokenValidUntil: '2026-11-31T10:00:00-03:00' },
			PREVIOUS_TOKEN_UNTIL_FIELD,
			/must be a date-time with its UTC offset/,
		],
		[
			{ previousToken: OLD, previousTokenValidUntil: '2026-11-25T24:00:00Z' },
			PREVIOUS_TOKEN_UNTIL_FIELD,
			/must be a date-time with its UTC offset/,
		],
		[
			{ previousToken: OLD, previousTokenValidUntil: '2026-11-25T19:00:00+03:60' },
			PREVIOUS_TOKEN_UNTIL_FIELD,
			/must be a date-time with its UTC offset/,
		],
		[
			{ previousToken: OLD, previousTokenValidUntil: '2026-11-25T19:00:00-0300' },
			PREVIOUS_TOKEN_UNTIL_FIELD,
			/must be a date-time with its UTC offset/,
		],
		[
			{ previousToken: OLD, previousTokenValidUntil: '2026-12-02T18:00:01Z' },
			PREVIOUS_TOKEN_UNTIL_FIELD,
			/^Previous Token Valid Until may be at most 7 days ahead/,
		],
	])('refuses %p naming the field, never echoing a token', (data, field, message) => {
		const error = errorOf(() => read(data));
		expect(error.field).toBe(field);
		expect(error.message).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
		expect(error.message).not.toContain(OLD);
		expect(error.message).not.toContain(STRONG);
	});

	it('accepts exactly 7 days ahead', () => {
		expect(read({ previousToken: OLD, previousTokenValidUntil: '2026-12-02T18:00:00Z' })?.validUntil).toBe(
			NOW + 7 * 86_400_000,
		);
	});
});

describe('tokenAccepted', () => {
	const previous = { token: OLD, validUntil: NOW };

	it('the current token always, the previous one up to and including its last moment, nothing else', () => {
		expect(tokenAccepted(STRONG, null, STRONG, NOW)).toBe(true);
		expect(tokenAccepted(STRONG, previous, STRONG, NOW + 86_400_000)).toBe(true);
		expect(tokenAccepted(STRONG, previous, OLD, NOW - 1)).toBe(true);
		expect(tokenAccepted(STRONG, previous, OLD, NOW)).toBe(true);
		expect(tokenAccepted(STRONG, previous, OLD, NOW + 1)).toBe(false);
		expect(tokenAccepted(STRONG, null, OLD, NOW)).toBe(false);
		expect(tokenAccepted(STRONG, previous, `${OLD}x`, NOW)).toBe(false);
		expect(tokenAccepted(STRONG, previous, undefined, NOW)).toBe(false);
		expect(tokenAccepted(STRONG, previous, [OLD], NOW)).toBe(false);
	});
});

describe('testCallbackToken (the credential test both nodes name in testedBy)', () => {
	const context = {} as ICredentialTestFunctions;
	const run = (token: unknown, extra: Record<string, unknown> = {}) =>
		testCallbackToken.call(context, {
			id: '1',
			name: 'x',
			type: 'khipuCallbackApi',
			data: { token, ...extra } as never,
		});

	it('passes a strong token', async () => {
		expect(await run(STRONG)).toEqual({ status: 'OK', message: 'The token is strong enough for a callback URL' });
	});
	it('fails a weak one, pointing to the command', async () => {
		const result = await run('weak');
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(
			/^Callback token \(Khipu Callback Token API credential\) must be 24 to 128 letters.*Generate one with: node -e/,
		);
		expect(result.message).not.toContain('weak"');
	});
	it('reports the previous token: until when it is accepted, or that it has expired, or what is wrong', async () => {
		const later = new Date(Date.now() + 3_600_000);
		const accepted = await run(STRONG, { previousToken: OLD, previousTokenValidUntil: later.toISOString() });
		expect(accepted).toEqual({
			status: 'OK',
			message: `The token is strong enough for a callback URL; the previous token is accepted until ${later.toISOString()}`,
		});
		const expired = await run(STRONG, { previousToken: OLD, previousTokenValidUntil: '2020-01-01T00:00:00Z' });
		expect(expired.message).toBe(
			'The token is strong enough for a callback URL; the previous token expired at 2020-01-01T00:00:00.000Z and is refused',
		);
		const missing = await run(STRONG, { previousToken: OLD });
		expect(missing.status).toBe('Error');
		expect(missing.message).toMatch(/^Previous Token Valid Until is required/);
	});
});

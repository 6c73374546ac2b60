import type { ICredentialTestFunctions } from 'n8n-workflow';

import { testCallbackToken } from '../../nodes/shared/callbackToken';
import { CALLBACK_TOKEN_FIELD, validateCallbackToken } from '../../nodes/shared/callbackToken';
import { errorOf } from './support/inputError';
import { FAKE_CALLBACK_TOKEN } from './support/tokens';

const STRONG = FAKE_CALLBACK_TOKEN;

describe('validateCallbackToken', () => {
	it('accepts 24 to 128 URL-safe characters, trimmed', () => {
		expect(validateCallbackToken(` ${STRONG} `)).toBe(STRONG);
		expect(validateCallbackToken('a'.repeat(24))).toHaveLength(24);
		expect(validateCallbackToken('_-'.repeat(64))).toHaveLength(128);
	});

	it.each([['a'.repeat(23)], ['a'.repeat(129)], [`${STRONG}+`], [`${STRONG} x`], [''], [undefined], [Number('1'.repeat(24))]])(
		'refuses %p naming the credential field, suggesting a generated token, never echoing the value',
		(value) => {
			const { field, message } = errorOf(() => validateCallbackToken(value));
			expect(field).toBe(CALLBACK_TOKEN_FIELD);
			const suggestion = /freshly generated one: ([A-Za-z0-9_-]+)$/.exec(message)?.[1] ?? '';
			expect(suggestion).toHaveLength(32);
			expect(validateCallbackToken(suggestion)).toBe(suggestion);
			if (typeof value === 'string' && value.length > 0) expect(message).not.toContain(value);
		},
	);

	it('suggests a different token each time', () => {
		const suggestions = new Set(
			Array.from({ length: 5 }, () => {
				try {
					validateCallbackToken('short');
				} catch (error) {
					return (error as Error).message.split(': ').pop();
				}
				return '';
			}),
		);
		expect(suggestions.size).toBe(5);
	});
});

describe('testCallbackToken (the credential test both nodes name in testedBy)', () => {
	const context = {} as ICredentialTestFunctions;
	const run = (token: unknown) => testCallbackToken.call(context, { id: '1', name: 'x', type: 'khipuCallbackApi', data: { token } as never });

	it('passes a strong token', async () => {
		expect(await run(STRONG)).toEqual({ status: 'OK', message: 'The token is strong enough for a callback URL' });
	});
	it('fails a weak one with the generated suggestion', async () => {
		const result = await run('weak');
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^Callback token \(Khipu Callback Token API credential\) must be 24 to 128 letters/);
		expect(result.message).not.toContain('weak"');
	});
});

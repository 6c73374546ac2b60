import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';

import { MAX_TOKEN_LENGTH, MIN_TOKEN_LENGTH } from './constants';
import { InputError } from './validation';

export const CALLBACK_CREDENTIAL_FIELD = 'Khipu Callback Token API credential';
export const CALLBACK_TOKEN_FIELD = `Token (${CALLBACK_CREDENTIAL_FIELD})`;

/** 24 random bytes: 192 bits, 32 URL-safe characters. */
export function generateToken(): string {
	return randomBytes(24).toString('base64url');
}

/**
 * A one-way fingerprint of a token and what it is bound to: whoever can read
 * the fingerprint (for example in n8n's database) still cannot make the token.
 */
export function tokenDigest(token: string, ...bindings: string[]): string {
	return createHash('sha256').update([...bindings, token].join('\n')).digest('base64url');
}

/** Constant-time for equal lengths; different lengths fail without comparing content. */
export function tokensMatch(expected: string, received: unknown): boolean {
	if (typeof received !== 'string' || expected.length === 0) return false;
	const a = Buffer.from(expected, 'utf8');
	const b = Buffer.from(received, 'utf8');
	if (a.length !== b.length) {
		timingSafeEqual(a, a);
		return false;
	}
	return timingSafeEqual(a, b);
}

/** The message suggests a fresh token, so "generated" needs no extra tooling. */
export function validateCallbackToken(raw: unknown): string {
	const token = typeof raw === 'string' ? raw.trim() : '';
	if (token.length < MIN_TOKEN_LENGTH || token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) {
		throw new InputError(
			CALLBACK_TOKEN_FIELD,
			`Callback token (Khipu Callback Token API credential) must be ${MIN_TOKEN_LENGTH} to ${MAX_TOKEN_LENGTH} letters, digits, "-" or "_". For example, this freshly generated one: ${generateToken()}`,
		);
	}
	return token;
}

/**
 * Runs when the credential is saved or retested: a weak token is reported at
 * once, with a freshly generated one to paste, instead of only at activation.
 */
export async function testCallbackToken(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	try {
		validateCallbackToken(credential.data?.token);
	} catch (error) {
		return { status: 'Error', message: error instanceof Error ? error.message : 'The token could not be checked' };
	}
	return { status: 'OK', message: 'The token is strong enough for a callback URL' };
}

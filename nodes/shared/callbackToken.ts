import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IDataObject,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { GENERATE_TOKEN_COMMAND, MAX_TOKEN_LENGTH, MIN_TOKEN_LENGTH } from './constants';
import { InputError } from './validation';

export const CALLBACK_CREDENTIAL_FIELD = 'Khipu Callback Token API credential';
export const CALLBACK_TOKEN_FIELD = `Token (${CALLBACK_CREDENTIAL_FIELD})`;
export const PREVIOUS_TOKEN_FIELD = `Previous Token (${CALLBACK_CREDENTIAL_FIELD})`;
export const PREVIOUS_TOKEN_UNTIL_FIELD = `Previous Token Valid Until (${CALLBACK_CREDENTIAL_FIELD})`;

/** How far ahead Previous Token Valid Until may be: a rotation, not a second permanent token. */
export const PREVIOUS_TOKEN_MAX_DAYS = 7;

/** 24 random bytes: 192 bits, 32 URL-safe characters. */
export function generateToken(): string {
	return randomBytes(24).toString('base64url');
}

/**
 * A one-way fingerprint of a token and what it is bound to: whoever can read
 * the fingerprint (for example in n8n's database) still cannot make the token.
 */
export function tokenDigest(token: string, ...bindings: string[]): string {
	return createHash('sha256')
		.update([...bindings, token].join('\n'))
		.digest('base64url');
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

function isStrongToken(token: string): boolean {
	return token.length >= MIN_TOKEN_LENGTH && token.length <= MAX_TOKEN_LENGTH && /^[A-Za-z0-9_-]+$/.test(token);
}

const TOKEN_RULE = `${MIN_TOKEN_LENGTH} to ${MAX_TOKEN_LENGTH} letters, digits, "-" or "_"`;

/**
 * The message names a command that makes a strong token rather than printing
 * one: an error is kept in activation logs and execution data, and a token
 * shown there is no longer secret.
 */
export function validateCallbackToken(raw: unknown): string {
	const token = typeof raw === 'string' ? raw.trim() : '';
	if (!isStrongToken(token)) {
		throw new InputError(
			CALLBACK_TOKEN_FIELD,
			`Callback token (Khipu Callback Token API credential) must be ${TOKEN_RULE}. ` +
				`Generate one with: ${GENERATE_TOKEN_COMMAND}`,
		);
	}
	return token;
}

export interface PreviousToken {
	token: string;
	/** Epoch milliseconds; the previous token is refused after this moment. */
	validUntil: number;
}

/** A date-time with its UTC offset (or Z): without one, the moment would depend on a guessed time zone. */
const DATE_TIME_WITH_OFFSET =
	/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Epoch milliseconds, or NaN unless every part is in range: Date.parse would
 * roll 2026-02-30 over into March rather than refuse it.
 */
function parseDateTimeWithOffset(text: string): number {
	const match = DATE_TIME_WITH_OFFSET.exec(text);
	if (!match) return Number.NaN;
	const [year, month, day, hour, minute, second = '0', fraction = '0', sign, offsetHours = '0', offsetMinutes = '0'] =
		match.slice(1);
	const parts = [year, month, day, hour, minute, second].map(Number);
	const local = Date.UTC(
		parts[0],
		parts[1] - 1,
		parts[2],
		parts[3],
		parts[4],
		parts[5],
		Number(fraction.padEnd(3, '0')),
	);
	const check = new Date(local);
	const inRange =
		check.getUTCFullYear() === parts[0] &&
		check.getUTCMonth() === parts[1] - 1 &&
		check.getUTCDate() === parts[2] &&
		check.getUTCHours() === parts[3] &&
		check.getUTCMinutes() === parts[4] &&
		check.getUTCSeconds() === parts[5] &&
		Number(offsetHours) <= 14 &&
		Number(offsetMinutes) < 60;
	if (!inRange) return Number.NaN;
	const offsetMs = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000 * (sign === '-' ? -1 : 1);
	return local - offsetMs;
}

function readValidUntil(raw: unknown, now: number): number {
	const text = typeof raw === 'string' ? raw.trim() : '';
	const example = 'for example 2026-11-25T15:30:00-03:00';
	if (text === '') {
		throw new InputError(
			PREVIOUS_TOKEN_UNTIL_FIELD,
			'Previous Token Valid Until is required with a Previous Token: the date-time ' +
				`until which the trigger still accepts it, with its UTC offset, ${example}`,
		);
	}
	const validUntil = parseDateTimeWithOffset(text);
	if (Number.isNaN(validUntil)) {
		throw new InputError(
			PREVIOUS_TOKEN_UNTIL_FIELD,
			`Previous Token Valid Until must be a date-time with its UTC offset (or Z), ${example}`,
		);
	}
	if (validUntil > now + PREVIOUS_TOKEN_MAX_DAYS * 86_400_000) {
		throw new InputError(
			PREVIOUS_TOKEN_UNTIL_FIELD,
			`Previous Token Valid Until may be at most ${PREVIOUS_TOKEN_MAX_DAYS} days ` +
				`ahead: the previous token is for callbacks of requests already sent (Khipu's ` +
				'LifeSpan is 15 minutes), not a second permanent token',
		);
	}
	return validUntil;
}

/**
 * The token a rotated credential replaced, accepted until its stated end.
 * Null when there is none; throws an InputError naming the field when it is
 * weak, the same as the current token, or its end is missing or unreadable.
 */
export function validatePreviousToken(data: IDataObject, now: number): PreviousToken | null {
	const token = typeof data.previousToken === 'string' ? data.previousToken.trim() : '';
	if (token === '') return null;
	if (!isStrongToken(token)) {
		throw new InputError(PREVIOUS_TOKEN_FIELD, `Previous Token must be ${TOKEN_RULE}, like the token it was`);
	}
	if (typeof data.token === 'string' && token === data.token.trim()) {
		throw new InputError(PREVIOUS_TOKEN_FIELD, 'Previous Token is the same as Token: put the new token in Token');
	}
	return { token, validUntil: readValidUntil(data.previousTokenValidUntil, now) };
}

/** The current token always; the previous one up to and including its last moment. */
export function tokenAccepted(
	current: string,
	previous: PreviousToken | null,
	received: unknown,
	now: number,
): boolean {
	const currentMatches = tokensMatch(current, received);
	const previousMatches = previous !== null && tokensMatch(previous.token, received);
	return currentMatches || (previousMatches && now <= previous.validUntil);
}

/**
 * Runs when the credential is saved or retested: a weak token or a bad
 * previous token is reported at once instead of only at activation.
 */
export async function testCallbackToken(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	let previous: PreviousToken | null;
	try {
		validateCallbackToken(data.token);
		previous = validatePreviousToken(data, Date.now());
	} catch (error) {
		return { status: 'Error', message: error instanceof Error ? error.message : 'The token could not be checked' };
	}
	const message = 'The token is strong enough for a callback URL';
	if (previous === null) return { status: 'OK', message };
	const until = new Date(previous.validUntil).toISOString();
	return previous.validUntil < Date.now()
		? { status: 'OK', message: `${message}; the previous token expired at ${until} and is refused` }
		: { status: 'OK', message: `${message}; the previous token is accepted until ${until}` };
}

import { describeType, hasControlChars, hasLoneSurrogate } from './text';
import { LIMITS } from './constants';

/** A rejected input: the node turns it into a NodeOperationError naming the item. */
export class InputError extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(message);
		this.name = 'InputError';
	}
}

/**
 * Account numbers are trimmed because they are often pasted from spreadsheets;
 * the 20-character limit is Khipu's and is checked after trimming.
 */
export function validateAccountNumber(raw: unknown): string {
	const field = 'Account Number';
	if (typeof raw === 'number' && Number.isFinite(raw)) {
		raw = String(raw);
	}
	if (typeof raw !== 'string') {
		throw new InputError(field, `${field} must be text, but the value is ${describeType(raw)}`);
	}
	const value = raw.trim();
	if (value.length === 0) {
		throw new InputError(field, `${field} is required and cannot be empty or only spaces`);
	}
	if (hasControlChars(value)) {
		throw new InputError(field, `${field} contains control characters (such as line breaks or tabs)`);
	}
	if (hasLoneSurrogate(value)) {
		throw new InputError(
			field,
			`${field} contains a broken character (half of a UTF-16 surrogate pair); retype it or fix the source data`,
		);
	}
	if (value.length > LIMITS.accountNumber) {
		throw new InputError(
			field,
			`${field} is ${value.length} characters long; Khipu accepts at most ${LIMITS.accountNumber}`,
		);
	}
	return value;
}

function parseUrl(value: string): URL | null {
	try {
		return new URL(value);
	} catch {
		return null;
	}
}

/** Khipu POSTs results to this URL, so only absolute http(s) URLs make sense. */
export function validateCallbackUrl(raw: unknown, field = 'Callback URL'): string {
	if (typeof raw !== 'string') {
		throw new InputError(field, `${field} must be text, but the value is ${describeType(raw)}`);
	}
	const value = raw.trim();
	if (value.length === 0) {
		throw new InputError(field, `${field} is required when results are sent to a callback URL`);
	}
	if (hasControlChars(value) || /\s/.test(value)) {
		throw new InputError(field, `${field} must not contain spaces or control characters`);
	}
	if (hasLoneSurrogate(value)) {
		throw new InputError(field, `${field} contains a broken character (half of a UTF-16 surrogate pair)`);
	}
	if (value.length > LIMITS.callbackUrl) {
		throw new InputError(
			field,
			`${field} is ${value.length} characters long; Khipu accepts at most ${LIMITS.callbackUrl}`,
		);
	}
	const url = parseUrl(value);
	if (!url) throw new InputError(field, `${field} is not a valid absolute URL (expected https://...)`);
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		throw new InputError(field, `${field} must use http or https; "${url.protocol.replace(/:$/, '')}" is not allowed`);
	}
	if (!url.hostname) {
		throw new InputError(field, `${field} must include a host name`);
	}
	return value;
}

export function validateBaseUrl(raw: unknown): string {
	const field = 'Base URL (credential)';
	if (typeof raw !== 'string' || raw.trim() === '') {
		throw new InputError(field, `${field} is required`);
	}
	const url = parseUrl(raw.trim());
	if (!url) throw new InputError(field, `${field} is not a valid absolute URL`);
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		throw new InputError(field, `${field} must use http or https`);
	}
	return url.toString().replace(/\/+$/, '');
}

export function validateIntegerOption(raw: unknown, field: string, min: number, max: number): number {
	const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
	if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
		throw new InputError(field, `${field} must be a whole number from ${min} to ${max}`);
	}
	return value;
}

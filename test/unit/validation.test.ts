import {
	InputError,
	validateAccountNumber,
	validateBaseUrl,
	validateCallbackUrl,
	validateIntegerOption,
} from '../../nodes/shared/validation';
import { errorOf } from './support/inputError';

describe('validateAccountNumber', () => {
	it('trims and accepts up to 20 characters', () => {
		expect(validateAccountNumber('  000011887755 ')).toBe('000011887755');
		expect(validateAccountNumber('x'.repeat(20))).toHaveLength(20);
	});
	it('accepts a character outside the Basic Multilingual Plane: a complete surrogate pair is one character', () => {
		expect(validateAccountNumber('12\uD83D\uDE00')).toBe('12\uD83D\uDE00');
	});
	it('accepts a number coming from an expression as text', () => {
		expect(validateAccountNumber(1234567)).toBe('1234567');
	});
	it.each([
		['', /required/],
		['   ', /required/],
		['x'.repeat(21), /21 characters long; Khipu accepts at most 20/],
		['12\n34', /control characters/],
		['12\t34', /control characters/],
		[null, /must be text, but the value is null/],
		[{ a: 1 }, /must be text, but the value is an object/],
		[['1'], /an array/],
		['12\uD800', /broken character \(half of a UTF-16 surrogate pair\)/],
		['\uDC0012', /broken character/],
	])('rejects %p', (value, message) => {
		const error = errorOf(() => validateAccountNumber(value));
		expect(error.field).toBe('Account Number');
		expect(error.message).toMatch(message);
	});
});

describe('validateCallbackUrl', () => {
	it('accepts http and https URLs up to 255 characters', () => {
		const url = `https://example.com/${'a'.repeat(255 - 'https://example.com/'.length)}`;
		expect(url).toHaveLength(255);
		expect(validateCallbackUrl(url)).toBe(url);
		expect(validateCallbackUrl('http://127.0.0.1:5678/webhook/x')).toBe('http://127.0.0.1:5678/webhook/x');
	});
	it.each([
		['', /required/],
		[`https://example.com/${'a'.repeat(236)}`, /256 characters long; Khipu accepts at most 255/],
		['javascript:alert(1)', /must use http or https; "javascript" is not allowed/],
		['ftp://example.com/x', /"ftp" is not allowed/],
		['/relative/path', /not a valid absolute URL/],
		['https://exa mple.com', /spaces or control characters/],
		[42, /must be text/],
		['https://example.com/\uD800', /broken character/],
	])('rejects %p', (value, message) => {
		const error = errorOf(() => validateCallbackUrl(value));
		expect(error.field).toBe('Callback URL');
		expect(error.message).toMatch(message);
	});
});

describe('other validators', () => {
	it('normalizes the base URL and rejects other schemes', () => {
		expect(validateBaseUrl('https://api.khipu.com/')).toBe('https://api.khipu.com');
		expect(errorOf(() => validateBaseUrl('file:///etc/passwd')).message).toMatch(/http or https/);
	});
	it('bounds integer options', () => {
		expect(validateIntegerOption('5', 'Concurrency', 1, 20)).toBe(5);
		expect(errorOf(() => validateIntegerOption(21, 'Concurrency', 1, 20)).message).toBe(
			'Concurrency must be a whole number from 1 to 20',
		);
		expect(() => validateIntegerOption(1.5, 'Concurrency', 1, 20)).toThrow(InputError);
	});
});

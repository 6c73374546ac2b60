'use strict';

const { createHash, timingSafeEqual } = require('node:crypto');
const { AUTH_ERRORS, malformed, missingField, invalidField } = require('./error-codes');

const MAX_ACCOUNT_NUMBER_LENGTH = 20;
const MAX_CALLBACK_URL_LENGTH = 255;
const MAX_USERNAME_LENGTH = 20;

// Hashing first gives equal-length buffers, so the comparison time does not
// depend on how much of a guessed secret is right.
function sameSecret(given, expected) {
	const digest = (value) => createHash('sha256').update(String(value)).digest();
	return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Decides who is calling. Returns the scheme for the records and, when the
 * request must be refused, the HTTP status and Khipu error to answer with.
 */
function checkAuth(headers, secrets) {
	const authorization = headers.authorization;
	const apiKey = headers['x-api-key'];
	const hasJwt = authorization !== undefined;
	const hasApiKey = apiKey !== undefined;

	if (hasJwt && hasApiKey) return { scheme: 'both', valid: false, httpStatus: 400, error: AUTH_ERRORS.both };
	if (!hasJwt && !hasApiKey) return { scheme: 'none', valid: false, httpStatus: 401, error: AUTH_ERRORS.missing };

	if (hasJwt) {
		const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
		if (match && sameSecret(match[1], secrets.jwt)) return { scheme: 'jwt', valid: true };
		return { scheme: 'jwt', valid: false, httpStatus: 401, error: AUTH_ERRORS.invalidJwt };
	}
	if (sameSecret(apiKey, secrets.apiKey)) return { scheme: 'apiKey', valid: true };
	return { scheme: 'apiKey', valid: false, httpStatus: 401, error: AUTH_ERRORS.invalidApiKey };
}

function isPlainObject(value) {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isJsonContentType(contentType) {
	return typeof contentType === 'string' && /^application\/json\s*(;|$)/i.test(contentType.trim());
}

/** Parses the raw body; the parser's own message is dropped because it quotes the input. */
function parseJsonBody(contentType, buffer) {
	if (!isJsonContentType(contentType)) {
		return { error: malformed('Content-Type must be application/json') };
	}
	try {
		return { body: JSON.parse(buffer.toString('utf8')) };
	} catch {
		return { error: malformed('Request body is not valid JSON') };
	}
}

function credentialKind(credential) {
	if (!isPlainObject(credential)) return null;
	if ('AccountLink' in credential) return 'AccountLink';
	if ('DocumentNumber' in credential || 'Username' in credential || 'Password' in credential) {
		return 'SantanderLogin';
	}
	return null;
}

function checkCredential(credential) {
	const field = 'RequestData.AccountCredential';
	const kind = credentialKind(credential);
	if (kind === null) {
		return invalidField(`${field} must be {AccountLink} or {DocumentNumber, Username, Password}`);
	}
	if (kind === 'AccountLink') {
		if ('DocumentNumber' in credential || 'Username' in credential || 'Password' in credential) {
			return invalidField(`${field} must hold either AccountLink or a Santander login, not both`);
		}
		const link = credential.AccountLink;
		if (typeof link !== 'string' || link.trim() === '') {
			return invalidField(`${field}.AccountLink must be a non-empty string`);
		}
		return null;
	}
	const { DocumentNumber: documentNumber, Username: username, Password: password } = credential;
	if (documentNumber === undefined) return missingField(`${field}.DocumentNumber is required`);
	if (typeof documentNumber !== 'string' || !/^\d{6,11}$/.test(documentNumber)) {
		return invalidField(`${field}.DocumentNumber must be a string of 6 to 11 digits`);
	}
	if (username === undefined) return missingField(`${field}.Username is required`);
	if (typeof username !== 'string' || username.length < 1 || username.length > MAX_USERNAME_LENGTH) {
		return invalidField(`${field}.Username must be a string of 1 to ${MAX_USERNAME_LENGTH} characters`);
	}
	if (password === undefined) return missingField(`${field}.Password is required`);
	if (typeof password !== 'string' || !/^\d{4}$/.test(password)) {
		return invalidField(`${field}.Password must be a string of exactly 4 digits`);
	}
	return null;
}

function isAcceptableCallbackUrl(value) {
	if (typeof value !== 'string' || value.length === 0 || value.length > MAX_CALLBACK_URL_LENGTH) return false;
	try {
		const url = new URL(value);
		return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
	} catch {
		return false;
	}
}

/**
 * Finds the CallbackUrl. Khipu documents it next to RequestData, but clients
 * built from older samples put it inside; both are honoured and the place is
 * recorded so tests can tell which one a client used.
 */
function locateCallbackUrl(body) {
	const atTop = body.CallbackUrl !== undefined && body.CallbackUrl !== null;
	const inside =
		isPlainObject(body.RequestData) &&
		body.RequestData.CallbackUrl !== undefined &&
		body.RequestData.CallbackUrl !== null;
	if (atTop && inside) return { value: body.CallbackUrl, location: 'both' };
	if (atTop) return { value: body.CallbackUrl, location: 'body' };
	if (inside) return { value: body.RequestData.CallbackUrl, location: 'RequestData' };
	return { value: undefined, location: null };
}

/**
 * Validates a parsed body. `facts` is always filled with what could be learned
 * (for the request log); `error` is set when the request must be refused.
 */
function validateBody(body, scheme) {
	const facts = {
		accountNumber: null,
		callbackUrl: null,
		callbackUrlLocation: null,
		accountCredentialPresent: false,
		accountCredentialKind: null,
	};
	const fail = (error) => ({ facts, error });

	if (!isPlainObject(body)) return fail(malformed('Request body must be a JSON object'));

	const requestData = body.RequestData;
	if (requestData === undefined || requestData === null) return fail(missingField('RequestData is required'));
	if (!isPlainObject(requestData)) return fail(invalidField('RequestData must be an object'));

	const credential = requestData.AccountCredential;
	facts.accountCredentialPresent = credential !== undefined && credential !== null;
	facts.accountCredentialKind = credentialKind(credential);

	const callback = locateCallbackUrl(body);
	facts.callbackUrlLocation = callback.location;
	if (typeof callback.value === 'string') facts.callbackUrl = callback.value;

	const accountNumber = requestData.AccountNumber;
	if (accountNumber === undefined || accountNumber === null) {
		return fail(missingField('RequestData.AccountNumber is required'));
	}
	if (
		typeof accountNumber !== 'string' ||
		accountNumber.trim() === '' ||
		accountNumber.length > MAX_ACCOUNT_NUMBER_LENGTH
	) {
		return fail(
			invalidField(
				`RequestData.AccountNumber must be a non-empty string of at most ${MAX_ACCOUNT_NUMBER_LENGTH} characters`,
			),
		);
	}
	facts.accountNumber = accountNumber;

	if (callback.location !== null && !isAcceptableCallbackUrl(callback.value)) {
		return fail(
			invalidField(
				`CallbackUrl must be an absolute http or https URL of at most ${MAX_CALLBACK_URL_LENGTH} characters`,
			),
		);
	}

	// With a JWT the user already consented through Khipu, so the deprecated
	// credential is ignored rather than checked, as Khipu announced.
	if (scheme === 'apiKey') {
		if (!facts.accountCredentialPresent) {
			return fail(missingField('RequestData.AccountCredential is required with API key authentication'));
		}
		const credentialError = checkCredential(credential);
		if (credentialError) return fail(credentialError);
	}

	return { facts, error: null };
}

module.exports = {
	MAX_ACCOUNT_NUMBER_LENGTH,
	MAX_CALLBACK_URL_LENGTH,
	checkAuth,
	parseJsonBody,
	validateBody,
};

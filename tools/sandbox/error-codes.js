'use strict';

// Descriptions here are fixed text or name a field; they never quote what the
// client sent, because a rejected value may be a credential.

function doNotRetry(code, description) {
	return { Code: code, Type: 'DO_NOT_RETRY', Description: description };
}

const AUTH_ERRORS = {
	missing: doNotRetry('A000', 'Missing authentication: send Authorization: Bearer <JWT> or x-api-key'),
	invalidJwt: doNotRetry('A000', 'JWT expired, revoked or invalid'),
	invalidApiKey: doNotRetry('A000', 'Invalid API key'),
	both: doNotRetry('P001', 'Send either Authorization: Bearer <JWT> or x-api-key, never both in the same request'),
};

/** Malformed request: headers, JSON syntax or the overall body shape. */
const malformed = (description) => doNotRetry('P001', description);
/** A required field is absent. */
const missingField = (description) => doNotRetry('P002', description);
/** A field is present but its value is not acceptable. */
const invalidField = (description) => doNotRetry('P003', description);

// A server-side failure says nothing about the request, so retrying is fair.
const GENERIC_SERVER_ERROR = { Code: 'E000', Type: 'RETRY_IMMEDIATELY', Description: 'Generic error' };

module.exports = { AUTH_ERRORS, malformed, missingField, invalidField, GENERIC_SERVER_ERROR };

'use strict';

const { randomUUID } = require('node:crypto');

const ASYNC_LIFESPAN_MS = 15 * 60 * 1000;
const ACCEPTED_INFORMATION = 'The result will be sent to the callback URL';

function newOperationId() {
	return randomUUID();
}

function buildEnvelope({
	operationId,
	status,
	data = null,
	additionalInformation = null,
	error = null,
	lifeSpan = null,
}) {
	return {
		OperationId: operationId,
		Status: status,
		Data: data,
		AdditionalInformation: additionalInformation,
		Error: error,
		LifeSpan: lifeSpan,
	};
}

function okEnvelope(operationId, data, additionalInformation = null) {
	return buildEnvelope({ operationId, status: 'OK', data, additionalInformation });
}

function errorEnvelope(operationId, error) {
	return buildEnvelope({ operationId, status: 'ERROR', error: { ...error } });
}

/** The immediate answer to a request that carries a CallbackUrl. */
function acceptedEnvelope(operationId, now, lifeSpanMs = ASYNC_LIFESPAN_MS) {
	return buildEnvelope({
		operationId,
		status: 'OK',
		additionalInformation: ACCEPTED_INFORMATION,
		lifeSpan: new Date(now.getTime() + lifeSpanMs).toISOString(),
	});
}

// Argentina has not observed daylight saving time since 2009, so a fixed
// -03:00 offset is correct all year; Khipu writes it without a colon.
const ARGENTINA_OFFSET_MS = -3 * 60 * 60 * 1000;

function formatArgentinaDateTime(date) {
	const local = new Date(date.getTime() + ARGENTINA_OFFSET_MS);
	const pad = (n) => String(n).padStart(2, '0');
	const day = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
	const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
	return `${day}T${time}-0300`;
}

/** Midnight of the Argentine calendar day that contains `date`. */
function startOfArgentinaDay(date) {
	const local = new Date(date.getTime() + ARGENTINA_OFFSET_MS);
	local.setUTCHours(0, 0, 0, 0);
	return new Date(local.getTime() - ARGENTINA_OFFSET_MS);
}

module.exports = {
	ACCEPTED_INFORMATION,
	ASYNC_LIFESPAN_MS,
	newOperationId,
	okEnvelope,
	errorEnvelope,
	acceptedEnvelope,
	formatArgentinaDateTime,
	startOfArgentinaDay,
};

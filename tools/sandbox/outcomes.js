'use strict';

const { okEnvelope, errorEnvelope } = require('./envelope');
const { hashedBalances, listedBalances, countedBalances } = require('./balances');

function balancesFor(result, accountNumber, count, now) {
	if (result.balances === 'hashed') return hashedBalances(accountNumber, now);
	if (result.balances === 'counted') return countedBalances(accountNumber, count, now);
	return listedBalances(accountNumber, result.balances, now);
}

function resultEnvelope(result, { accountNumber, count, operationId, now }) {
	if (result.status === 'ERROR') return errorEnvelope(operationId, result.error);
	const additionalInformation = result.additionalInformation ?? null;
	if ('data' in result) return okEnvelope(operationId, result.data, additionalInformation);
	return okEnvelope(operationId, { Balance: balancesFor(result, accountNumber, count, now) }, additionalInformation);
}

function httpFailure(http, operationId, envelope) {
	if (http.reset) return { reset: true };
	const headers = { ...(http.headers || {}) };
	if (http.truncate) return { status: http.status, headers, truncate: true, json: envelope };
	if (http.envelopeError) {
		return { status: http.status, headers, json: errorEnvelope(operationId, http.envelopeError) };
	}
	if (http.json) return { status: http.status, headers, json: http.json };
	if (http.text !== undefined) return { status: http.status, headers, text: http.text, contentType: http.contentType };
	return { status: http.status, headers, text: http.html, contentType: 'text/html; charset=utf-8' };
}

/**
 * Works out what one request gets. `attempt` counts requests for the same
 * account since the last reset, starting at 1.
 *
 * Returns either `{ httpFailure }`, answered as is whatever the mode, or
 * `{ envelope, delay, callbacks }`: the envelope a synchronous call returns and
 * an asynchronous one delivers.
 */
function planOutcome({ scenario, count, attempt, accountNumber, operationId, now }) {
	const http = attempt === 1 && scenario.firstHttp ? scenario.firstHttp : scenario.http;
	if (http) {
		// A truncated answer cuts off what would otherwise have been sent: the default envelope.
		const whole = http.truncate
			? resultEnvelope({ status: 'OK', balances: 'hashed' }, { accountNumber, count, operationId, now })
			: null;
		return { httpFailure: httpFailure(http, operationId, whole) };
	}
	const result = attempt === 1 && scenario.firstResult ? scenario.firstResult : scenario.result;
	return {
		envelope: resultEnvelope(result, { accountNumber, count, operationId, now }),
		delay: scenario.delay || null,
		callbacks: scenario.callbacks ?? 1,
	};
}

module.exports = { planOutcome };

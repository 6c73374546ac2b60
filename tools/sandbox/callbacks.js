'use strict';

const http = require('node:http');
const https = require('node:https');
const { redactUrl } = require('./redact');

const DELIVERY_TIMEOUT_MS = 10000;

/** POSTs the envelope once; resolves with `{ statusCode }` or `{ error }`, never rejects. */
function postJson(target, payload, track) {
	return new Promise((resolve) => {
		const url = new URL(target);
		const client = url.protocol === 'https:' ? https : http;
		const req = client.request(url, {
			method: 'POST',
			agent: false,
			rejectUnauthorized: false,
			timeout: DELIVERY_TIMEOUT_MS,
			headers: {
				'Content-Type': 'application/json',
				'Content-Length': Buffer.byteLength(payload),
				'User-Agent': 'khipu-sandbox',
			},
		});
		const done = (outcome) => {
			track.delete(req);
			resolve(outcome);
		};
		track.add(req);
		req.on('response', (res) => {
			res.on('error', () => done({ statusCode: res.statusCode }));
			res.on('end', () => done({ statusCode: res.statusCode }));
			res.resume();
		});
		// Only the error code is kept: messages can quote the target URL.
		req.on('error', (err) => done({ error: err.code || err.name || 'Error' }));
		req.on('timeout', () => req.destroy(Object.assign(new Error('delivery timed out'), { code: 'ETIMEDOUT' })));
		req.end(payload);
	});
}

/**
 * Delivers envelopes to callback URLs after a delay, the way Khipu pushes an
 * asynchronous result, and records each delivery attempt.
 */
function createCallbackDispatcher({ state, log }) {
	const timers = new Set();
	const outbound = new Set();
	let closed = false;

	const later = (delayMs, fn) => {
		const timer = setTimeout(() => {
			timers.delete(timer);
			fn();
		}, delayMs);
		timers.add(timer);
	};

	const cancelPending = () => {
		timers.forEach(clearTimeout);
		timers.clear();
	};
	state.onReset(cancelPending);

	/** Sends `envelope` to `url` `times` times in a row, the first after `delayMs`. */
	function schedule({ operationId, url, envelope, delayMs, times }) {
		if (closed || times < 1) return;
		const epoch = state.epoch();
		const payload = JSON.stringify(envelope);
		const shownUrl = redactUrl(url);

		const deliver = async (remaining) => {
			const started = Date.now();
			const outcome = await postJson(url, payload, outbound);
			const record = state.recordDelivery(epoch, {
				operationId,
				url: shownUrl,
				...outcome,
				durationMs: Date.now() - started,
				deliveredAt: new Date().toISOString(),
			});
			if (record) {
				log(`callback ${operationId} -> ${shownUrl} ${record.statusCode ?? record.error} (${record.durationMs} ms)`);
			}
			if (remaining > 1 && !closed && epoch === state.epoch()) later(0, () => deliver(remaining - 1));
		};
		later(delayMs, () => deliver(times));
	}

	function close() {
		closed = true;
		cancelPending();
		outbound.forEach((req) => req.destroy());
		outbound.clear();
	}

	return { schedule, close };
}

module.exports = { createCallbackDispatcher };

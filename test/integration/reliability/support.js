'use strict';
// Helpers for the reliability suite (issue 5), as one object `H`: bounded concurrency, raw HTTP, Khipu envelopes,
// trigger / pause workflow builders (from tools/workflows), the secret scanner and output capture.
const util = require('node:util');
const { setTimeout: sleep } = require('node:timers/promises');

const { triggerWorkflow, pauseWorkflow } = require('../../../tools/workflows/workflows');
const { outputJson } = require('../../../tools/n8n-client/executions');
const { postRaw } = require('../../../tools/n8n-client/http');
const { generator } = require('../../../tools/sandbox/balances');
const { makeToken } = require('../support/callbacks');
const { countSecret, scanSources, n8nFolderFiles } = require('../support/secrets');

/** Runs fn(0..count-1) with at most `concurrency` in flight; results keep index order. */
async function pool(count, concurrency, fn) {
	const results = new Array(count);
	let next = 0;
	let inFlight = 0;
	let maxInFlight = 0;
	const worker = async () => {
		while (next < count) {
			const index = next++;
			inFlight++;
			maxInFlight = Math.max(maxInFlight, inFlight);
			try {
				results[index] = await fn(index);
			} finally {
				inFlight--;
			}
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
	return Object.assign(results, { maxInFlight });
}

/** The sandbox's deterministic generator (mulberry32), so shuffles are the same on every run. */
const random = generator;

function shuffle(list, next) {
	const copy = [...list];
	for (let i = copy.length - 1; i > 0; i--) {
		const j = Math.floor(next() * (i + 1));
		[copy[i], copy[j]] = [copy[j], copy[i]];
	}
	return copy;
}

/** The envelope Khipu POSTs to a callback URL, as documented (and as the sandbox sends it). */
function okEnvelope(operationId, balances) {
	return {
		OperationId: operationId,
		Status: 'OK',
		Data: { Balance: balances },
		AdditionalInformation: null,
		Error: null,
		LifeSpan: null,
	};
}

function balance({
	accountId,
	type = 'InterimAvailable',
	indicator = 'Credit',
	amount,
	currency = 'ARS',
	dateTime = '2026-11-25T09:30:00-0300',
}) {
	return {
		AccountId: accountId,
		CreditDebitIndicator: indicator,
		DateTime: dateTime,
		Type: type,
		Amount: [{ Amount: amount, Currency: currency }],
	};
}

/** Records everything the test file itself prints (console and process streams) while it runs. */
function captureOutput() {
	const lines = [];
	const restore = [];
	for (const method of ['log', 'info', 'warn', 'error', 'debug']) {
		const original = console[method];
		console[method] = (...args) => {
			lines.push(util.format(...args));
			return original.apply(console, args);
		};
		restore.push(() => (console[method] = original));
	}
	for (const stream of [process.stdout, process.stderr]) {
		const original = stream.write;
		stream.write = function write(chunk, ...rest) {
			lines.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
			return original.call(this, chunk, ...rest);
		};
		restore.push(() => (stream.write = original));
	}
	return { text: () => lines.join('\n'), stop: () => restore.forEach((fn) => fn()) };
}

module.exports = {
	sleep,
	pool,
	random,
	shuffle,
	makeToken,
	postRaw,
	okEnvelope,
	balance,
	triggerWorkflow,
	pauseWorkflow,
	outputJson,
	countSecret,
	scanSources,
	captureOutput,
	n8nFolderFiles,
};

'use strict';
// Helpers for the reliability suite (issue 5): bounded concurrency, raw HTTP, Khipu envelopes,
// trigger / pause workflow builders, the secret scanner and output capture.
const crypto = require('node:crypto');
const util = require('node:util');

const { credentialRef, balancesWorkflow } = require('../support/stack');
const { triggerWorkflow, postRaw } = require('../support/callbacks');
const { countSecret, scanSources, n8nFolderFiles } = require('../support/secrets');
const { generator } = require('../../../tools/sandbox/balances');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

/** A URL-safe token of letters and digits. */
function makeToken(length = 40) {
	let out = '';
	while (out.length < length) out += crypto.randomBytes(length).toString('base64url').replace(/[-_]/g, '');
	return out.slice(0, length);
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

function balance({ accountId, type = 'InterimAvailable', indicator = 'Credit', amount, currency = 'ARS', dateTime = '2026-11-25T09:30:00-0300' }) {
	return { AccountId: accountId, CreditDebitIndicator: indicator, DateTime: dateTime, Type: type, Amount: [{ Amount: amount, Currency: currency }] };
}


/** balancesWorkflow() in pause mode, answering the caller at once (responseMode onReceived). */
function pauseWorkflow({ path: hookPath, credential, options = {}, nodeSettings = {}, name }) {
	const workflow = balancesWorkflow({
		path: hookPath,
		credential,
		name: name || `reliability pause ${hookPath}`,
		parameters: { delivery: 'resumeOnCallback', options },
		nodeSettings,
	});
	const webhook = workflow.nodes.find((node) => node.name === 'Webhook');
	webhook.parameters = { httpMethod: 'POST', path: hookPath, responseMode: 'onReceived', options: {} };
	return workflow;
}

/** The items a node produced in its last run, as plain JSON. */
function outputJson(execution, nodeName) {
	const runs = execution?.data?.resultData?.runData?.[nodeName];
	const run = runs ? runs[runs.length - 1] : undefined;
	return (run?.data?.main?.[0] ?? []).map((item) => item.json);
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
	credentialRef,
};

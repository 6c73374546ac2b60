'use strict';
// Helpers for the reliability suite (issue 5): bounded concurrency, raw HTTP, Khipu envelopes,
// trigger / pause workflow builders, the secret scanner, output capture and the figures writer.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');

const { credentialRef, balancesWorkflow } = require('../support/stack');
const { triggerWorkflow, postRaw } = require('../support/callbacks');
const { countSecret, scanSources, n8nFolderFiles } = require('../support/secrets');
const { generator } = require('../../../sandbox/balances');

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

const README_START = '<!-- reliability:start -->';
const README_END = '<!-- reliability:end -->';

function readmeSection(f) {
	const r = f.faults.retries || {};
	const ms = (list) => (list || []).map((n) => `${n}`).join(' / ');
	const rows = [
		['Khipu faults tried (scenarios / node runs)', `${f.faults.scenarios} / ${f.faults.runs} (sync, callback URL, pause; with and without Continue On Fail)`],
		['Retries, measured at the sandbox', `\`RETRY_IMMEDIATELY\`: ${r.maxRetries + 1} attempts, ${ms(r.retryImmediatelyGapsMs)} ms apart (Retry Delay ${r.retryDelayMs} ms, doubling); HTTP 429 \`Retry-After: 1\`: ${ms(r.retryAfter1sGapsMs)} ms apart; \`Retry-After: 120\` over the 60 s cap: 1 attempt`],
		['Timeout', `a 3 s answer with Timeout ${r.timeoutMs} ms failed after ${r.timeoutRunMs} ms, not retried`],
		['Bad inputs tried', `${f.badInputs.total} (${f.badInputs.nodeParameters} node parameters, ${f.badInputs.credentials} credential fields, ${f.badInputs.callbackBodies} callback bodies); requests that reached Khipu: ${f.badInputs.requestsReachingKhipu}, executions started: ${f.badInputs.executionsStarted}`],
		['Callbacks sent', `${f.callbacks.sent} (${f.callbacks.legitimate} legitimate, ${f.callbacks.duplicates} duplicates, ${f.callbacks.forged} forged or abusive)`],
		['Executions counted (load)', `${f.load.executionsCounted} for ${f.load.distinctOperationIds} OperationIds, each exactly once with the right amount`],
		['Duplicates rejected', `${f.callbacks.duplicatesRejected} of ${f.callbacks.duplicates}`],
		['Forged requests rejected', `${f.callbacks.forgedRejected} of ${f.callbacks.forged} (flood of ${f.abuse.floodRequests} at concurrency ${f.abuse.floodConcurrency} in ${(f.abuse.floodMs / 1000).toFixed(1)} s)`],
		['500-account run', `${f.load.accountOutputs} items in input order, Concurrency ${f.load.concurrencyOption} = ${f.load.maxInFlight} in flight at the sandbox`],
		['Secrets found', `${f.secrets.found} in ${(f.secrets.bytesScanned / 1e6).toFixed(1)} MB (JWT, API key, bank login and ${f.secrets.checked.find((c) => /callback tokens$/.test(c)) || 'the callback tokens'} of the Khipu Callback Token API credentials; ${f.secrets.executionsScanned} executions with data, every exported workflow, n8n's database, log and files, sandbox log and records, test output)`],
		['Duration', `${(f.durationMs / 1000).toFixed(0)} s`],
	];
	return [
		README_START,
		`The reliability suite (\`test/integration/reliability/\`, part of \`npm test\`) runs a real n8n ${f.n8nVersion} with this package`,
		'and the local Khipu sandbox, injects every Khipu fault the sandbox can produce, feeds bad input to the node, its',
		'credential and the trigger, floods the callback URL with forged requests, delivers 1,000 callbacks plus duplicates,',
		'and then scans everything n8n and the nodes produced for secrets. n8n saves every execution with its data',
		'(`EXECUTIONS_DATA_SAVE_ON_SUCCESS`/`_ON_ERROR=all`, pruning off) so each one can be counted and read back.',
		`Figures from the run of ${f.date.slice(0, 10)} (\`npm test\`, ${f.machine}):`,
		'',
		'| Figure | Value |',
		'|---|---|',
		...rows.map(([name, value]) => `| ${name} | ${value} |`),
		'',
		'Bad input fails before any request with a message naming the field; retries are bounded and back off; HTTP 429',
		'waits for `Retry-After` up to the cap; nothing hangs past its timeout; n8n logged no unhandled error. A callback',
		'that never comes in pause mode is covered by the pause suite (it waits out a 1-minute Wait Limit).',
		README_END,
	].join('\n');
}

/** Replaces the README section between the reliability markers; returns the new section. */
function rewriteReadme(readmeFile, figures) {
	const text = fs.readFileSync(readmeFile, 'utf8');
	const start = text.indexOf(README_START);
	const end = text.indexOf(README_END);
	if (start === -1 || end === -1 || end < start) throw new Error(`${readmeFile} has no reliability markers`);
	const section = readmeSection(figures);
	fs.writeFileSync(readmeFile, text.slice(0, start) + section + text.slice(end + README_END.length));
	return section;
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
	rewriteReadme,
	readmeSection,
	credentialRef,
	README_START,
	README_END,
};

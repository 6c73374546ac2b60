'use strict';
// Helpers for the routing suite (routing.test.js): issue 21's delivery shapes with a sender that delivers
// again what was not answered 200, the balancers' access logs read back (which processor served which
// account), and an MCP client whose requests can be aimed at chosen webhook processors.
const fs = require('node:fs');
const http = require('node:http');

const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { postRaw, pool, sleep } = require('../integration/reliability/support');
const { TRANSPORTS } = require('../integration/support/mcp');

/**
 * Issue 21's shapes. `deliver(i)` sends callback i once (again while it is not answered 200); each shape
 * says how many are in flight, which the documentation's tables repeat.
 */
const SHAPES = {
	simultaneous: {
		label: 'each callback sent twice at the same moment',
		concurrency: '10 pairs at a time',
		run: (n, deliver) => pool(n, 10, (i) => Promise.all([deliver(i), deliver(i)])),
	},
	repeat300ms: {
		label: 'each callback delivered again 300 ms after its first answer',
		concurrency: '50 pairs at a time',
		run: (n, deliver) =>
			pool(n, 50, async (i) => {
				await deliver(i);
				await sleep(300);
				await deliver(i);
			}),
	},
	repeat1to3s: {
		label: 'each callback delivered again 1-3 s after its first answer while new first deliveries arrive',
		concurrency: 'first deliveries 10 at a time, repeats on top',
		run: async (n, deliver) => {
			const repeats = [];
			await pool(n, 10, async (i) => {
				await deliver(i);
				repeats.push(sleep(1000 + Math.floor(Math.random() * 2000)).then(() => deliver(i)));
			});
			await Promise.all(repeats);
		},
	},
};

/**
 * POSTs `body` to `url` until it is answered 200 (at most `attempts` times, `retryDelayMs` apart), the way a
 * sender that retries would; every answer is appended to `answers` as {status, duplicate, answeredAt} (status names the error when the
 * connection failed).
 */
async function deliverUntil200(url, body, answers, { attempts = 8, retryDelayMs = 300 } = {}) {
	for (let attempt = 0; attempt < attempts; attempt++) {
		const r = await postRaw(url, body);
		answers.push({
			status: r.status || `no answer (${r.error})`,
			duplicate: !!(r.json && r.json.duplicate),
			answeredAt: Date.now(),
		});
		if (r.status === 200) return;
		await sleep(retryDelayMs);
	}
}

/**
 * The request lines of docs/QUEUE-MODE.md's log formats, in log order: nginx
 * `… "POST /path" account=A 200 upstream="host:port[, host:port]" …` and HAProxy
 * `… POST /path account=A 200 backend/server …`. `served` is who answered (nginx: the last address tried).
 */
function readAccessLog(file) {
	const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
	const lines = [];
	for (const line of text.split('\n')) {
		let m = /"(\w+) (\S+)" account=(\S*) (\d{3}) upstream="([^"]*)" upstream_status="[^"]*" [\d.]+$/.exec(line);
		if (m) {
			const tried = m[5].split(/,\s*/);
			lines.push({ method: m[1], path: m[2], account: m[3], status: Number(m[4]), served: tried.at(-1), tried });
			continue;
		}
		m = /\] (\w+) (\S+) account=(\S*) (\d{3}) (\S+)\/(\S+) \d+$/.exec(line);
		if (m)
			lines.push({
				method: m[1],
				path: m[2],
				account: m[3],
				status: Number(m[4]),
				served: m[6],
				tried: [m[6]],
				backend: m[5],
			});
	}
	return lines;
}

/** account -> its log lines, in order. */
function linesByAccount(lines) {
	const by = new Map();
	for (const line of lines) {
		if (!by.has(line.account)) by.set(line.account, []);
		by.get(line.account).push(line);
	}
	return by;
}

/**
 * An MCP client (the official SDK) whose every HTTP request goes to `route(index, method)`'s base URL
 * instead of `url`'s, so a test can open a session on one webhook processor and continue it on another.
 * Returns the client and the list of `METHOD base` it used.
 */
async function connectRouted(url, transport, { bearerToken, route }) {
	const used = [];
	let index = 0;
	const routedFetch = (target, init = {}) => {
		const original = new URL(String(target));
		const base = route(index++, init.method || 'GET');
		used.push(`${init.method || 'GET'} ${base}`);
		return fetch(new URL(original.pathname + original.search, base), init);
	};
	const client = new Client({ name: 'khipu-routing-test', version: '1.0.0' });
	await client.connect(
		new TRANSPORTS[transport].Transport(url, {
			requestInit: { headers: { Authorization: `Bearer ${bearerToken}` } },
			fetch: routedFetch,
		}),
	);
	return { client, used };
}

/**
 * Waits until every webhook processor answers an empty POST to `urlOf(baseUrl)` with `status` (the trigger's
 * own refusal): a first call can 404 until a processor has seen the activation.
 */
async function liveOnEveryProcessor(webhooks, urlOf, status) {
	for (const webhook of webhooks) {
		let last;
		for (let i = 0; (last = (await postRaw(urlOf(webhook.baseUrl), {})).status) !== status; i++) {
			if (i > 50) throw new Error(`not live on ${webhook.role}: HTTP ${last} after ${i} tries`);
			await sleep(200);
		}
	}
}

/** POST from a chosen loopback source address (127.0.0.0/8 is all local), with extra headers. */
function postFrom(localAddress, url, body, headers = {}) {
	return new Promise((resolve) => {
		const payload = JSON.stringify(body);
		const req = http.request(
			url,
			{
				method: 'POST',
				localAddress,
				headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
			},
			(res) => {
				res.resume();
				res.on('end', () => resolve(res.statusCode));
			},
		);
		req.on('error', () => resolve(0));
		req.end(payload);
	});
}

module.exports = {
	SHAPES,
	deliverUntil200,
	liveOnEveryProcessor,
	readAccessLog,
	linesByAccount,
	connectRouted,
	postFrom,
};

'use strict';
// Helpers for the callback suites (trigger.test.js, pause.test.js): startStack() plus a proxy that
// records the CallbackUrl each node sends, workflow builders for the trigger and for pause mode, raw
// HTTP to n8n, and execution counting through n8n's public API.
const crypto = require('node:crypto');
const http = require('node:http');

const { DEFAULT_JWT } = require('../../../tools/sandbox/server');
const { startStack, balancesWorkflow, credentialRef, TRIGGER_TYPE } = require('./stack');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A pass-through in front of the sandbox that keeps the JSON body of every balances request, so a
 * test can see the exact CallbackUrl a node gave Khipu (the sandbox itself only keeps it redacted).
 * Headers are forwarded but never recorded: they hold the credential.
 */
async function startRecordingProxy(targetUrl) {
	const target = new URL(targetUrl);
	const bodies = [];
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => {
			const payload = Buffer.concat(chunks);
			try {
				bodies.push(JSON.parse(payload.toString('utf8')));
			} catch {
				bodies.push(null);
			}
			const headers = { ...req.headers, host: target.host };
			const upstream = http.request(
				{ host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
				(answer) => {
					res.writeHead(answer.statusCode, answer.headers);
					answer.pipe(res);
				},
			);
			upstream.on('error', () => {
				if (!res.headersSent) res.writeHead(502);
				res.end();
			});
			upstream.end(payload);
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		bodies,
		close: () =>
			new Promise((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

/**
 * stack.js's startStack() plus a recording proxy in front of the sandbox and a JWT credential
 * (`credentials.jwtRecorded`) that reaches the sandbox through it.
 */
async function startCallbackStack(options = {}) {
	const stack = await startStack(options);
	let proxy;
	try {
		proxy = await startRecordingProxy(stack.sandbox.url);
		stack.credentials.jwtRecorded = await stack.client.createCredential({
			name: 'Khipu sandbox (JWT, recorded)',
			type: 'khipuApi',
			data: { authType: 'jwt', jwtToken: DEFAULT_JWT, baseUrl: proxy.url, allowedHttpRequestDomains: 'all' },
		});
	} catch (error) {
		if (proxy) await proxy.close();
		await stack.stop();
		throw error;
	}
	const stopStack = stack.stop;
	return {
		...stack,
		proxy,
		async stop() {
			await stopStack();
			await proxy.close();
		},
	};
}

/** A URL-safe token of the given length (letters and digits only). */
function makeToken(length = 32) {
	let out = '';
	while (out.length < length) out += crypto.randomBytes(length).toString('base64url').replace(/[-_]/g, '');
	return out.slice(0, length);
}

/**
 * The khipuCallbackApi credential holding `token`, created once per token and stack (the trigger
 * and the balances node that calls it share it, as a user would).
 */
async function callbackCredential(stack, token) {
	stack.callbackCredentials ||= new Map();
	if (!stack.callbackCredentials.has(token)) {
		stack.callbackCredentials.set(
			token,
			stack.client.createCredential({
				name: `Khipu callback token ${stack.callbackCredentials.size + 1}`,
				type: 'khipuCallbackApi',
				data: { token },
			}),
		);
	}
	return stack.callbackCredentials.get(token);
}

/**
 * A workflow made of one Khipu Santander AR Trigger whose credential holds `token`; `url` is its
 * Production URL (without the token), `credential` the khipuCallbackApi credential.
 */
async function triggerWorkflow(stack, { token, statuses = 'both', ipAllowlist = '', options = {}, name } = {}) {
	const credential = await callbackCredential(stack, token);
	const webhookId = crypto.randomUUID();
	const workflow = {
		name: name || `khipu trigger ${webhookId.slice(0, 8)}`,
		nodes: [
			{
				id: crypto.randomUUID(),
				name: 'Khipu Trigger',
				type: TRIGGER_TYPE,
				typeVersion: 1,
				position: [0, 0],
				webhookId,
				parameters: { statuses, ipAllowlist, options },
				credentials: credentialRef(credential, 'khipuCallbackApi'),
			},
		],
		connections: {},
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
	};
	return { workflow, credential, url: `${stack.n8n.baseUrl}/webhook/${webhookId}/khipu` };
}

/**
 * balancesWorkflow() from stack.js, answering as soon as the Webhook is called (responseMode
 * onReceived), as pause mode needs: the execution then waits for Khipu while the caller moves on.
 */
function pauseWorkflow({ path: hookPath, credential, options = {}, name }) {
	const workflow = balancesWorkflow({
		path: hookPath,
		credential,
		name: name || `pause ${hookPath}`,
		parameters: { delivery: 'resumeOnCallback', options },
	});
	const webhook = workflow.nodes.find((node) => node.name === 'Webhook');
	webhook.parameters = { httpMethod: 'POST', path: hookPath, responseMode: 'onReceived', options: {} };
	return workflow;
}

/** Plain fetch; objects are sent as JSON, strings and buffers as they are. A network failure is status 0. */
async function postRaw(url, body, { headers = {}, contentType = 'application/json', timeoutMs = 30_000 } = {}) {
	const payload = body === undefined || typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
	const h = { ...headers };
	if (contentType) h['content-type'] = contentType;
	let res;
	try {
		res = await fetch(url, { method: 'POST', headers: h, body: payload, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
	} catch (error) {
		return { status: 0, headers: {}, text: '', json: undefined, error: error.code || error.name };
	}
	const text = await res.text();
	let json;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.status, headers: Object.fromEntries(res.headers.entries()), text, json };
}

/** Every execution of the workflow as n8n's public API lists it (all statuses), oldest first. */
async function executionsOf(client, workflowId, { includeData = false } = {}) {
	const all = await client.listExecutions({ workflowId, includeData });
	return all.sort((a, b) => Number(a.id) - Number(b.id));
}

/**
 * Waits until `count` executions exist, then keeps watching for `settleMs` so a late extra one is
 * seen too; returns them all (oldest first). Use it to assert an exact count.
 */
async function settledExecutions(client, workflowId, { count = 0, timeoutMs = 20_000, settleMs = 1500, includeData = false } = {}) {
	if (count > 0) await client.waitForExecutions({ workflowId, count, timeoutMs });
	await sleep(settleMs);
	const until = Date.now() + timeoutMs;
	for (;;) {
		const all = await executionsOf(client, workflowId, { includeData });
		if (all.every((e) => e.status !== 'new' && e.status !== 'running') || Date.now() > until) return all;
		await sleep(200);
	}
}

/** Polls one execution until `predicate(execution)` holds; returns it with data. */
async function waitForExecution(client, id, predicate, { timeoutMs = 20_000, intervalMs = 250 } = {}) {
	const until = Date.now() + timeoutMs;
	let last;
	for (;;) {
		last = await client.getExecution(id, { includeData: true });
		if (predicate(last)) return last;
		if (Date.now() > until) {
			throw new Error(`execution ${id} did not reach the expected state within ${timeoutMs} ms (status ${last && last.status})`);
		}
		await sleep(intervalMs);
	}
}

/** The items a node produced in its last run, as plain JSON. */
function outputJson(execution, nodeName) {
	const runs = execution?.data?.resultData?.runData?.[nodeName];
	const run = runs ? runs[runs.length - 1] : undefined;
	return (run?.data?.main?.[0] ?? []).map((item) => item.json);
}

function without(object, keys) {
	const copy = { ...object };
	for (const key of keys) delete copy[key];
	return copy;
}

module.exports = {
	startCallbackStack,
	makeToken,
	callbackCredential,
	triggerWorkflow,
	pauseWorkflow,
	postRaw,
	executionsOf,
	settledExecutions,
	waitForExecution,
	outputJson,
	without,
	credentialRef,
	sleep,
};

'use strict';
// Helpers for the callback suites (trigger.test.js, pause.test.js): a real n8n plus the sandbox with
// a JWT credential, workflow builders for the trigger and for pause mode, raw HTTP to n8n, and
// execution counting through n8n's public API.
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { REPO_ROOT, DEFAULT_RUNTIME } = require('../../../scripts/lib/paths');
const { assertBuilt, installPackageInto } = require('../../../scripts/lib/pack');
const { isRuntimeReady } = require('../../../scripts/lib/runtime');
const { startN8n, n8nClient } = require('../../../scripts/lib/n8n');
const { startSandbox, DEFAULT_JWT } = require('../../../sandbox/server');
const { balancesWorkflow, credentialRef, TRIGGER_TYPE } = require('./stack');

const RUNTIME = process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function ensureBuilt() {
	try {
		assertBuilt(REPO_ROOT);
	} catch {
		const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, encoding: 'utf8' });
		if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
		assertBuilt(REPO_ROOT);
	}
}

function ensureRuntime() {
	if (isRuntimeReady(RUNTIME)) return;
	const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'install-runtime.js'), '--runtime', RUNTIME], {
		cwd: REPO_ROOT,
		stdio: 'inherit',
	});
	if (r.status !== 0) throw new Error('install-runtime.js failed');
}

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
 * Same shape as stack.js's startStack(), with only the JWT credential. n8n 2.8.4's public API
 * validates credential data against a JSON schema in which an absent `allowedHttpRequestDomains`
 * satisfies the `if` of its if/then rule and so demands `allowedDomains`; sending "all" avoids it.
 */
async function startCallbackStack({ sandbox: sandboxOptions = {}, n8nEnv = {} } = {}) {
	ensureBuilt();
	ensureRuntime();
	const sandbox = await startSandbox({ callbackDelayMs: 20, slowMs: 3000, ...sandboxOptions });
	const proxy = await startRecordingProxy(sandbox.url);
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-cb-'));
	let n8n;
	try {
		installPackageInto(userFolder);
		n8n = await startN8n({ runtime: RUNTIME, userFolder, env: n8nEnv });
	} catch (error) {
		await proxy.close();
		await sandbox.close();
		fs.rmSync(userFolder, { recursive: true, force: true });
		throw error;
	}
	const stop = async () => {
		await n8n.stop();
		await proxy.close();
		await sandbox.close();
		if (!process.env.KHIPU_KEEP_N8N) fs.rmSync(userFolder, { recursive: true, force: true });
	};
	try {
		const client = await n8nClient(n8n);
		await client.setupOwner();
		await client.createApiKey();
		const jwt = await client.createCredential({
			name: 'Khipu sandbox (JWT)',
			type: 'khipuApi',
			data: { authType: 'jwt', jwtToken: DEFAULT_JWT, baseUrl: sandbox.url, allowedHttpRequestDomains: 'all' },
		});
		// Same sandbox, reached through the recording proxy.
		const jwtRecorded = await client.createCredential({
			name: 'Khipu sandbox (JWT, recorded)',
			type: 'khipuApi',
			data: { authType: 'jwt', jwtToken: DEFAULT_JWT, baseUrl: proxy.url, allowedHttpRequestDomains: 'all' },
		});
		let counter = 0;
		return {
			sandbox,
			proxy,
			n8n,
			client,
			credentials: { jwt, jwtRecorded },
			uniquePath: (prefix) => `${prefix}-${process.pid}-${++counter}-${crypto.randomBytes(3).toString('hex')}`,
			stop,
			n8nLog: () => (fs.existsSync(n8n.logFile) ? fs.readFileSync(n8n.logFile, 'utf8') : ''),
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

/** A URL-safe token of the given length (letters and digits only). */
function makeToken(length = 32) {
	let out = '';
	while (out.length < length) out += crypto.randomBytes(length).toString('base64url').replace(/[-_]/g, '');
	return out.slice(0, length);
}

/** A workflow made of one Khipu Santander AR Trigger; `url` is its Production URL (without the token). */
function triggerWorkflow(stack, { token, statuses = 'both', ipAllowlist = '', options = {}, name } = {}) {
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
				parameters: { callbackToken: token, statuses, ipAllowlist, options },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
	};
	return { workflow, url: `${stack.n8n.baseUrl}/webhook/${webhookId}/khipu` };
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

/** Plain fetch; objects are sent as JSON, strings and buffers as they are. */
async function postRaw(url, body, { headers = {}, contentType = 'application/json' } = {}) {
	const payload = body === undefined || typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
	const h = { ...headers };
	if (contentType) h['content-type'] = contentType;
	const res = await fetch(url, { method: 'POST', headers: h, body: payload, redirect: 'manual' });
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

/** Polls the sandbox until `count` callback deliveries were recorded. */
async function waitForDeliveries(sandbox, count, timeoutMs = 20_000) {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const deliveries = sandbox.state.callbacks();
		if (deliveries.length >= count) return deliveries;
		if (Date.now() > until) throw new Error(`expected ${count} callback deliveries, saw ${deliveries.length}`);
		await sleep(100);
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
	triggerWorkflow,
	pauseWorkflow,
	postRaw,
	executionsOf,
	settledExecutions,
	waitForExecution,
	waitForDeliveries,
	outputJson,
	without,
	credentialRef,
	sleep,
};

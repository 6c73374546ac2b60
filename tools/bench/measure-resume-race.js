#!/usr/bin/env node
'use strict';
// `npm run measure:race [-- --n8n 2.41] [--runs 20]`: how long after the node's request reaches Khipu
// n8n still refuses a correct callback to the pause mode's resume URL with 409 ("running already"),
// because its end-of-run save has not yet stored the execution as waiting.
//
// For each run, a pause workflow is started for a fresh account; the sandbox records when the node's
// request arrived and never calls back itself. The script then posts the correct callback to the resume
// URL the node sent (seen through the recording proxy) every few milliseconds until n8n accepts it.
// A 409 changes nothing in n8n (waiting-webhooks refuses before touching the execution), so the first
// accepted call resumes the execution exactly once; the run checks that it ended "success".
//   window = (send time of the first accepted call) - (arrival of the node's request at the sandbox)
//   lastRefused = (send time of the last refused call) - (same arrival); the true edge lies in between.
// Runs idle, then under load: 20 concurrent synchronous balance requests through n8n the whole time
// (the reliability suite's concurrency), on one n8n. Writes artifacts/resume-race-<runtime>.json.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');

const { REPO_ROOT } = require('../lib/repo');
const { DEFAULT_RUNTIME } = require('../runtime/paths');
const { runtimeForN8n } = require('../runtime/runtimes');
const { startStack } = require('../stack/stack');
const { startRecordingProxy } = require('../stack/recording-proxy');
const { runningN8nVersion } = require('../n8n-client/client');
const { isFinished, waitForExecution } = require('../n8n-client/executions');
const { postRaw } = require('../n8n-client/http');
const { jwtCredential } = require('../workflows/credentials');
const { balancesWorkflow, pauseWorkflow, deployWorkflow, uniquePath } = require('../workflows/workflows');
const { DEFAULT_JWT } = require('../sandbox/server');
const { okEnvelope } = require('../sandbox/envelope');
const { hashedBalances } = require('../sandbox/balances');

function parseArgs(argv) {
	const opts = { runtime: process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME, runs: 20, loadConcurrency: 20, pollMs: 5 };
	for (let i = 0; i < argv.length; i++) {
		const [flag, inline] = argv[i].split(/=(.*)/s);
		const value = () => (inline !== undefined ? inline : argv[++i]);
		if (flag === '--n8n') opts.runtime = runtimeForN8n(value());
		else if (flag === '--runtime') opts.runtime = value();
		else if (flag === '--runs') opts.runs = Number(value());
		else if (flag === '--load-concurrency') opts.loadConcurrency = Number(value());
		else
			throw new Error(
				`unknown argument: ${argv[i]} (--n8n 2.8|2.41, --runtime <dir>, --runs <n>, --load-concurrency <n>)`,
			);
	}
	if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error('--runs must be a whole number >= 1');
	return opts;
}

const opts = parseArgs(process.argv.slice(2));
const NO_CALLBACK_MS = 10 * 60 * 1000; // the sandbox's longest delay: it never calls back during a run

function stats(values) {
	const sorted = [...values].sort((a, b) => a - b);
	const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
	const median =
		sorted.length % 2
			? sorted[(sorted.length - 1) / 2]
			: (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
	return { runs: sorted.length, minMs: sorted[0], medianMs: median, p90Ms: at(0.9), maxMs: sorted[sorted.length - 1] };
}

async function oneRun(stack, workflow, hookPath, account) {
	stack.sandbox.state.reset();
	await stack.client.callWebhook(hookPath, { accounts: [{ accountNumber: account }] });
	let request;
	let body;
	for (const until = Date.now() + 30_000; !(request && body); await sleep(1)) {
		if (Date.now() > until) throw new Error(`the node's request for ${account} never reached the sandbox`);
		request = stack.sandbox.state.requests().find((r) => r.accountNumber === account && r.operationId);
		body = stack.proxy.bodies.find((b) => b && b.RequestData && b.RequestData.AccountNumber === account);
	}
	const arrivedAt = Date.parse(request.receivedAt);
	const url = body.CallbackUrl;
	const executionId = new URL(url).pathname.split('/')[2];
	const envelope = okEnvelope(request.operationId, { Balance: hashedBalances(account, new Date()) });
	let refused = 0;
	let lastRefusedAt = null;
	for (const until = Date.now() + 60_000; ; ) {
		const sentAt = Date.now();
		const answer = await postRaw(url, envelope);
		if (answer.status === 200) {
			const execution = await waitForExecution(stack.client, executionId, isFinished);
			if (execution.status !== 'success') throw new Error(`execution ${executionId} ended ${execution.status}`);
			return {
				windowMs: sentAt - arrivedAt,
				lastRefusedMs: lastRefusedAt === null ? null : lastRefusedAt - arrivedAt,
				refused,
			};
		}
		if (answer.status !== 409) throw new Error(`resume call answered ${answer.status}: ${answer.text.slice(0, 300)}`);
		refused += 1;
		lastRefusedAt = sentAt;
		if (Date.now() > until) throw new Error(`execution ${executionId} refused the callback for 60 s`);
		await sleep(opts.pollMs);
	}
}

/** 20 workers calling a synchronous balances workflow until stopped; returns stop() -> calls made. */
function startLoad(stack, hookPath) {
	let running = true;
	let calls = 0;
	let failures = 0;
	const worker = async (w) => {
		for (let i = 0; running; i++) {
			try {
				await stack.client.callWebhook(hookPath, {
					accounts: [{ accountNumber: `77${String(w).padStart(2, '0')}${String(i % 1e6).padStart(6, '0')}` }],
				});
				calls += 1;
			} catch {
				failures += 1;
			}
		}
	};
	const workers = Array.from({ length: opts.loadConcurrency }, (_, w) => worker(w));
	return async () => {
		running = false;
		await Promise.all(workers);
		return { calls, failures };
	};
}

async function measure(stack, workflow, hookPath, label, prefix) {
	const runs = [];
	for (let i = 0; i < opts.runs; i++) {
		const r = await oneRun(stack, workflow, hookPath, `${prefix}${String(i).padStart(6, '0')}`);
		runs.push(r);
		process.stdout.write(
			`  ${label} run ${i + 1}/${opts.runs}: accepted ${r.windowMs} ms after the request, ${r.refused} refused before\n`,
		);
	}
	return {
		window: stats(runs.map((r) => r.windowMs)),
		lastRefused: stats(runs.map((r) => r.lastRefusedMs).filter((v) => v !== null)),
		runsRefusedAtLeastOnce: runs.filter((r) => r.refused > 0).length,
		runs,
	};
}

async function main() {
	const started = Date.now();
	process.stdout.write(`=== resume race on runtime/${opts.runtime}: ${opts.runs} runs idle, ${opts.runs} under load\n`);
	const stack = await startStack({
		mode: 'single',
		runtime: opts.runtime,
		sandbox: { callbackDelayMs: NO_CALLBACK_MS },
	});
	try {
		// the node's CallbackUrl is seen through a recording proxy in front of the sandbox
		stack.proxy = await startRecordingProxy(stack.sandbox.url);
		const recorded = await jwtCredential(stack.client, {
			name: 'Khipu sandbox (JWT, recorded)',
			jwt: DEFAULT_JWT,
			baseUrl: stack.proxy.url,
		});
		const direct = await jwtCredential(stack.client, {
			name: 'Khipu sandbox (JWT)',
			jwt: DEFAULT_JWT,
			baseUrl: stack.sandbox.url,
		});
		const version = await runningN8nVersion(stack.client);
		const pausePath = uniquePath('race');
		const pause = await deployWorkflow(stack, pauseWorkflow({ path: pausePath, credential: recorded }));
		const loadPath = uniquePath('race-load');
		await deployWorkflow(stack, balancesWorkflow({ path: loadPath, credential: direct }));

		await oneRun(stack, pause, pausePath, '5500000000'); // warm-up, not counted
		const idle = await measure(stack, pause, pausePath, 'idle', '55');
		const stopLoad = startLoad(stack, loadPath);
		await sleep(2000); // let the load reach its steady state
		let underLoad;
		let load;
		try {
			underLoad = await measure(stack, pause, pausePath, 'load', '56');
		} finally {
			load = await stopLoad();
		}
		const artifact = {
			kind: 'khipu-resume-race',
			measuredAt: new Date().toISOString(),
			runtime: opts.runtime,
			n8n: version,
			node: process.version,
			host: { cpus: os.cpus().length, loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100) },
			method: 'see the header of tools/bench/measure-resume-race.js',
			pollMs: opts.pollMs,
			idle,
			underLoad: {
				...underLoad,
				load: { concurrency: opts.loadConcurrency, synchronousCalls: load.calls, failedCalls: load.failures },
			},
			totalMs: Date.now() - started,
		};
		const out = path.join(REPO_ROOT, 'artifacts', `resume-race-${opts.runtime}.json`);
		fs.mkdirSync(path.dirname(out), { recursive: true });
		fs.writeFileSync(out, JSON.stringify(artifact, null, 2) + '\n');
		const line = (name, m) =>
			`  ${name.padEnd(6)} window median ${m.window.medianMs} ms, max ${m.window.maxMs} ms (last refusal: median ${m.lastRefused.medianMs ?? '-'} ms, max ${m.lastRefused.maxMs ?? '-'} ms; ${m.runsRefusedAtLeastOnce}/${m.window.runs} runs refused at least once)`;
		process.stdout.write(
			`\n=== n8n ${version}\n${line('idle', idle)}\n${line('load', underLoad)}\n  load: ${load.calls} synchronous calls, ${load.failures} failed\n  ${path.relative(REPO_ROOT, out)}\n`,
		);
	} finally {
		if (stack.proxy) await stack.proxy.close();
		await stack.stop();
	}
}

main().then(
	() => process.exit(0),
	(err) => {
		process.stderr.write(`measure-resume-race: ${err.stack || err.message}\n`);
		process.exit(1);
	},
);

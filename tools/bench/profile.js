#!/usr/bin/env node
'use strict';
// Where does n8n spend its time in one bench scenario? Starts the bench stack with a V8 CPU profiler in
// n8n (tools/bench/lib/profile-preload.js, switched on only for the measured window), runs the scenario and
// prints self time by package / function and the time under the frames that matter here.
//   node tools/bench/profile.js call   <khipu|khipuSimplified|http|httpCred|webhook> [--n=300] [--account=BIG-10000]
//   node tools/bench/profile.js fanout <khipu|http|httpBatch0>                         [--n=200] [--reps=3]
//   node tools/bench/profile.js intake <trigger|webhook>                               [--n=600]
// Options: --n8n=<2.8|2.41|newest> profiles that pinned runtime (default 2.8, as `npm run bench`);
// --pkg=<dir> installs a prepared package dir (e.g. a patched build) instead of the current source;
// --env=NAME=value sets n8n's environment (repeatable, e.g. --env=N8N_EXPRESSION_ENGINE=legacy);
// --out=<dir> keeps the .cpuprofile there (open it in Chrome DevTools or speedscope).
const crypto = require('node:crypto');
const events = require('node:events');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { setTimeout: sleep } = require('node:timers/promises');
const { postJson } = require('../n8n-client/http');
const { callbackCredential } = require('../workflows/credentials');
const { startBenchStack } = require('./lib/stack');
const { runtimeForN8n } = require('../runtime/runtimes');
const { singleCallWorkflow, fanOutWorkflow, intakeWorkflow } = require('./lib/workflows');
const { callbackBodies } = require('./lib/intake');
const { summarize } = require('./lib/cpuprofile');

const PATTERNS = [
	'n8n-nodes-khipu-santander-ar/',
	'executeBalances',
	'postBalances',
	'intakeCallback',
	'httpRequestWithAuthentication',
	'getCredentials',
	'getDecrypted',
	'authenticate',
	'proxyRequestToAxios',
	'HttpRequestV3',
	'webhook n8n-nodes-base',
	'getNodeParameter',
	'executeWebhook',
	'runNode',
	'simplifyBalances',
	'envelopeToItems',
	'(garbage collector)',
];

function parse(argv) {
	const [scenario, variant, ...rest] = argv;
	const o = { scenario, variant };
	o.env = {};
	for (const a of rest) {
		const m = /^--(\w+)=(.*)$/.exec(a);
		if (!m) throw new Error(`bad option ${a}`);
		if (m[1] === 'env') {
			const [name, ...value] = m[2].split('=');
			if (!value.length || name === 'NODE_OPTIONS') throw new Error(`--env needs NAME=value, not NODE_OPTIONS: ${a}`);
			o.env[name] = value.join('=');
		} else o[m[1]] = m[2];
	}
	const ok = {
		call: ['khipu', 'khipuSimplified', 'http', 'httpCred', 'webhook'],
		fanout: ['khipu', 'http', 'httpBatch0'],
		intake: ['trigger', 'webhook'],
	};
	if (!ok[scenario] || !ok[scenario].includes(variant)) {
		throw new Error(
			`usage: node tools/bench/profile.js <${Object.keys(ok).join('|')}> <variant> (call: ${ok.call}; fanout: ${ok.fanout}; intake: ${ok.intake})`,
		);
	}
	return o;
}

async function deploy(stack, workflow) {
	const created = await stack.client.createWorkflow(workflow);
	await stack.client.activateWorkflow(created.id);
	await sleep(1000); // the first call right after activation can 404
	return created;
}

async function main() {
	const o = parse(process.argv.slice(2));
	events.setMaxListeners(5000);
	const dir = o.out ? path.resolve(o.out) : fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-profile-'));
	fs.mkdirSync(dir, { recursive: true });
	const stack = await startBenchStack({
		runtime: runtimeForN8n(o.n8n || 'default'),
		pkgDir: o.pkg && path.resolve(o.pkg),
		n8nEnv: {
			...o.env,
			NODE_OPTIONS: `--require ${path.join(__dirname, 'lib', 'profile-preload.js')}`,
			KHIPU_PROFILE_DIR: dir,
		},
		log: (m) => process.stderr.write(`${m}\n`),
	});
	const toggle = async () => {
		process.kill(stack.n8nPid, 'SIGUSR2');
		await sleep(300);
	};
	let units = 0;
	let unitName = '';
	let windowMs = 0;
	const cpu0 = { v: 0 };
	const measure = async (fn) => {
		await toggle();
		cpu0.v = stack.cpuMs();
		const t = Date.now();
		await fn();
		windowMs = Date.now() - t;
		cpu0.v = stack.cpuMs() - cpu0.v;
		await toggle();
		await sleep(1500); // the profile is written
	};
	try {
		if (o.scenario === 'call') {
			const n = Number(o.n || 300);
			const p = stack.uniquePath('prof');
			const kind = o.variant === 'khipuSimplified' ? 'khipu' : o.variant;
			await deploy(
				stack,
				singleCallWorkflow({ kind, path: p, stack, options: o.variant === 'khipu' ? { output: 'raw' } : {} }),
			);
			const url = `${stack.n8n.baseUrl}/webhook/${p}`;
			const accountNumber = o.account || '000011887755';
			for (let i = 0; i < Math.min(20, n); i++) await postJson(stack.agent, url, { accountNumber });
			await measure(async () => {
				for (let i = 0; i < n; i++) await postJson(stack.agent, url, { accountNumber }, { timeoutMs: 300_000 });
			});
			units = n;
			unitName = 'call';
		} else if (o.scenario === 'fanout') {
			const n = Number(o.n || 200);
			const reps = Number(o.reps || 3);
			const p = stack.uniquePath('prof');
			const kind = o.variant === 'khipu' ? 'khipu' : 'http';
			const batching = { batchSize: 20, batchInterval: o.variant === 'httpBatch0' ? 0 : 200 };
			await deploy(
				stack,
				fanOutWorkflow({ kind, path: p, stack, options: { concurrency: 20, output: 'raw' }, batching }),
			);
			const url = `${stack.n8n.baseUrl}/webhook/${p}`;
			const accounts = Array.from({ length: n }, (_, i) => ({ accountNumber: `7${String(i).padStart(9, '0')}` }));
			await postJson(stack.agent, url, { accounts: accounts.slice(0, 5) });
			stack.sandbox.state.configure({ latencyMs: 200 });
			await measure(async () => {
				for (let r = 0; r < reps; r++) await postJson(stack.agent, url, { accounts }, { timeoutMs: 300_000 });
			});
			units = n * reps;
			unitName = 'account';
		} else {
			const n = Number(o.n || 600);
			const token = crypto.randomBytes(24).toString('base64url');
			const wf = intakeWorkflow({
				kind: o.variant,
				path: stack.uniquePath('prof'),
				credential: await callbackCredential(stack, token),
			});
			await deploy(stack, wf);
			const url = `${stack.n8n.baseUrl}/webhook/${wf.path}?token=${token}`;
			for (const b of callbackBodies(30)) await postJson(stack.agent, url, b);
			await sleep(1500);
			const bodies = callbackBodies(n);
			await measure(async () => {
				let next = 0;
				await Promise.all(
					Array.from({ length: 20 }, async () => {
						while (next < bodies.length) await postJson(stack.agent, url, bodies[next++]);
					}),
				);
				await sleep(2000); // let the executions finish inside the window
			});
			units = n;
			unitName = 'callback';
		}
	} finally {
		await stack.stop();
	}
	const file = fs
		.readdirSync(dir)
		.filter((f) => f.endsWith('.cpuprofile'))
		.map((f) => path.join(dir, f))
		.sort()
		.pop();
	if (!file) throw new Error(`no profile written in ${dir}`);
	const s = summarize(JSON.parse(fs.readFileSync(file, 'utf8')), PATTERNS, 25);
	const per = (ms) => `${(ms / units).toFixed(3)} ms/${unitName}`;
	const out = [];
	out.push(
		`${o.scenario} ${o.variant}: ${units} ${unitName}s in ${windowMs} ms; n8n CPU (all threads) ${cpu0.v.toFixed(0)} ms = ${per(cpu0.v)}`,
	);
	out.push(`main thread sampled ${s.totalMs} ms, busy ${s.busyMs} ms = ${per(s.busyMs)}`);
	out.push('', 'self time by package:');
	for (const [k, v] of s.packages) out.push(`  ${String(v).padStart(9)} ms  ${per(v).padStart(20)}  ${k}`);
	out.push('', 'top functions (self):');
	for (const [k, v] of s.functions) out.push(`  ${String(v).padStart(9)} ms  ${k}`);
	out.push('', 'time with the frame on the (synchronous) stack:');
	for (const [k, v] of s.inclusive) out.push(`  ${String(v).padStart(9)} ms  ${per(v).padStart(20)}  ${k}`);
	out.push('', `profile: ${file}`);
	process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((e) => {
	process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
	process.exit(1);
});

#!/usr/bin/env node
'use strict';
// `npm run bench`: this package's nodes side by side with n8n's own (HTTP Request, Webhook) in one real
// n8n 2.8.4 with the Khipu sandbox, all on 127.0.0.1. Prints a Markdown table and writes
// tools/bench/results/latest.json; `npm run readme:figures` then puts it into docs/PERFORMANCE.md.
//   --quick            small N everywhere (for working on the bench); writes nothing in the repo
//   --only=a,b         overhead, fanout, intake, payload, weight
//   --no-write         print only
const events = require('node:events');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { REPO_ROOT } = require('../lib/repo');
const { startBenchStack } = require('./lib/stack');
const { runOverhead } = require('./lib/overhead');
const { runFanOut } = require('./lib/fanout');
const { runIntake, runIntakeMemory } = require('./lib/intake');
const { runPayload, runInProcess } = require('./lib/payload');
const { runWeight } = require('./lib/weight');
const { markdown } = require('../figures/bench');

const PROFILES = {
	full: {
		overhead: { calls: 220, warmup: 20 },
		fanout: { concurrency: 20, latencyMs: 200, sizes: [{ n: 50, reps: 7 }, { n: 200, reps: 5 }, { n: 1000, reps: 3 }] },
		intake: { requests: 400, concurrency: 20, rounds: 5, warmup: 40 },
		intakeMemory: { requests: 150, concurrency: 20, rounds: 6 },
		payload: { sizes: [10, 1000, 10000], reps: 7, inProcessReps: 15 },
		weight: { loads: 11 },
		hardLimitMinutes: 20,
	},
	quick: {
		overhead: { calls: 20, warmup: 3 },
		fanout: { concurrency: 10, latencyMs: 50, sizes: [{ n: 20, reps: 2 }, { n: 50, reps: 2 }] },
		intake: { requests: 60, concurrency: 10, rounds: 2, warmup: 5 },
		intakeMemory: { requests: 40, concurrency: 10, rounds: 2 },
		payload: { sizes: [10, 1000], reps: 2, inProcessReps: 3 },
		weight: { loads: 3 },
		hardLimitMinutes: 10,
	},
};
const SECTIONS = ['overhead', 'fanout', 'intake', 'intakeMemory', 'payload', 'weight'];

function parseArgs(argv) {
	const args = { quick: false, only: SECTIONS, write: true };
	for (const a of argv) {
		if (a === '--quick') args.quick = true;
		else if (a === '--no-write') args.write = false;
		else if (a.startsWith('--only=')) args.only = a.slice(7).split(',').filter(Boolean);
		else throw new Error(`unknown argument ${a} (use --quick, --only=${SECTIONS.join(',')}, --no-write)`);
	}
	for (const s of args.only) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s}`);
	return args;
}

function otherN8nProcesses(ownPid) {
	let count = 0;
	for (const name of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(name) || Number(name) === ownPid) continue;
		try {
			const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
			if (cmd.some((a) => a.endsWith('/.bin/n8n')) && cmd.includes('start')) count++;
		} catch {
			/* gone */
		}
	}
	return count;
}

function machine(stack) {
	const cpus = os.cpus();
	let n8nVersion = '?';
	try {
		n8nVersion = require(path.join(stack.runtimeDir, 'node_modules', 'n8n', 'package.json')).version;
	} catch {
		/* unknown */
	}
	return {
		cpus: cpus.length,
		cpuModel: cpus[0] ? cpus[0].model.trim() : 'unknown',
		memoryGb: Math.round(os.totalmem() / 2 ** 30),
		os: `${os.type()} ${os.release()} ${os.arch()}`,
		node: process.versions.node,
		n8n: n8nVersion,
	};
}

const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const profile = PROFILES[args.quick ? 'quick' : 'full'];
	const started = Date.now();
	const log = (m) => process.stderr.write(`[bench ${Math.round((Date.now() - started) / 1000)}s] ${m}\n`);
	const loadStart = load1();
	// the sandbox waits out its latency with one abort listener per request in flight (1,000 for the
	// HTTP Request node at batch interval 0); that is expected here, not a leak
	events.setMaxListeners(5000);

	let stack;
	let stopping = false;
	const stop = async (code, why) => {
		if (stopping) return;
		stopping = true;
		if (why) log(why);
		if (stack) await stack.stop();
		process.exit(code);
	};
	// bounded: the bench stops itself whatever happens
	const hardLimit = setTimeout(() => stop(2, `hard limit of ${profile.hardLimitMinutes} min reached, stopping`), profile.hardLimitMinutes * 60_000);
	for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stop(130, `${sig}: stopping n8n and the sandbox`));

	log(`starting (${args.quick ? 'quick' : 'full'} profile: ${args.only.join(', ')})`);
	stack = await startBenchStack({ log });
	const others = otherN8nProcesses(stack.n8nPid);
	const result = {
		command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
		profile: args.quick ? 'quick' : 'full',
		startedAt: new Date(started).toISOString(),
		machine: { ...machine(stack), loadStart },
		settings: Object.fromEntries(args.only.map((s) => [s, profile[s]])),
		notes: others ? [`${others} other n8n instance(s) (other engineers' test suites) were running on the same machine`] : [],
	};

	const timings = {};
	const section = async (name, fn) => {
		if (!args.only.includes(name)) return;
		const t = Date.now();
		log(`${name}: running (load ${load1()})`);
		result[name === 'fanout' ? 'fanOut' : name] = await fn();
		timings[name] = Math.round((Date.now() - t) / 1000);
		log(`${name}: done in ${timings[name]} s`);
	};
	try {
		await section('overhead', () => runOverhead(stack, profile.overhead, log));
		await section('fanout', () => runFanOut(stack, profile.fanout, log));
		await section('intake', () => runIntake(stack, profile.intake, log));
		await section('intakeMemory', () => runIntakeMemory(stack, profile.intakeMemory, log));
		await section('payload', async () => {
			const p = await runPayload(stack, profile.payload, log);
			p.inProcess = runInProcess(stack, { sizes: profile.payload.sizes, reps: profile.payload.inProcessReps });
			p.inProcessNote = "the built node's execute() with a fake context (no n8n): JSON parse, envelope checks, items; heap retained by the output after gc";
			return p;
		});
		await section('weight', () => runWeight(stack, profile.weight));
	} finally {
		await stack.stop();
		stack = null;
		clearTimeout(hardLimit);
	}

	result.machine.loadEnd = load1();
	result.sectionSeconds = timings;
	result.finishedAt = new Date().toISOString();
	result.durationSeconds = Math.round((Date.now() - started) / 1000);

	const table = markdown(result);
	process.stdout.write(`${table}\n`);
	if (args.write && !args.quick) {
		const file = path.join(__dirname, 'results', 'latest.json');
		fs.mkdirSync(path.dirname(file), { recursive: true });
		fs.writeFileSync(file, `${JSON.stringify(result, null, '\t')}\n`);
		log(`wrote ${path.relative(REPO_ROOT, file)}; \`npm run readme:figures\` puts it into the README`);
	} else {
		const file = path.join(os.tmpdir(), `khipu-bench-${result.profile}.json`);
		fs.writeFileSync(file, `${JSON.stringify(result, null, '\t')}\n`);
		log(`wrote ${file} (the repository is only written by a full run)`);
	}
	log(`total ${result.durationSeconds} s`);
}

main().catch((error) => {
	process.stderr.write(`bench failed: ${error && error.stack ? error.stack : error}\n`);
	process.exit(1);
});

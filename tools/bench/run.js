#!/usr/bin/env node
'use strict';
// `npm run bench`: this package's nodes side by side with n8n's own (HTTP Request, Webhook) in a real n8n with
// the Khipu sandbox, all on 127.0.0.1, variants interleaved round by round. One results file per n8n version
// and mode, tools/bench/results/<mode>-<runtime>.json; `npm run readme:figures` puts them side by side into
// docs/PERFORMANCE.md. Run it on a quiet machine: every row records the load it ran under.
//   --n8n 2.8|2.41|all   the pinned n8n runtime(s) (default 2.8)
//   --mode single|queue|all
//                        single: one n8n process (SQLite): overhead, fanout, intake, intakeMemory, payload, weight
//                        queue: PostgreSQL, Redis, main, a worker, 2 webhook processors: queueIntake, alert
//   --all                every runtime in both modes (docs/PERFORMANCE.md's figures: about 40 min)
//   --quick              small N everywhere (for working on the bench); writes nothing in the repo
//   --only=a,b           only these sections (without --mode: in the mode(s) they belong to)
//   --no-write           print only
const events = require('node:events');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { REPO_ROOT } = require('../lib/repo');
const { N8N_RUNTIMES, runtimeForN8n } = require('../runtime/runtimes');
const { runtimeDir, runtimeNode } = require('../runtime/paths');
const { startBenchStack } = require('./lib/stack');
const { runOverhead } = require('./lib/overhead');
const { runFanOut } = require('./lib/fanout');
const { runIntake, runQueueIntake, runIntakeMemory } = require('./lib/intake');
const { runPayload, runInProcess } = require('./lib/payload');
const { runWeight } = require('./lib/weight');
const { runAlert } = require('./lib/alert');
const { measuredSection } = require('./lib/rows');
const { load1 } = require('./lib/meter');
const { markdown } = require('../figures/bench');

const RESULTS_DIR = path.join(__dirname, 'results');

// full: every comparison has at least 6 paired rounds, the fewest that give a 95 % interval of the median ratio
const PROFILES = {
	full: {
		overhead: { calls: 240, callsPerRound: 12, warmup: 10 },
		fanout: {
			concurrency: 20,
			latencyMs: 200,
			sizes: [
				{ n: 50, reps: 9 },
				{ n: 200, reps: 7 },
				{ n: 1000, reps: 6 },
			],
		},
		intake: { requests: 100, concurrency: 20, rounds: 21, warmup: 40 },
		intakeMemory: { requests: 100, concurrency: 20, rounds: 10 },
		payload: { sizes: [10, 1000, 10000], reps: 7, inProcessReps: 15 },
		weight: { loads: 11 },
		queueIntake: { requests: 100, concurrency: 20, rounds: 15, warmup: 40 },
		alert: { accounts: 1000, rounds: 6 },
		hardLimitMinutes: { single: 35, queue: 35 },
	},
	quick: {
		overhead: { calls: 24, callsPerRound: 4, warmup: 3 },
		fanout: {
			concurrency: 10,
			latencyMs: 50,
			sizes: [
				{ n: 20, reps: 3 },
				{ n: 50, reps: 3 },
			],
		},
		intake: { requests: 40, concurrency: 10, rounds: 6, warmup: 5 },
		intakeMemory: { requests: 40, concurrency: 10, rounds: 3 },
		payload: { sizes: [10, 1000], reps: 2, inProcessReps: 3 },
		weight: { loads: 3 },
		queueIntake: { requests: 40, concurrency: 10, rounds: 6, warmup: 5 },
		alert: { accounts: 100, rounds: 3 },
		hardLimitMinutes: { single: 10, queue: 10 },
	},
};
const SECTIONS = {
	single: ['overhead', 'fanout', 'intake', 'intakeMemory', 'payload', 'weight'],
	queue: ['queueIntake', 'alert'],
};
const ALL_SECTIONS = [...SECTIONS.single, ...SECTIONS.queue];

function parseArgs(argv) {
	const args = { quick: false, only: null, write: true, runtimes: ['n8n-2.8'], modes: null };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const value = () => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]);
		if (a === '--quick') args.quick = true;
		else if (a === '--no-write') args.write = false;
		else if (a === '--all') {
			args.runtimes = [...N8N_RUNTIMES];
			args.modes = ['single', 'queue'];
		} else if (a === '--n8n' || a.startsWith('--n8n=')) {
			const v = value();
			args.runtimes = v === 'all' ? [...N8N_RUNTIMES] : v.split(',').map(runtimeForN8n);
		} else if (a === '--mode' || a.startsWith('--mode=')) {
			const v = value();
			args.modes = v === 'all' ? ['single', 'queue'] : v.split(',');
			for (const m of args.modes) if (!SECTIONS[m]) throw new Error(`unknown mode ${m} (single, queue or all)`);
		} else if (a.startsWith('--only=')) args.only = a.slice(7).split(',').filter(Boolean);
		else
			throw new Error(
				`unknown argument ${a} (use --n8n 2.8|2.41|all, --mode single|queue|all, --all, --quick, --only=${ALL_SECTIONS.join(',')}, --no-write)`,
			);
	}
	for (const s of args.only || []) if (!ALL_SECTIONS.includes(s)) throw new Error(`unknown section ${s}`);
	// without --mode: one process, or the modes the --only sections belong to
	args.modes ||= args.only
		? Object.keys(SECTIONS).filter((m) => args.only.some((s) => SECTIONS[m].includes(s)))
		: ['single'];
	return args;
}

const resultsFile = (mode, runtime) => path.join(RESULTS_DIR, `${mode}-${runtime}.json`);

function git(...argv) {
	const r = spawnSync('git', argv, { cwd: REPO_ROOT, encoding: 'utf8' });
	return r.status === 0 ? r.stdout.trim() : null;
}

/** Which source was measured: the commit, the last commit that changed the package, uncommitted changes to it. */
function source() {
	return {
		commit: git('rev-parse', '--short=12', 'HEAD'),
		branch: git('rev-parse', '--abbrev-ref', 'HEAD'),
		packageCommit: git('log', '-1', '--format=%h %cs %s', '--', 'nodes', 'credentials', 'package.json'),
		packageChangesUncommitted: !!git('status', '--porcelain', '--', 'nodes', 'credentials', 'package.json'),
	};
}

function n8nProcessesOutside(pgids) {
	const ours = new Set(pgids);
	let count = 0;
	for (const name of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
			if (ours.has(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]))) continue;
			const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
			if (cmd.some((a) => /\.bin\/n8n$/.test(a)) && cmd.some((a) => ['start', 'worker', 'webhook'].includes(a)))
				count++;
		} catch {
			/* gone */
		}
	}
	return count;
}

function machine(runtime) {
	const cpus = os.cpus();
	let n8nVersion = '?';
	try {
		n8nVersion = require(path.join(runtimeDir(runtime), 'node_modules', 'n8n', 'package.json')).version;
	} catch {
		/* unknown */
	}
	const ownNode = runtimeNode(runtime);
	const nodeVersion = ownNode
		? spawnSync(ownNode.node, ['--version'], { encoding: 'utf8' }).stdout.trim().replace(/^v/, '')
		: process.versions.node;
	return {
		cpus: cpus.length,
		cpuModel: cpus[0] ? cpus[0].model.trim() : 'unknown',
		memoryGb: Math.round(os.totalmem() / 2 ** 30),
		os: `${os.type()} ${os.release()} ${os.arch()}`,
		node: nodeVersion,
		n8n: n8nVersion,
	};
}

/** One runtime in one mode: its stack(s), its sections, its results file. */
async function runOne({ runtime, mode, args, profile, log, onStack }) {
	const started = Date.now();
	const sections = (args.only || SECTIONS[mode]).filter((s) => SECTIONS[mode].includes(s));
	if (sections.length === 0) return null;
	const result = {
		command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
		mode,
		runtime,
		profile: args.quick ? 'quick' : 'full',
		startedAt: new Date(started).toISOString(),
		machine: { ...machine(runtime), loadStart: load1() },
		source: source(),
		settings: Object.fromEntries(sections.map((s) => [s, profile[s]])),
		notes: [],
		sections: {},
		rows: [],
	};
	log(
		`${mode} mode on ${runtime} (n8n ${result.machine.n8n}), ${args.quick ? 'quick' : 'full'} profile: ${sections.join(', ')}`,
	);
	const stacks = [];
	onStack(stacks);
	try {
		const stack = await startBenchStack({ mode, runtime, log });
		stacks.push(stack);
		let single = null;
		if (mode === 'queue' && sections.includes('alert')) {
			// the alert's reference: the same package in one n8n process next to the queue stack, idle in between
			single = await startBenchStack({ mode: 'single', runtime, pkgDir: stack.pkgDir, log });
			stacks.push(single);
		}
		const pgids = stacks.flatMap((s) => [
			...s.processes().map((p) => p.pid),
			...[s.postgres, s.redis].filter(Boolean).map((x) => x.pgid),
		]);
		const others = n8nProcessesOutside(pgids);
		if (others)
			result.notes.push(
				`${others} other n8n process(es) (other engineers' test suites) were running on the same machine at the start`,
			);
		const own = () => stack.ownCpuMs() + (single ? single.cpuMs() : 0);
		const run = async (name, fn) => {
			if (!sections.includes(name)) return;
			const t = Date.now();
			log(`${name}: running (load ${load1()})`);
			const out = await measuredSection(own, fn);
			out.seconds = Math.round((Date.now() - t) / 1000);
			result.sections[name] = { seconds: out.seconds, load: out.load, ...out.details };
			result.rows.push(...(out.rows || []).map((row) => ({ ...row, section: name })));
			log(
				`${name}: done in ${out.seconds} s (load ${out.load.load1Start} → ${out.load.load1End}, other processes ${out.load.othersCpuPct} % of the machine)`,
			);
		};
		await run('overhead', () => runOverhead(stack, profile.overhead, log));
		await run('fanout', () => runFanOut(stack, profile.fanout, log));
		await run('intake', () => runIntake(stack, profile.intake, log));
		await run('intakeMemory', () => runIntakeMemory(stack, profile.intakeMemory, log));
		await run('payload', async () => {
			const p = await runPayload(stack, profile.payload, log);
			p.details.inProcess = runInProcess(stack, { sizes: profile.payload.sizes, reps: profile.payload.inProcessReps });
			p.details.inProcessNote =
				"the built node's execute() with a fake context (no n8n): JSON parse, envelope checks, items; heap retained by the output after gc";
			return p;
		});
		await run('weight', async () => ({ details: runWeight(stack, profile.weight), rows: [] }));
		await run('queueIntake', () => runQueueIntake(stack, profile.queueIntake, log));
		await run('alert', () => runAlert({ queue: stack, single }, profile.alert, log));
	} finally {
		for (const s of stacks.splice(0).reverse()) await s.stop();
	}
	result.machine.loadEnd = load1();
	result.finishedAt = new Date().toISOString();
	result.durationSeconds = Math.round((Date.now() - started) / 1000);
	return result;
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const profile = PROFILES[args.quick ? 'quick' : 'full'];
	const started = Date.now();
	const log = (m) => process.stderr.write(`[bench ${Math.round((Date.now() - started) / 1000)}s] ${m}\n`);
	// the sandbox waits out its latency with one abort listener per request in flight (1,000 for the
	// HTTP Request node at batch interval 0); that is expected here, not a leak
	events.setMaxListeners(5000);

	let live = [];
	let stopping = false;
	const stop = async (code, why) => {
		if (stopping) return;
		stopping = true;
		if (why) log(why);
		for (const s of live.splice(0).reverse()) await s.stop().catch(() => {});
		process.exit(code);
	};
	for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stop(130, `${sig}: stopping n8n and the sandbox`));

	for (const runtime of args.runtimes) {
		for (const mode of args.modes) {
			const minutes = profile.hardLimitMinutes[mode];
			// bounded: the bench stops itself whatever happens
			const hardLimit = setTimeout(
				() => stop(2, `hard limit of ${minutes} min for ${mode} mode on ${runtime} reached, stopping`),
				minutes * 60_000,
			);
			const result = await runOne({ runtime, mode, args, profile, log, onStack: (list) => (live = list) });
			clearTimeout(hardLimit);
			if (!result) continue;
			process.stdout.write(`${markdown([result])}\n\n`);
			const file =
				args.write && !args.quick && !args.only
					? resultsFile(mode, runtime)
					: path.join(os.tmpdir(), `khipu-bench-${result.profile}-${mode}-${runtime}.json`);
			fs.mkdirSync(path.dirname(file), { recursive: true });
			fs.writeFileSync(file, `${JSON.stringify(result, null, '\t')}\n`);
			log(
				`wrote ${path.relative(REPO_ROOT, file).startsWith('..') ? file : path.relative(REPO_ROOT, file)}${file.startsWith(RESULTS_DIR) ? '; `npm run readme:figures` puts it into docs/PERFORMANCE.md' : ' (the repository is only written by a full run of every section)'}`,
			);
		}
	}
	log(`total ${Math.round((Date.now() - started) / 1000)} s`);
}

main().catch((error) => {
	process.stderr.write(`bench failed: ${error && error.stack ? error.stack : error}\n`);
	process.exit(1);
});

#!/usr/bin/env node
'use strict';
// `npm run test:compat`: proves the package against a second n8n runtime (default runtime/n8n-2.41:
// n8n 2.41.1 on the registry's Node 24 binary from runtime/node-24, see docs/COMPAT.md).
//   1. installs the runtime (and the Node it declares) unless it is installed and its stamp is current
//   2. builds the package
//   3. runs every test file of the jest project "integration" that exists (--runInBand) with
//      KHIPU_N8N_RUNTIME=<runtime>
//   4. prints timings and a closing "N passed, N failed" line; writes artifacts/compat-<runtime>.json
//      (versions, durations, peak memory, per-file results)
//
// Usage: node tools/checks/test-compat.js [--runtime n8n-2.41] [--in-place] [--keep-snapshot] [-- <extra jest args>]
//
// By default the build and the tests run in a snapshot of the working tree (a temp copy without .git, dist,
// artifacts and .n8n-data; node_modules and runtime/ are symlinked to this repo's). The checkout is shared:
// another `npm run build` (which starts by deleting dist/) can race a test that packs the package, and some
// suites write README.md or artifacts/ with figures that would then come from this runtime. Whatever the
// suites write to the snapshot's artifacts/ is copied to artifacts/compat-<runtime>/. --in-place runs in
// the checkout itself.
// Memory: the RSS of this process tree (npm, compilers, jest, n8n, its task runner) is sampled every
// second; shared pages are counted once per process, so the sum overstates real use somewhat.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const { REPO_ROOT } = require('../lib/repo');
const { runtimeDir, runtimeNode } = require('../runtime/paths');
const { ensureRuntime } = require('../runtime/install');

const DEFAULT_COMPAT_RUNTIME = 'n8n-2.41';
// top-level entries not copied into the snapshot; the first two are symlinked instead
const SNAPSHOT_LINKED = ['node_modules', 'runtime'];
const SNAPSHOT_SKIPPED = ['.git', 'dist', 'artifacts', 'coverage', '.n8n-data'];

function parseArgs(argv) {
	const opts = { runtime: DEFAULT_COMPAT_RUNTIME, jestArgs: [], inPlace: false, keepSnapshot: false };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--') {
			opts.jestArgs = argv.slice(i + 1);
			break;
		}
		if (a === '--runtime') opts.runtime = argv[++i];
		else if (a.startsWith('--runtime=')) opts.runtime = a.slice('--runtime='.length);
		else if (a === '--in-place') opts.inPlace = true;
		else if (a === '--keep-snapshot') opts.keepSnapshot = true;
		else if (a === '-h' || a === '--help') opts.help = true;
		else throw new Error(`unknown argument: ${a} (jest arguments go after --)`);
	}
	if (!opts.runtime) throw new Error('--runtime needs a value');
	return opts;
}

// ---- memory: RSS of this process and all its descendants (n8n runs in its own process group, but its
// guard is still our descendant by parent pid) ------------------------------------------------------
const PAGE_KB = 4; // x86-64 Linux
const N8N_CMD_RE = /\/runtime\/([^/\0]+)\/node_modules\/(?:\.bin\/n8n|n8n\/bin\/n8n)\0([a-z:]+)/;

/** RSS of the tree; also which n8n runtimes (and Node binaries) run in it: `n8n start|execute` processes. */
function treeRssKb(rootPid = process.pid, seen = null) {
	let entries;
	try {
		entries = fs.readdirSync('/proc');
	} catch {
		return null;
	}
	const children = new Map();
	const rss = new Map();
	for (const e of entries) {
		if (!/^\d+$/.test(e)) continue;
		let stat;
		try {
			stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
		} catch {
			continue;
		}
		const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const ppid = Number(rest[1]);
		rss.set(Number(e), Number(rest[21]) * PAGE_KB);
		if (!children.has(ppid)) children.set(ppid, []);
		children.get(ppid).push(Number(e));
	}
	let total = 0;
	let largest = 0;
	const stack = [rootPid];
	while (stack.length) {
		const pid = stack.pop();
		const kb = rss.get(pid) || 0;
		if (seen && pid !== rootPid) {
			try {
				const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
				const m = N8N_CMD_RE.exec(cmd);
				if (m) seen({ runtime: m[1], command: m[2], node: cmd.split('\0')[0], pid });
			} catch {
				/* gone */
			}
		}
		total += kb;
		if (pid !== rootPid) largest = Math.max(largest, kb);
		stack.push(...(children.get(pid) || []));
	}
	return { total, largest };
}

function memInfoKb(key) {
	try {
		const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/meminfo', 'utf8'));
		return m ? Number(m[1]) : null;
	} catch {
		return null;
	}
}

function startSampler() {
	const phases = {};
	const n8nSeen = []; // {runtime, command, node, pid, first, last}
	let current = null;
	const onN8n = (x) => {
		const now = Date.now();
		const known = n8nSeen.find((e) => e.pid === x.pid && e.runtime === x.runtime && e.command === x.command);
		if (known) known.last = now;
		else n8nSeen.push({ ...x, first: now, last: now });
	};
	const sample = () => {
		if (!current) return;
		const t = treeRssKb(process.pid, current === 'tests' ? onN8n : null);
		if (!t) return;
		const p = phases[current];
		p.peakTreeRssKb = Math.max(p.peakTreeRssKb, t.total);
		p.peakProcessRssKb = Math.max(p.peakProcessRssKb, t.largest);
		const avail = memInfoKb('MemAvailable');
		if (avail !== null)
			p.minMemAvailableKb = p.minMemAvailableKb === null ? avail : Math.min(p.minMemAvailableKb, avail);
	};
	const timer = setInterval(sample, 1000);
	timer.unref();
	return {
		phase(name) {
			sample();
			current = name;
			phases[name] = phases[name] || { peakTreeRssKb: 0, peakProcessRssKb: 0, minMemAvailableKb: null };
			sample();
		},
		stop() {
			sample();
			clearInterval(timer);
			current = null;
			return phases;
		},
		n8nSeen,
	};
}

const mb = (kb) => (kb == null ? null : Math.round(kb / 1024));
const secs = (ms) => Math.round(ms / 100) / 10;

// ---- helpers ------------------------------------------------------------------------------------
function readJson(file) {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch {
		return null;
	}
}

/** Copies the working tree to <tmp>/repo (see the header); returns its path. */
function makeSnapshot() {
	const base = fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-compat-'));
	const dest = path.join(base, 'repo');
	const skip = new Set([...SNAPSHOT_LINKED, ...SNAPSHOT_SKIPPED].map((n) => path.join(REPO_ROOT, n)));
	fs.cpSync(REPO_ROOT, dest, {
		recursive: true,
		filter: (src) =>
			!skip.has(src) && !/\.(tgz|log)$/.test(path.basename(src)) && !src.split(path.sep).includes('node_modules'),
	});
	for (const name of SNAPSHOT_LINKED) fs.symlinkSync(path.join(REPO_ROOT, name), path.join(dest, name), 'dir');
	return dest;
}

/** The files jest's "integration" project matches (its testMatch decides, e.g. test/integration and test/browser). */
function listTestFiles(root) {
	const r = spawnSync(
		path.join(root, 'node_modules', '.bin', 'jest'),
		['--listTests', '--json', '--selectProjects', 'integration'],
		{
			cwd: root,
			encoding: 'utf8',
		},
	);
	const start = (r.stdout || '').indexOf('[');
	if (r.status !== 0 || start === -1) throw new Error(`jest --listTests failed:\n${r.stdout}\n${r.stderr}`);
	return JSON.parse(r.stdout.slice(start))
		.map((f) => path.relative(root, f))
		.sort();
}

function run(command, args, { env = process.env, cwd = REPO_ROOT } = {}) {
	return new Promise((resolve) => {
		const started = Date.now();
		const child = spawn(command, args, { cwd, env, stdio: 'inherit' });
		child.once('error', (err) => resolve({ code: 127, error: err.message, ms: Date.now() - started }));
		child.once('close', (code, signal) =>
			resolve({ code: code === null ? `signal ${signal}` : code, ms: Date.now() - started }),
		);
	});
}

function capture(command, args, opts = {}) {
	const r = spawnSync(command, args, { cwd: REPO_ROOT, encoding: 'utf8', ...opts });
	return r.status === 0 ? r.stdout.trim() : null;
}

function gitState() {
	const head = capture('git', ['rev-parse', 'HEAD']);
	const porcelain = capture('git', ['status', '--porcelain']);
	return { gitCommit: head, gitDirty: porcelain === null ? null : porcelain.length > 0 };
}

function versions(runtime, workDir, git) {
	const dir = runtimeDir(runtime);
	const nm = path.join(dir, 'node_modules');
	const v = (name) => (readJson(path.join(nm, name, 'package.json')) || {}).version || null;
	const node = runtimeNode(runtime);
	const pkg = readJson(path.join(workDir, 'package.json')) || {};
	return {
		package: `${pkg.name}@${pkg.version}`,
		runtime,
		n8n: v('n8n'),
		n8nCore: v('n8n-core'),
		n8nWorkflow: v('n8n-workflow'),
		n8nNodeBinary: node ? node.node : process.execPath,
		n8nNode: node ? capture(node.node, ['--version']) : process.version,
		nodeDistribution: node
			? `${path.basename(node.nodedir)}@${(readJson(path.join(node.nodedir, 'package.json')) || {}).version}`
			: null,
		harnessNode: process.version,
		npm: capture('npm', ['--version']),
		jest: (readJson(path.join(REPO_ROOT, 'node_modules', 'jest', 'package.json')) || {}).version || null,
		...git, // when the run started (the snapshot is taken then)
		workDir:
			workDir === REPO_ROOT
				? 'the checkout (--in-place)'
				: `snapshot of the working tree (${workDir}), taken at the start`,
		host: {
			platform: `${process.platform}-${process.arch}`,
			cpus: os.cpus().length,
			memTotalMb: Math.round(os.totalmem() / 1048576),
			loadAvgAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
		},
	};
}

/** The n8n processes (runtime, Node binary) seen while a file ran; sampled each second, so a start shorter than that can be missed. */
function n8nDuring(n8nSeen, start, end) {
	const hits = n8nSeen.filter((e) => e.last >= start && e.first <= end);
	return {
		processes: [...new Set(hits.map((e) => `runtime/${e.runtime}: n8n ${e.command} on ${e.node}`))],
		runtimes: [...new Set(hits.map((e) => e.runtime))],
	};
}

function fileResults(report, root) {
	return (report.testResults || [])
		.map((r) => {
			const a = r.assertionResults || [];
			const count = (s) => a.filter((x) => x.status === s).length;
			const failures = a
				.filter((x) => x.status === 'failed')
				.map((x) => ({
					test: x.fullName,
					durationMs: x.duration ?? null,
					message: (x.failureMessages || []).join('\n').slice(0, 4000),
				}));
			const durationMs =
				r.perfStats && r.perfStats.end && r.perfStats.start
					? r.perfStats.end - r.perfStats.start
					: r.endTime - r.startTime;
			return {
				file: path.relative(root, r.name),
				status: r.status,
				passed: count('passed'),
				failed: count('failed'),
				skipped: count('pending') + count('skipped') + count('todo'),
				durationMs,
				startedAt: (r.perfStats && r.perfStats.start) || r.startTime,
				suiteError: r.status === 'failed' && a.length === 0 ? String(r.message || '').slice(0, 4000) : null,
				failures,
				tests: a.map((x) => ({ name: x.fullName, status: x.status, durationMs: x.duration ?? null })),
			};
		})
		.sort((x, y) => x.file.localeCompare(y.file));
}

// ---- main ---------------------------------------------------------------------------------------
async function main() {
	const opts = parseArgs(process.argv.slice(2));
	if (opts.help) {
		console.log(
			'usage: node tools/checks/test-compat.js [--runtime n8n-2.41] [--in-place] [--keep-snapshot] [-- <extra jest args>]',
		);
		return 0;
	}
	const started = Date.now();
	const startedAt = new Date().toISOString();
	const sampler = startSampler();
	const steps = {};
	const artifact = { kind: 'khipu-compat-run', startedAt, runtime: opts.runtime };
	let passed = 0;
	let failed = 0;
	const problems = [];
	const warnings = []; // reported, but do not fail the run

	// 0. where the build and the tests run
	const git = gitState();
	const workDir = opts.inPlace ? REPO_ROOT : makeSnapshot();
	artifact.workDir = workDir;
	if (!opts.inPlace)
		process.stdout.write(`\n=== snapshot of the working tree: ${workDir} (--in-place to run in the checkout)\n`);

	// 1. runtime
	process.stdout.write(`\n=== runtime ${opts.runtime} (install if needed)\n`);
	sampler.phase('install');
	let t = Date.now();
	try {
		const r = await ensureRuntime({ runtime: opts.runtime });
		steps.install = {
			ok: true,
			ms: Date.now() - t,
			cached: r.cached,
			npmSeconds: r.seconds,
			command: r.command || null,
			node: r.node ? { cached: r.node.cached, npmSeconds: r.node.seconds, command: r.node.command || null } : null,
		};
	} catch (err) {
		steps.install = { ok: false, ms: Date.now() - t, error: err.message.slice(0, 8000) };
		problems.push(`runtime install failed: ${err.message.split('\n')[0]}`);
	}
	process.stdout.write(
		`=== runtime: ${steps.install.ok ? (steps.install.cached ? 'ready (cached)' : 'installed') : 'FAILED'} in ${secs(steps.install.ms)} s\n`,
	);

	// 2. build
	if (steps.install.ok) {
		process.stdout.write('\n=== build\n');
		sampler.phase('build');
		const b = await run('npm', ['run', 'build', '--silent'], { cwd: workDir });
		steps.build = { ok: b.code === 0, ms: b.ms, exit: b.code };
		if (!steps.build.ok) problems.push(`build failed (exit ${b.code})`);
		process.stdout.write(`=== build: ${steps.build.ok ? 'ok' : 'FAILED'} in ${secs(b.ms)} s\n`);
	}

	// 3. integration tests
	const files = listTestFiles(workDir);
	artifact.testFilesFound = files;
	if (steps.install.ok && steps.build.ok) {
		const report = path.join(os.tmpdir(), `khipu-compat-${opts.runtime}-${process.pid}.json`);
		const env = { ...process.env, KHIPU_N8N_RUNTIME: opts.runtime, CI: process.env.CI || 'true' };
		const args = ['--selectProjects', 'integration', '--runInBand', '--json', '--outputFile', report, ...opts.jestArgs];
		process.stdout.write(
			`\n=== jest integration on ${opts.runtime} (KHIPU_N8N_RUNTIME=${opts.runtime}): ${files.length} file(s)\n${files.map((f) => `    ${f}`).join('\n')}\n`,
		);
		sampler.phase('tests');
		const j = await run(path.join(workDir, 'node_modules', '.bin', 'jest'), args, { env, cwd: workDir });
		const json = readJson(report);
		fs.rmSync(report, { force: true });
		steps.tests = { ok: j.code === 0, ms: j.ms, exit: j.code, jestArgs: args.filter((a) => a !== report) };
		if (!json) {
			failed++;
			problems.push('jest produced no JSON report');
		} else {
			artifact.files = fileResults(json, workDir);
			passed += json.numPassedTests;
			failed += json.numFailedTests + json.numRuntimeErrorTestSuites;
			if (json.numPendingTests + (json.numTodoTests || 0) > 0) {
				failed += json.numPendingTests + (json.numTodoTests || 0);
				problems.push(`${json.numPendingTests} skipped test(s) are not allowed`);
			}
			if (json.numTotalTests === 0) {
				failed++;
				problems.push('jest ran no test');
			}
			steps.tests.summary = {
				suites: json.numTotalTestSuites,
				failedSuites: json.numFailedTestSuites,
				suitesThatDidNotRun: json.numRuntimeErrorTestSuites,
				tests: json.numTotalTests,
				passed: json.numPassedTests,
				failed: json.numFailedTests,
				skipped: json.numPendingTests,
			};
			const ran = new Set(artifact.files.map((f) => f.file));
			const notRun = files.filter((f) => !ran.has(f));
			if (notRun.length && opts.jestArgs.length === 0) problems.push(`found but not run by jest: ${notRun.join(', ')}`);
		}
	} else {
		failed++;
	}

	const memory = sampler.stop();
	artifact.finishedAt = new Date().toISOString();
	artifact.versions = versions(opts.runtime, workDir, git);
	for (const f of artifact.files || []) {
		const seen = n8nDuring(sampler.n8nSeen, f.startedAt, f.startedAt + f.durationMs);
		f.n8nProcesses = seen.processes;
		f.n8nRuntimes = seen.runtimes;
		const other = seen.runtimes.filter((r) => r !== opts.runtime);
		if (other.length) {
			warnings.push(
				`${f.file} ran n8n from runtime/${other.join(', runtime/')}${seen.runtimes.includes(opts.runtime) ? ' as well' : `, not runtime/${opts.runtime}`} (does it ignore KHIPU_N8N_RUNTIME?)`,
			);
		}
	}
	artifact.durations = {
		totalMs: Date.now() - started,
		installMs: steps.install ? steps.install.ms : null,
		buildMs: steps.build ? steps.build.ms : null,
		testsMs: steps.tests ? steps.tests.ms : null,
	};
	artifact.steps = steps;
	artifact.memory = Object.fromEntries(
		Object.entries(memory).map(([k, v]) => [
			k,
			{
				peakTreeRssMb: mb(v.peakTreeRssKb),
				peakSingleProcessRssMb: mb(v.peakProcessRssKb),
				minMemAvailableMb: mb(v.minMemAvailableKb),
			},
		]),
	);
	artifact.memory.note =
		'sum of RSS over this process tree, sampled every 1 s (shared pages counted per process); minMemAvailableMb is machine-wide';
	artifact.result = { passed, failed, ok: failed === 0 && problems.length === 0, problems, warnings };

	const outDir = path.join(REPO_ROOT, 'artifacts');
	fs.mkdirSync(outDir, { recursive: true });
	const outFile = path.join(outDir, `compat-${opts.runtime}.json`);
	if (!opts.inPlace) {
		// what the suites wrote to the snapshot's artifacts/ (e.g. reliability.json), kept apart
		const produced = path.join(workDir, 'artifacts');
		if (fs.existsSync(produced) && fs.readdirSync(produced).length) {
			const keep = path.join(outDir, `compat-${opts.runtime}`);
			fs.rmSync(keep, { recursive: true, force: true });
			fs.cpSync(produced, keep, { recursive: true });
			artifact.suiteArtifacts = path.relative(REPO_ROOT, keep);
		}
		if (opts.keepSnapshot) artifact.snapshotKept = workDir;
		else fs.rmSync(path.dirname(workDir), { recursive: true, force: true });
	}
	fs.writeFileSync(outFile, JSON.stringify(artifact, null, 2) + '\n');

	// summary
	const v = artifact.versions;
	const lines = [
		'',
		`=== compat summary: n8n ${v.n8n} on Node ${v.n8nNode} (runtime/${opts.runtime}; harness on Node ${v.harnessNode})`,
	];
	for (const f of artifact.files || []) {
		const on = f.n8nRuntimes && f.n8nRuntimes.length ? `  [n8n: ${f.n8nRuntimes.join(', ')}]` : '';
		lines.push(
			`  ${f.failed || f.suiteError ? 'FAIL' : 'ok  '} ${f.file.padEnd(44)} ${String(f.passed).padStart(3)} passed ${String(f.failed).padStart(2)} failed ${String(secs(f.durationMs)).padStart(7)} s${on}`,
		);
		for (const x of f.failures)
			lines.push(`         ✗ ${x.test}: ${x.message.split('\n').find((l) => l.trim()) || ''}`.slice(0, 240));
		if (f.suiteError)
			lines.push(`         ✗ suite did not run: ${f.suiteError.split('\n').find((l) => l.trim()) || ''}`.slice(0, 240));
	}
	const mem = (p) => (artifact.memory[p] ? `, peak tree RSS ${artifact.memory[p].peakTreeRssMb} MB` : '');
	lines.push(
		`  install ${secs(artifact.durations.installMs || 0)} s (${steps.install && steps.install.cached ? 'cached' : 'fresh'}${mem('install')})`,
	);
	if (steps.build) lines.push(`  build   ${secs(steps.build.ms)} s`);
	if (steps.tests) lines.push(`  tests   ${secs(steps.tests.ms)} s${mem('tests')}`);
	lines.push(`  total   ${secs(artifact.durations.totalMs)} s`);
	for (const p of problems) lines.push(`  problem: ${p}`);
	for (const w of warnings) lines.push(`  warning: ${w}`);
	lines.push(`  report  ${path.relative(REPO_ROOT, outFile)}`);
	lines.push(`${passed} passed, ${failed} failed`);
	process.stdout.write(lines.join('\n') + '\n');
	return artifact.result.ok ? 0 : 1;
}

main().then(
	(code) => process.exit(code),
	(err) => {
		console.error(`[test-compat] ERROR: ${err.stack || err.message}`);
		process.stdout.write('0 passed, 1 failed\n');
		process.exit(1);
	},
);

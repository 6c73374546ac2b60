#!/usr/bin/env node
// The README's test command: build (n8n-node build), n8n-node lint, project lint, n8n-node cloud-support, scanner,
// workflow lint, n8n variables, type-check, then every jest run of
// JEST_RUNS: the unit tests, the integration suites on each pinned n8n runtime (the build is shared),
// and the projects that run on one runtime only. Prints one closing "N passed, N failed" line counted
// from jest's own JSON reports of every run, and writes artifacts/test-all.json (counts per run).
//   node tools/checks/test-all.js                      everything
//   node tools/checks/test-all.js lint integration     only these steps / projects (all their runtimes)
//   node tools/checks/test-all.js integration@n8n-2.41 one project on one runtime
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const started = Date.now();
const loadAtStart = os.loadavg()[0];

// One line per jest run; each must exist in jest.config.js and run at least one test.
const JEST_RUNS = [
	{ project: 'unit' },
	{ project: 'integration', runtime: 'n8n-2.8' },
	{ project: 'integration', runtime: 'n8n-2.41' },
	{ project: 'queue', runtime: 'n8n-2.8' },
	{ project: 'queue', runtime: 'n8n-2.41' },
	{ project: 'routing', runtime: 'n8n-2.8' },
	{ project: 'routing', runtime: 'n8n-2.41' },
];

function step(title, command, args, env = {}) {
	const t0 = Date.now();
	process.stdout.write(`\n=== ${title}\n`);
	const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
	const seconds = (Date.now() - t0) / 1000;
	process.stdout.write(`=== ${title}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${seconds.toFixed(1)} s\n`);
	return { ok: result.status === 0, seconds };
}

/**
 * The working tree as git sees it: every changed or untracked path (ignored files excluded)
 * with a hash of its content, so edits made during the run show even in files already changed.
 * null outside a git checkout.
 */
function treeState() {
	const status = spawnSync('git', ['status', '--porcelain=v1', '-z', '--untracked-files=all'], {
		cwd: root,
		encoding: 'utf8',
	});
	if (status.status !== 0) return null;
	const state = new Map();
	const entries = status.stdout.split('\0').filter(Boolean);
	for (let i = 0; i < entries.length; i++) {
		const code = entries[i].slice(0, 2);
		const file = entries[i].slice(3);
		if (code.startsWith('R') || code.startsWith('C')) i++; // the next entry is the old name
		const full = path.join(root, file);
		const content =
			fs.existsSync(full) && fs.statSync(full).isFile()
				? crypto.createHash('sha1').update(fs.readFileSync(full)).digest('hex')
				: 'absent';
		state.set(file, `${code} ${content}`);
	}
	return state;
}

function treeChanges(before, after) {
	const files = new Set([...before.keys(), ...after.keys()]);
	return [...files].filter((file) => before.get(file) !== after.get(file)).sort();
}

const treeBefore = treeState();
const only = process.argv.slice(2);
const want = (name, runtime) =>
	only.length === 0 || only.includes(name) || (runtime && only.includes(`${name}@${runtime}`));
const configuredProjects = new Set(require(path.join(root, 'jest.config.js')).projects.map((p) => p.displayName));

let passed = 0;
let failed = 0;
const summary = [];

const checks = [
	['build', 'build', 'npm', ['run', 'build', '--silent']],
	[
		'n8n-node-lint',
		"n8n-node lint (@n8n/node-cli, n8n's default ESLint config, strict mode)",
		bin('n8n-node'),
		['lint'],
	],
	[
		'lint',
		'lint, project rules (eslint.n8n-rules.config.mjs: pinned eslint-plugin-n8n-nodes-base + community-nodes)',
		bin('eslint'),
		['-c', 'eslint.n8n-rules.config.mjs', '.', '--max-warnings', '0'],
	],
	[
		'cloud-support',
		'n8n-node cloud-support: eligible for n8n Cloud verification',
		process.execPath,
		['tools/checks/check-cloud-support.js'],
	],
	[
		'scanner',
		'n8n community-package scanner, source and tarball legs, project and published rule versions',
		process.execPath,
		['tools/checks/scan-package.mjs'],
	],
	[
		'workflows',
		'GitHub workflow files (actionlint + repository rules)',
		process.execPath,
		['tools/checks/lint-workflows.js'],
	],
	[
		'n8n-env',
		"n8n environment variables the docs name, against each runtime's n8n source",
		process.execPath,
		['tools/checks/check-n8n-env.js'],
	],
	[
		'n8n-exports',
		"n8n-workflow values the built package uses, against each runtime's n8n-workflow",
		process.execPath,
		['tools/checks/check-n8n-exports.js'],
	],
	['typecheck', 'type-check tests', bin('tsc'), ['-p', 'tsconfig.test.json']],
	[
		'format',
		'prettier --check: the project style (.prettierrc.json; markdown and examples/ excluded)',
		bin('prettier'),
		['--check', '.'],
	],
];
for (const [name, title, command, args] of checks) {
	if (!want(name)) continue;
	const r = step(title, command, args);
	if (r.ok) passed++;
	else {
		failed++;
		process.stdout.write(`check failed: ${name}\n`);
	}
	summary.push({ run: name, passed: r.ok ? 1 : 0, failed: r.ok ? 0 : 1, seconds: r.seconds });
}

for (const { project, runtime } of JEST_RUNS) {
	if (!want(project, runtime)) continue;
	const label = runtime ? `${project} on ${runtime}` : project;
	if (!configuredProjects.has(project)) {
		failed++;
		process.stdout.write(`\n=== jest ${label}: no such project in jest.config.js\n`);
		continue;
	}
	const report = path.join(os.tmpdir(), `khipu-jest-${project}-${runtime || 'none'}-${process.pid}.json`);
	const args = ['--selectProjects', project, '--json', '--outputFile', report];
	// Real-n8n runs take one n8n at a time; the in-process unit project uses both cores of a 2-core runner.
	args.push(runtime ? '--runInBand' : '--maxWorkers=2');
	const r = step(`jest ${label}`, bin('jest'), args, runtime ? { KHIPU_N8N_RUNTIME: runtime } : {});
	const row = { run: `jest ${label}`, project, runtime: runtime || null, passed: 0, failed: 0, seconds: r.seconds };
	summary.push(row);
	if (!fs.existsSync(report)) {
		row.failed = 1;
		failed++;
		process.stdout.write(`jest ${label} produced no report\n`);
		continue;
	}
	const json = JSON.parse(fs.readFileSync(report, 'utf8'));
	fs.rmSync(report, { force: true });
	row.passed = json.numPassedTests;
	row.failed = json.numFailedTests + json.numRuntimeErrorTestSuites;
	if (json.numTotalTests === 0) {
		row.failed++;
		process.stdout.write(`jest ${label} ran no test\n`);
	}
	const skipped = json.numPendingTests + (json.numTodoTests || 0);
	if (skipped > 0) {
		row.failed += skipped;
		process.stdout.write(`jest ${label}: ${skipped} skipped test(s) are not allowed\n`);
	}
	row.files = json.testResults.map((t) => ({
		file: path.relative(root, t.name),
		passed: t.assertionResults.filter((a) => a.status === 'passed').length,
		failed:
			t.assertionResults.filter((a) => a.status === 'failed').length +
			(t.status === 'failed' && t.assertionResults.length === 0 ? 1 : 0),
	}));
	passed += row.passed;
	failed += row.failed;
}

// Tests write figures to artifacts/ (ignored) only: a run must leave the tree as it found it.
if (treeBefore) {
	const changed = treeChanges(treeBefore, treeState());
	if (changed.length === 0) passed++;
	else {
		failed++;
		process.stdout.write(
			`check failed: the run changed files git tracks or sees (not ignored): ${changed.join(', ')}\n`,
		);
	}
}

const totalSeconds = Math.round((Date.now() - started) / 1000);
process.stdout.write('\n=== summary\n');
for (const s of summary)
	process.stdout.write(
		`  ${s.run.padEnd(36)} ${String(s.passed).padStart(4)} passed ${String(s.failed).padStart(3)} failed ${s.seconds.toFixed(0).padStart(6)} s\n`,
	);
process.stdout.write(`\nTotal time ${totalSeconds} s\n`);
if (only.length === 0) {
	fs.mkdirSync(path.join(root, 'artifacts'), { recursive: true });
	const artifact = {
		kind: 'khipu-test-all',
		finishedAt: new Date().toISOString(),
		totalSeconds,
		cpus: os.cpus().length,
		node: process.versions.node,
		loadAverage: { start: Number(loadAtStart.toFixed(2)), end: Number(os.loadavg()[0].toFixed(2)) },
		passed,
		failed,
		runs: summary,
	};
	fs.writeFileSync(path.join(root, 'artifacts', 'test-all.json'), JSON.stringify(artifact, null, 2) + '\n');
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);

#!/usr/bin/env node
// The README's test command: build, lint, type-check, then every jest project.
// Prints one closing "N passed, N failed" line counted from jest's own JSON report.
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const started = Date.now();

function step(title, command, args, env = {}) {
	const t0 = Date.now();
	process.stdout.write(`\n=== ${title}\n`);
	const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
	const seconds = ((Date.now() - t0) / 1000).toFixed(1);
	process.stdout.write(`=== ${title}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${seconds} s\n`);
	return result.status === 0;
}

/**
 * The working tree as git sees it: every changed or untracked path (ignored files excluded)
 * with a hash of its content, so edits made during the run show even in files already changed.
 * null outside a git checkout.
 */
function treeState() {
	const status = spawnSync('git', ['status', '--porcelain=v1', '-z', '--untracked-files=all'], { cwd: root, encoding: 'utf8' });
	if (status.status !== 0) return null;
	const state = new Map();
	const entries = status.stdout.split('\0').filter(Boolean);
	for (let i = 0; i < entries.length; i++) {
		const code = entries[i].slice(0, 2);
		const file = entries[i].slice(3);
		if (code.startsWith('R') || code.startsWith('C')) i++; // the next entry is the old name
		const full = path.join(root, file);
		const content = fs.existsSync(full) && fs.statSync(full).isFile() ? crypto.createHash('sha1').update(fs.readFileSync(full)).digest('hex') : 'absent';
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
const want = (name) => only.length === 0 || only.includes(name);

let passed = 0;
let failed = 0;
const checks = [];

if (want('build')) checks.push(['build', step('build', 'npm', ['run', 'build', '--silent'])]);
if (want('lint')) checks.push(['lint', step('lint (eslint-plugin-n8n-nodes-base + community-nodes scanner rules)', bin('eslint'), ['.', '--max-warnings', '0'])]);
if (want('scanner')) checks.push(['scanner', step('n8n community-package scanner, source and tarball legs', process.execPath, ['scripts/scan-package.mjs'])]);
if (want('typecheck')) checks.push(['typecheck', step('type-check tests', bin('tsc'), ['-p', 'tsconfig.test.json'])]);

for (const [name, ok] of checks) {
	if (ok) passed++;
	else {
		failed++;
		process.stdout.write(`check failed: ${name}\n`);
	}
}

for (const project of ['unit', 'integration', 'queue']) {
	if (!want(project)) continue;
	const report = path.join(os.tmpdir(), `khipu-jest-${project}-${process.pid}.json`);
	const args = ['--selectProjects', project, '--json', '--outputFile', report];
	if (project !== 'unit') args.push('--runInBand');
	step(`jest ${project}`, bin('jest'), args);
	if (!fs.existsSync(report)) {
		failed++;
		process.stdout.write(`jest ${project} produced no report\n`);
		continue;
	}
	const json = JSON.parse(fs.readFileSync(report, 'utf8'));
	fs.rmSync(report, { force: true });
	passed += json.numPassedTests;
	failed += json.numFailedTests + json.numRuntimeErrorTestSuites;
	if (json.numTotalTests === 0) {
		failed++;
		process.stdout.write(`jest ${project} ran no test\n`);
	}
	if (json.numPendingTests > 0) {
		failed += json.numPendingTests;
		process.stdout.write(`jest ${project}: ${json.numPendingTests} skipped test(s) are not allowed\n`);
	}
}

// Tests write figures to artifacts/ (ignored) only: a run must leave the tree as it found it.
if (treeBefore) {
	const changed = treeChanges(treeBefore, treeState());
	if (changed.length === 0) passed++;
	else {
		failed++;
		process.stdout.write(`check failed: the run changed files git tracks or sees (not ignored): ${changed.join(', ')}\n`);
	}
}

process.stdout.write(`\nTotal time ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);

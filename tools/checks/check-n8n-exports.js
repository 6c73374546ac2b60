#!/usr/bin/env node
'use strict';
// A step of `npm test`: every value the built package takes from n8n-workflow must exist in the
// n8n-workflow of each pinned runtime, because n8n loads a community package against its own copy, not
// against ours. The unit tests run against the dev dependency and cannot see a name a runtime dropped
// (n8n-workflow 2.41 no longer exports `sleepWithAbort`: docs/COMPAT.md row 24).
// A name some runtime lacks is allowed only in nodes/shared/n8nCompat.ts, and only behind a
// `typeof <name>` guard there (the one module for n8n-version workarounds).
const fs = require('node:fs');
const path = require('node:path');

const { REPO_ROOT } = require('../lib/repo');
const { runtimeDir } = require('../runtime/paths');
const { N8N_RUNTIMES, pinnedN8n } = require('../runtime/runtimes');

const DIST = path.join(REPO_ROOT, 'dist');
const COMPAT = path.join(DIST, 'nodes', 'shared', 'n8nCompat.js');
// tsc's CommonJS output reads a named import as `n8n_workflow_1.<name>`
const USE = /\bn8n_workflow_1\.([A-Za-z_$][\w$]*)/g;

function* jsFiles(dir) {
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, e.name);
		if (e.isDirectory()) yield* jsFiles(full);
		else if (e.name.endsWith('.js')) yield full;
	}
}

/** The names a runtime's n8n-workflow exports (loaded from the runtime's own package root). */
function exportsOf(runtime) {
	const entry = path.join(runtimeDir(runtime), 'node_modules', 'n8n-workflow');
	if (!fs.existsSync(path.join(entry, 'package.json'))) {
		throw new Error(`runtime/${runtime} is not installed (node tools/runtime/install-runtime.js --runtime ${runtime})`);
	}
	return new Set(Object.keys(require(entry)));
}

function main() {
	if (!fs.existsSync(COMPAT)) throw new Error('dist/ is missing or incomplete: run npm run build first');
	const uses = new Map(); // name -> files using it
	for (const root of ['nodes', 'credentials']) {
		for (const file of jsFiles(path.join(DIST, root))) {
			for (const [, name] of fs.readFileSync(file, 'utf8').matchAll(USE)) {
				if (!uses.has(name)) uses.set(name, new Set());
				uses.get(name).add(file);
			}
		}
	}
	const compatText = fs.readFileSync(COMPAT, 'utf8');
	const problems = [];
	for (const runtime of N8N_RUNTIMES) {
		const exported = exportsOf(runtime);
		for (const [name, files] of uses) {
			if (exported.has(name)) continue;
			const onlyCompat = [...files].every((f) => f === COMPAT);
			const guarded = compatText.includes(`typeof n8n_workflow_1.${name}`);
			if (onlyCompat && guarded) continue;
			const where = [...files].map((f) => path.relative(REPO_ROOT, f)).join(', ');
			problems.push(
				`n8n ${pinnedN8n(runtime)}'s n8n-workflow has no "${name}", used by ${where}` +
					(onlyCompat ? ' without a typeof guard' : ': use it only through nodes/shared/n8nCompat.ts'),
			);
		}
	}
	for (const p of problems) process.stdout.write(`problem: ${p}\n`);
	process.stdout.write(
		`n8n-workflow values the package uses: ${uses.size} checked against ${N8N_RUNTIMES.length} runtimes, ${problems.length} problem(s)\n`,
	);
	return problems.length ? 1 : 0;
}

process.exit(main());

#!/usr/bin/env node
'use strict';
// A step of `npm test`: every n8n environment variable README.md and docs/*.md name must be one the
// n8n it is said to apply to actually reads. The source is the installed n8n of each pinned runtime
// (runtime/<name>/node_modules: n8n, n8n-core and @n8n/* packages' dist/). A variable counts as read when
// the code declares it (@n8n/config's Env('X')) or reads it (process.env.X, process.env['X']).
// By default a variable must be read by every pinned runtime; ONLY_IN lists those the docs present as
// version-specific, with the runtimes that must (and the only ones that may) read them.
const fs = require('node:fs');
const path = require('node:path');

const { REPO_ROOT } = require('../lib/repo');
const { runtimeDir } = require('../runtime/paths');
const { N8N_RUNTIMES, pinnedN8n } = require('../runtime/runtimes');

const DOCS = [
	'README.md',
	...fs
		.readdirSync(path.join(REPO_ROOT, 'docs'))
		.filter((f) => f.endsWith('.md'))
		.map((f) => `docs/${f}`),
];
// Names n8n uses for its settings (prefixes from @n8n/config), as they appear in prose.
const VARIABLE =
	/\b(?:N8N_[A-Z0-9_]*[A-Z0-9]|WEBHOOK_URL|EXECUTIONS_[A-Z0-9_]*[A-Z0-9]|QUEUE_[A-Z0-9_]*[A-Z0-9]|DB_[A-Z0-9_]*[A-Z0-9]|OFFLOAD_[A-Z0-9_]*[A-Z0-9]|GENERIC_TIMEZONE|NODES_EXCLUDE|NODE_FUNCTION_ALLOW_[A-Z]+)\b/g;
// Documented as version-specific: variable -> the runtimes that read it (the docs say which n8n).
const ONLY_IN = {
	N8N_COMMUNITY_PACKAGES: ['n8n-2.41'], // README: "on n8n >= 2.21"; not in 2.8.4
	N8N_COMMUNITY_PACKAGES_MANAGED_BY_ENV: ['n8n-2.41'],
	N8N_WEBHOOK_URL: ['n8n-2.41'], // docs/COMPAT.md: read before WEBHOOK_URL from 2.41
	N8N_EXPRESSION_ENGINE: ['n8n-2.41'], // docs/COMPAT.md row 26: isolates for expressions, default `vm`
	N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: ['n8n-2.41'], // docs/COMPAT.md row 26, not measured
};
const PACKAGES = (nm) => [
	'n8n',
	'n8n-core',
	'n8n-workflow',
	...fs
		.readdirSync(path.join(nm, '@n8n'))
		.filter((d) => !d.startsWith('.'))
		.map((d) => `@n8n/${d}`),
];

function* jsFiles(dir) {
	let entries;
	try {
		entries = fs.readdirSync(dir, { withFileTypes: true });
	} catch {
		return;
	}
	for (const e of entries) {
		const full = path.join(dir, e.name);
		if (e.isDirectory()) {
			if (e.name !== 'node_modules') yield* jsFiles(full);
		} else if (/\.(c|m)?js$/.test(e.name)) yield full;
	}
}

/** The variables of `wanted` that the runtime's n8n code declares or reads. */
function readByRuntime(runtime, wanted) {
	const nm = path.join(runtimeDir(runtime), 'node_modules');
	if (!fs.existsSync(path.join(nm, 'n8n', 'package.json')))
		throw new Error(`runtime/${runtime} is not installed (node tools/runtime/install-runtime.js --runtime ${runtime})`);
	const patterns = new Map(
		wanted.map((v) => [v, new RegExp(`(?:Env\\)?\\(\\s*|process\\.env\\.|process\\.env\\[\\s*)['"]?${v}\\b`)]),
	);
	const found = new Set();
	for (const pkg of PACKAGES(nm)) {
		for (const file of jsFiles(path.join(nm, pkg, 'dist'))) {
			const text = fs.readFileSync(file, 'utf8');
			for (const [v, re] of patterns) if (!found.has(v) && text.includes(v) && re.test(text)) found.add(v);
			if (found.size === wanted.length) return found;
		}
	}
	return found;
}

function main() {
	const mentions = new Map(); // variable -> ["README.md:12", ...]
	for (const doc of DOCS) {
		fs.readFileSync(path.join(REPO_ROOT, doc), 'utf8')
			.split('\n')
			.forEach((line, i) => {
				for (const [v] of line.matchAll(VARIABLE)) {
					if (!mentions.has(v)) mentions.set(v, []);
					mentions.get(v).push(`${doc}:${i + 1}`);
				}
			});
	}
	const wanted = [...mentions.keys()].sort();
	const byRuntime = Object.fromEntries(N8N_RUNTIMES.map((r) => [r, readByRuntime(r, wanted)]));
	const problems = [];
	const header = `  ${'variable'.padEnd(40)} ${N8N_RUNTIMES.map((r) => `n8n ${pinnedN8n(r)}`.padEnd(12)).join(' ')} named in`;
	const rows = [header];
	for (const v of wanted) {
		const readers = N8N_RUNTIMES.filter((r) => byRuntime[r].has(v));
		const expected = ONLY_IN[v] || N8N_RUNTIMES;
		if (readers.join() !== expected.join()) {
			problems.push(
				`${v} (${mentions.get(v).join(', ')}): the docs apply it to ${expected.join(', ')}, but it is read by ${readers.join(', ') || 'no pinned n8n'}`,
			);
		}
		rows.push(
			`  ${v.padEnd(40)} ${N8N_RUNTIMES.map((r) => (byRuntime[r].has(v) ? 'read' : '-').padEnd(12)).join(' ')} ${mentions.get(v).slice(0, 3).join(', ')}`,
		);
	}
	for (const v of Object.keys(ONLY_IN))
		if (!mentions.has(v)) problems.push(`${v}: listed in ONLY_IN but no longer named in the docs`);
	process.stdout.write(`${rows.join('\n')}\n`);
	for (const p of problems) process.stdout.write(`problem: ${p}\n`);
	process.stdout.write(
		`n8n environment variables in the docs: ${wanted.length} checked against ${N8N_RUNTIMES.length} runtimes, ${problems.length} problem(s)\n`,
	);
	return problems.length ? 1 : 0;
}

process.exit(main());

#!/usr/bin/env node
'use strict';
// `npm run readme:figures`: the only way the documentation's figure sections change. Rewrites
// - the reliability section of docs/RELIABILITY.md from artifacts/reliability.json (left by the
//   reliability suite, part of `npm test`); figures of a failed reliability run are not published;
// - the bench section of docs/PERFORMANCE.md from tools/bench/results/<mode>-<runtime>.json (left by
//   `npm run bench`, one file per n8n version and mode, shown side by side);
// - the last full run in docs/COMPAT.md from artifacts/test-all.json (left by a full `npm test`).
//   --check   exit 1 when a page differs from what the artifacts give, without writing
const fs = require('node:fs');
const path = require('node:path');

const { REPO_ROOT } = require('../lib/repo');
const { replaceSection } = require('./section');
const { reliabilitySection } = require('./reliability');
const { benchSection } = require('./bench');
const { compatSection } = require('./compat');

const docs = (name) => path.join(REPO_ROOT, 'docs', name);
const SOURCES = {
	reliability: {
		file: path.join(REPO_ROOT, 'artifacts', 'reliability.json'),
		page: docs('RELIABILITY.md'),
		render: reliabilitySection,
		producedBy: 'npm test',
	},
	// one file per mode and runtime; a runtime or mode without its file is left out of the tables
	bench: {
		dir: path.join(REPO_ROOT, 'tools', 'bench', 'results'),
		pattern: /^(single|queue)-n8n-[\d.]+\.json$/,
		page: docs('PERFORMANCE.md'),
		render: benchSection,
		producedBy: 'npm run bench -- --all',
	},
	compat: {
		file: path.join(REPO_ROOT, 'artifacts', 'test-all.json'),
		page: docs('COMPAT.md'),
		render: compatSection,
		producedBy: 'npm test',
		// test-all.js writes it only after a full run; anything else is not a description of both versions
		usable: (figures) => Array.isArray(figures.runs),
	},
};

/** The source's figures: one file, or the folder's files matching `pattern` (sorted); null when there are none. */
function readFigures({ file, dir, pattern }) {
	let files = [];
	if (file) files = [file].filter((f) => fs.existsSync(f));
	else if (fs.existsSync(dir)) {
		const all = fs
			.readdirSync(dir)
			.filter((f) => f.endsWith('.json'))
			.sort();
		const other = all.filter((f) => !pattern.test(f));
		// e.g. latest.json, written by the bench before its results had a file per mode and n8n version
		if (other.length)
			process.stdout.write(`left out (not a <mode>-<runtime>.json results file): ${other.join(', ')}\n`);
		files = all.filter((f) => pattern.test(f)).map((f) => path.join(dir, f));
	}
	if (files.length === 0) return null;
	const figures = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
	return { files: files.map((f) => path.relative(REPO_ROOT, f)), figures: file ? figures[0] : figures };
}

function main(argv) {
	const check = argv.includes('--check');
	let differs = false;
	for (const [name, source] of Object.entries(SOURCES)) {
		const found = readFigures(source);
		const shown = path.relative(REPO_ROOT, source.file || path.join(source.dir, '*.json'));
		const page = path.relative(REPO_ROOT, source.page);
		if (!found) {
			process.stdout.write(`${name}: ${shown} not found (run \`${source.producedBy}\`); ${page} left as it is\n`);
			continue;
		}
		const { figures, files } = found;
		if (source.usable && !source.usable(figures)) {
			process.stdout.write(`${name}: ${shown} is not from a full run; ${page} left as it is\n`);
			continue;
		}
		if (figures.passed === false) {
			process.stderr.write(
				`${name}: ${shown} is from a failed run (${(figures.failedTests || []).join('; ')}); not published\n`,
			);
			return 1;
		}
		const original = fs.readFileSync(source.page, 'utf8');
		const text = replaceSection(original, name, source.render(figures, files));
		if (text === original) process.stdout.write(`${name}: ${page} already shows the figures of ${files.join(', ')}\n`);
		else if (check) {
			process.stderr.write(`${name}: ${page} differs from ${files.join(', ')} (run \`npm run readme:figures\`)\n`);
			differs = true;
		} else {
			fs.writeFileSync(source.page, text);
			process.stdout.write(`${name}: ${page} updated from ${files.join(', ')}\n`);
		}
	}
	return differs ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));

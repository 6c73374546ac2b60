#!/usr/bin/env node
'use strict';
// `npm run readme:figures`: the only way the README's figure sections change. Rewrites the
// reliability section from artifacts/reliability.json (left by the reliability suite, part of
// `npm test`) and the bench section from tools/bench/results/*.json (left by `npm run bench`, one file per
// n8n version and mode, shown side by side).
// Figures of a failed reliability run are not published.
//   --check   exit 1 when the README differs from what the artifacts give, without writing
const fs = require('node:fs');
const path = require('node:path');

const { REPO_ROOT } = require('../lib/repo');
const { replaceSection } = require('./section');
const { reliabilitySection } = require('./reliability');
const { benchSection } = require('./bench');

const README = path.join(REPO_ROOT, 'README.md');
const SOURCES = {
	reliability: { file: path.join(REPO_ROOT, 'artifacts', 'reliability.json'), render: reliabilitySection, producedBy: 'npm test' },
	// one file per mode and runtime; a runtime or mode without its file is left out of the tables
	bench: { dir: path.join(REPO_ROOT, 'tools', 'bench', 'results'), pattern: /^(single|queue)-n8n-[\d.]+\.json$/, render: benchSection, producedBy: 'npm run bench -- --all' },
};

/** The source's figures: one file, or the folder's files matching `pattern` (sorted); null when there are none. */
function readFigures({ file, dir, pattern }) {
	let files = [];
	if (file) files = [file].filter((f) => fs.existsSync(f));
	else if (fs.existsSync(dir)) {
		const all = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
		const other = all.filter((f) => !pattern.test(f));
		// e.g. latest.json, written by the bench before its results had a file per mode and n8n version
		if (other.length) process.stdout.write(`left out (not a <mode>-<runtime>.json results file): ${other.join(', ')}\n`);
		files = all.filter((f) => pattern.test(f)).map((f) => path.join(dir, f));
	}
	if (files.length === 0) return null;
	const figures = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
	return { files: files.map((f) => path.relative(REPO_ROOT, f)), figures: file ? figures[0] : figures };
}

function main(argv) {
	const check = argv.includes('--check');
	const original = fs.readFileSync(README, 'utf8');
	let text = original;
	for (const [name, source] of Object.entries(SOURCES)) {
		const found = readFigures(source);
		const shown = path.relative(REPO_ROOT, source.file || path.join(source.dir, '*.json'));
		if (!found) {
			process.stdout.write(`${name}: ${shown} not found (run \`${source.producedBy}\`); section left as it is\n`);
			continue;
		}
		const { figures, files } = found;
		if (figures.passed === false) {
			process.stderr.write(`${name}: ${shown} is from a failed run (${(figures.failedTests || []).join('; ')}); not published\n`);
			return 1;
		}
		text = replaceSection(text, name, source.render(figures, files));
		process.stdout.write(`${name}: from ${files.join(', ')}\n`);
	}
	if (text === original) {
		process.stdout.write('README.md already shows these figures\n');
		return 0;
	}
	if (check) {
		process.stderr.write('README.md differs from the latest artifacts (run `npm run readme:figures`)\n');
		return 1;
	}
	fs.writeFileSync(README, text);
	process.stdout.write('README.md updated\n');
	return 0;
}

process.exitCode = main(process.argv.slice(2));

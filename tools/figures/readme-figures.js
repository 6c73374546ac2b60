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
	bench: { dir: path.join(REPO_ROOT, 'tools', 'bench', 'results'), render: benchSection, producedBy: 'npm run bench -- --all' },
};

/** The source's figures: one file, or every *.json of a folder (sorted); null when there are none. */
function readFigures({ file, dir }) {
	const files = file ? [file].filter((f) => fs.existsSync(f)) : fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(dir, f)) : [];
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

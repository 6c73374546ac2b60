#!/usr/bin/env node
'use strict';
// `npm run readme:figures`: the only way the README's figure sections change. Rewrites the
// reliability section from artifacts/reliability.json (left by the reliability suite, part of
// `npm test`) and the bench section from tools/bench/results/latest.json (left by `npm run bench`).
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
	bench: { file: path.join(REPO_ROOT, 'tools', 'bench', 'results', 'latest.json'), render: benchSection, producedBy: 'npm run bench' },
};

function main(argv) {
	const check = argv.includes('--check');
	const original = fs.readFileSync(README, 'utf8');
	let text = original;
	for (const [name, { file, render, producedBy }] of Object.entries(SOURCES)) {
		const shown = path.relative(REPO_ROOT, file);
		if (!fs.existsSync(file)) {
			process.stdout.write(`${name}: ${shown} not found (run \`${producedBy}\`); section left as it is\n`);
			continue;
		}
		const figures = JSON.parse(fs.readFileSync(file, 'utf8'));
		if (figures.passed === false) {
			process.stderr.write(`${name}: ${shown} is from a failed run (${(figures.failedTests || []).join('; ')}); not published\n`);
			return 1;
		}
		text = replaceSection(text, name, render(figures));
		process.stdout.write(`${name}: from ${shown}\n`);
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

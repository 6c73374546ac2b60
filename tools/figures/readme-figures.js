#!/usr/bin/env node
'use strict';
// `npm run readme:figures`: the only way the documentation's figure sections change. Rewrites the
// reliability section of docs/RELIABILITY.md from artifacts/reliability.json (left by the reliability
// suite, part of `npm test`) and the bench section of docs/PERFORMANCE.md from
// tools/bench/results/latest.json (left by `npm run bench`) and the last full run in docs/COMPAT.md from
// artifacts/test-all.json (left by a full `npm test`). Figures of a failed reliability run are
// not published.
//   --check   exit 1 when a page differs from what the artifacts give, without writing
const fs = require('node:fs');
const path = require('node:path');

const { REPO_ROOT } = require('../lib/repo');
const { replaceSection } = require('./section');
const { reliabilitySection } = require('./reliability');
const { benchSection } = require('./bench');
const { compatSection } = require('./compat');

const SOURCES = {
	reliability: {
		file: path.join(REPO_ROOT, 'artifacts', 'reliability.json'),
		page: path.join(REPO_ROOT, 'docs', 'RELIABILITY.md'),
		render: reliabilitySection,
		producedBy: 'npm test',
	},
	bench: {
		file: path.join(REPO_ROOT, 'tools', 'bench', 'results', 'latest.json'),
		page: path.join(REPO_ROOT, 'docs', 'PERFORMANCE.md'),
		render: benchSection,
		producedBy: 'npm run bench',
	},
	compat: {
		file: path.join(REPO_ROOT, 'artifacts', 'test-all.json'),
		page: path.join(REPO_ROOT, 'docs', 'COMPAT.md'),
		render: compatSection,
		producedBy: 'npm test',
		// Only a full run describes both versions; `npm test -- unit` leaves a partial artifact.
		usable: (figures) => figures.full !== false && Array.isArray(figures.runs),
	},
};

function main(argv) {
	const check = argv.includes('--check');
	let differs = false;
	for (const [name, { file, page, render, producedBy, usable }] of Object.entries(SOURCES)) {
		const shown = path.relative(REPO_ROOT, file);
		const pageShown = path.relative(REPO_ROOT, page);
		if (!fs.existsSync(file)) {
			process.stdout.write(`${name}: ${shown} not found (run \`${producedBy}\`); ${pageShown} left as it is\n`);
			continue;
		}
		const figures = JSON.parse(fs.readFileSync(file, 'utf8'));
		if (usable && !usable(figures)) {
			process.stdout.write(`${name}: ${shown} is not from a full run; ${pageShown} left as it is\n`);
			continue;
		}
		if (figures.passed === false) {
			process.stderr.write(`${name}: ${shown} is from a failed run (${(figures.failedTests || []).join('; ')}); not published\n`);
			return 1;
		}
		const original = fs.readFileSync(page, 'utf8');
		const text = replaceSection(original, name, render(figures));
		if (text === original) {
			process.stdout.write(`${name}: ${pageShown} already shows the figures of ${shown}\n`);
		} else if (check) {
			process.stderr.write(`${name}: ${pageShown} differs from ${shown} (run \`npm run readme:figures\`)\n`);
			differs = true;
		} else {
			fs.writeFileSync(page, text);
			process.stdout.write(`${name}: ${pageShown} updated from ${shown}\n`);
		}
	}
	return differs ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));

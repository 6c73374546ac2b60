#!/usr/bin/env node
// Runs the same two ESLint legs as n8n's community-package scanner (@n8n/scan-community-package)
// without the network parts (provenance, downloads): the shippable sources, and the packed tarball's
// compiled .js plus package.json. Inline eslint-disable comments are ignored, as the scanner does.
// Each leg runs twice and both must pass: with the rule plugins this project pins (possibly newer), and
// with the published scanner's own config and the plugin versions it pins (scripts/lib/published-scanner.mjs).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tsParser from '@typescript-eslint/parser';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import { loadPublishedScanner } from './lib/published-scanner.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function scanConfig() {
	return [
		n8nCommunityNodesPlugin.configs.recommended,
		{ rules: { 'no-console': 'error' } },
		{ plugins: { 'n8n-nodes-base': n8nNodesBase } },
		{ files: ['package.json'], rules: { ...n8nNodesBase.configs.community.rules } },
		{
			files: ['**/credentials/**/*.ts'],
			rules: {
				...n8nNodesBase.configs.credentials.rules,
				'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
				'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
			},
		},
		{
			files: ['**/nodes/**/*.ts'],
			rules: {
				...n8nNodesBase.configs.nodes.rules,
				'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
				'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
				'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
			},
		},
		{ files: ['**/*.json', '**/*.ts'], languageOptions: { parser: tsParser } },
	];
}

function listFiles(dir, accept) {
	const out = [];
	const walk = (d) => {
		for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
			if (entry.name === 'node_modules') continue;
			const full = path.join(d, entry.name);
			if (entry.isDirectory()) walk(full);
			else if (accept(path.relative(dir, full))) out.push(full);
		}
	};
	walk(dir);
	return out;
}

async function lint(label, cwd, files) {
	const eslint = new ESLint({ cwd, allowInlineConfig: false, overrideConfigFile: true, overrideConfig: scanConfig() });
	const results = await eslint.lintFiles(files);
	const errors = results.reduce((n, r) => n + r.errorCount, 0);
	const warnings = results.reduce((n, r) => n + r.warningCount, 0);
	const text = await (await eslint.loadFormatter('stylish')).format(results);
	process.stdout.write(`${label}: ${files.length} files, ${errors} errors, ${warnings} warnings\n${text}`);
	return errors;
}

const sourceFiles = listFiles(
	root,
	(rel) => rel === 'package.json' || /^(nodes|credentials)\/.*\.(js|ts|json)$/.test(rel),
);
let errors = await lint('source leg, project rules', root, sourceFiles);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-scan-'));
const pack = spawnSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], {
	cwd: root,
	encoding: 'utf8',
});
if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
const tarball = path.join(work, pack.stdout.trim().split('\n').pop());
const unpacked = path.join(work, 'package');
fs.mkdirSync(unpacked);
const tar = spawnSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
if (tar.status !== 0) throw new Error('tar failed');
const distFiles = listFiles(unpacked, (rel) => rel === 'package.json' || rel.endsWith('.js'));
errors += await lint('tarball leg, project rules', unpacked, distFiles);

const { scanner, versions } = await loadPublishedScanner(work);
const pinned = Object.entries(versions)
	.map(([name, version]) => `${name} ${version}`)
	.join(', ');
for (const [label, dir, patterns] of [
	['source leg', root, scanner.SOURCE_FILE_PATTERNS],
	['tarball leg', unpacked, ['**/*.js', 'package.json']],
]) {
	const result = await scanner.analyzePackage(dir, patterns);
	process.stdout.write(
		`${label}, published scanner (${pinned}): ${result.passed ? 'passed' : `FAILED: ${result.message}`}\n${result.details ?? ''}`,
	);
	if (!result.passed) errors++;
}
fs.rmSync(work, { recursive: true, force: true });
process.exit(errors === 0 ? 0 : 1);

#!/usr/bin/env node
// Runs the same two ESLint legs as n8n's community-package scanner (@n8n/scan-community-package)
// without the network parts (provenance, downloads): the shippable sources, and the packed tarball's
// compiled .js plus package.json. Inline eslint-disable comments are ignored, as the scanner does.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tsParser from '@typescript-eslint/parser';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';

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

const sourceFiles = listFiles(root, (rel) => rel === 'package.json' || /^(nodes|credentials)\/.*\.(js|ts|json)$/.test(rel));
let errors = await lint('source leg', root, sourceFiles);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-scan-'));
const pack = spawnSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8' });
if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
const tarball = path.join(work, pack.stdout.trim().split('\n').pop());
const unpacked = path.join(work, 'package');
fs.mkdirSync(unpacked);
const tar = spawnSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
if (tar.status !== 0) throw new Error('tar failed');
const distFiles = listFiles(unpacked, (rel) => rel === 'package.json' || rel.endsWith('.js'));
errors += await lint('tarball leg', unpacked, distFiles);
fs.rmSync(work, { recursive: true, force: true });
process.exit(errors === 0 ? 0 : 1);

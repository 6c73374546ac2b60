// Second lint step of `npm run lint` (after `n8n-node lint`, whose config eslint.config.mjs must stay
// n8n's one-liner): the rules n8n's community-package scanner (@n8n/scan-community-package) applies, at
// the versions this project pins (eslint-plugin-n8n-nodes-base, @n8n/eslint-plugin-community-nodes),
// which can be newer than the ones @n8n/node-cli bundles: the community-nodes recommended rules,
// no-console, and the three eslint-plugin-n8n-nodes-base rule sets with the same rules switched off.
import tseslint from 'typescript-eslint';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';

export default tseslint.config(
	{
		ignores: [
			'dist/**',
			'node_modules/**',
			'runtime/**',
			'tools/**',
			'test/**',
			'.ci/**',
			'coverage/**',
			'artifacts/**',
			'examples/**',
			'gulpfile.js',
			'index.js',
			'jest.config.js',
		],
	},
	{
		files: ['**/*.ts'],
		extends: [tseslint.configs.recommended],
		languageOptions: { parser: tseslint.parser, parserOptions: { sourceType: 'module' } },
	},
	{
		files: ['**/*.ts', 'package.json'],
		...n8nCommunityNodesPlugin.configs.recommended,
		rules: { ...n8nCommunityNodesPlugin.configs.recommended.rules, 'no-console': 'error' },
	},
	{
		// The package rules (no-runtime-dependencies, valid-peer-dependencies, no-overrides-field, ...) read
		// package.json as the object expression typescript-eslint's parser makes of it, as the scanner does.
		files: ['package.json'],
		languageOptions: { parser: tseslint.parser, parserOptions: { extraFileExtensions: ['.json'] } },
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: { ...n8nNodesBase.configs.community.rules },
	},
	{
		files: ['credentials/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
		},
	},
);

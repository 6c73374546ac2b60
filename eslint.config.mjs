// Mirrors what n8n's community-package scanner runs (@n8n/scan-community-package):
// the community-nodes recommended rules, no-console, and the three
// eslint-plugin-n8n-nodes-base rule sets with the same rules switched off.
import tseslint from 'typescript-eslint';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';

const jsonParser = {
	parse: (text) => ({
		type: 'Program',
		body: [],
		sourceType: 'module',
		comments: [],
		tokens: [],
		range: [0, text.length],
		loc: { start: { line: 1, column: 0 }, end: { line: 1, column: 0 } },
	}),
};

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
		files: ['package.json'],
		languageOptions: { parser: jsonParser },
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

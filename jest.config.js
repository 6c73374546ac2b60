/**
 * Unit tests run in-process: helpers, the sandbox and tools, and the nodes' execute() and webhook() through n8n's
 * own engine (test/unit/nodes/); integration tests drive a real n8n and the sandbox, one file at a time;
 * queue tests a queue-mode n8n; routing one behind docs/QUEUE-MODE.md's nginx and HAProxy recipes. ts-jest only
 * transpiles (tsconfig.test.json sets isolatedModules): types are checked once by `npm run typecheck`, not again
 * in every test file.
 */
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }];

module.exports = {
	projects: [
		{
			displayName: 'unit',
			testEnvironment: 'node',
			transform: { '^.+\\.ts$': tsJest },
			testMatch: [
				'<rootDir>/test/unit/**/*.test.ts',
				'<rootDir>/test/sandbox/**/*.test.js',
				'<rootDir>/test/tools/**/*.test.js',
			],
		},
		{
			displayName: 'integration',
			testEnvironment: 'node',
			transform: { '^.+\\.ts$': tsJest },
			testMatch: ['<rootDir>/test/integration/**/*.test.{js,ts}', '<rootDir>/test/browser/**/*.test.js'],
			slowTestThreshold: 120,
		},
		{
			displayName: 'queue',
			testEnvironment: 'node',
			testMatch: ['<rootDir>/test/queue/**/*.test.js'],
			slowTestThreshold: 300,
		},
		{
			displayName: 'routing',
			testEnvironment: 'node',
			testMatch: ['<rootDir>/test/routing/**/*.test.js'],
			slowTestThreshold: 300,
		},
	],
};

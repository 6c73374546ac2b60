'use strict';
// docs/COMPAT.md quotes the latest full `npm test`: the renderer reads artifacts/test-all.json's shape.
const { compatSection } = require('../../tools/figures/compat');

const run = {
	finishedAt: '2026-12-04T00:40:00.000Z',
	totalSeconds: 2561,
	cpus: 2,
	node: '20.20.2',
	loadAverage: { start: 0.12, end: 2.5 },
	passed: 901,
	failed: 1,
	runs: [
		{ run: 'build', passed: 1, failed: 0, seconds: 20 },
		{ run: 'lint', passed: 0, failed: 1, seconds: 31 },
		{ run: 'jest unit', project: 'unit', runtime: null, passed: 480, failed: 0, seconds: 19 },
		{
			run: 'jest integration on n8n-2.8',
			project: 'integration',
			runtime: 'n8n-2.8',
			passed: 261,
			failed: 0,
			seconds: 502,
		},
		{
			run: 'jest integration on n8n-2.41',
			project: 'integration',
			runtime: 'n8n-2.41',
			passed: 259,
			failed: 2,
			seconds: 811,
		},
		{ run: 'jest queue on n8n-2.41', project: 'queue', runtime: 'n8n-2.41', passed: 12, failed: 0, seconds: 300 },
	],
};

test('states the run, its totals and load, and each suite on each n8n version as it was', () => {
	const text = compatSection(run);
	expect(text).toContain('Run of 2026-12-04 00:40 UTC');
	expect(text).toContain('**42 min 41 s** in all, **901 passed, 1 failed**');
	expect(text).toContain('load average (1 min) 0.12 at the start, 2.5 at the end');
	expect(text).toContain(
		'| integration | **261 passed, 0 failed** (8 min 22 s) | **259 passed, 2 failed** (13 min 31 s) |',
	);
	// A suite that did not run on a version says so rather than borrowing another run's figures.
	expect(text).toContain('| queue | not run | **12 passed, 0 failed** (5 min 0 s) |');
	expect(text).toContain('2 checks (build, lint): 1 passed, 1 failed');
});

test('rounds a duration before splitting it into minutes, so 119.8 s reads 2 min 0 s', () => {
	const text = compatSection({
		...run,
		runs: [
			{ run: 'jest routing on n8n-2.8', project: 'routing', runtime: 'n8n-2.8', passed: 13, failed: 0, seconds: 119.8 },
		],
	});
	expect(text).toContain('(2 min 0 s)');
	expect(text).not.toContain('60 s');
});

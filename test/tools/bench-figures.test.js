'use strict';
// The README's performance section as `npm run readme:figures` renders it from the bench's results files.
const { markdown } = require('../../tools/figures/bench');
const { comparison } = require('../../tools/bench/lib/rows');

const LOAD = { load1Start: 3.5, load1End: 4.25, seconds: 60, othersCpuPct: 41.5, stealPct: 0 };

function result({ n8n, mode = 'single', rows }) {
	return {
		command: 'npm run bench',
		mode,
		runtime: `n8n-${n8n.split('.').slice(0, 2).join('.')}`,
		profile: 'full',
		finishedAt: '2026-12-03T22:00:00.000Z',
		durationSeconds: 600,
		machine: { n8n, node: '20.20.2', loadStart: 3.5, loadEnd: 4.25 },
		source: {},
		notes: [],
		sections: {},
		rows: rows.map((row) => ({ ...row, load: LOAD })),
	};
}

const cpuRow = (factor) =>
	comparison({
		id: 'intake.cpu',
		primary: true,
		title: 'n8n CPU per callback: trigger ÷ Webhook node',
		unit: 'ms',
		a: { label: 'trigger', values: [10, 11, 12, 13, 14, 15].map((v) => v * factor) },
		b: { label: 'webhook', values: [10, 11, 12, 13, 14, 15] },
		goal: { max: 1.15, text: '≤ 1.15' },
	});

describe('bench figures', () => {
	test('a row that misses its goal is printed as missed, with why, and every cell carries its load', () => {
		const text = markdown([result({ n8n: '2.8.4', rows: [cpuRow(1.3)] })]);
		const line = text.split('\n').find((l) => l.startsWith('| **n8n CPU per callback'));
		expect(line).toContain('**1.3×** (IQR 1.3–1.3, 6 rounds)');
		expect(line).toContain('**MISSED**');
		expect(line).toContain('load 3.5→4.25, others 41.5 %');
		expect(text).toMatch(
			/Rows that miss their goal, and why:\*\*\n\n- n8n 2.8.4, one process, n8n CPU per callback: trigger ÷ Webhook node = 1.3× \(goal ≤ 1.15\): the trigger does/,
		);
		expect(text).toContain(
			"the trigger in all costs **1.3×** the Webhook node's CPU per callback (goal ≤ 1.15: **missed**)",
		);
	});

	test('n8n versions side by side; a row or a version without results shows a dash, not an error', () => {
		const onlyNewest = result({ n8n: '2.41.1', rows: [cpuRow(1.1)] });
		const oldest = result({ n8n: '2.8.4', rows: [] });
		const text = markdown([onlyNewest, oldest]);
		expect(text).toContain("| Ratio (this package ÷ n8n's own, per round) | Goal | n8n 2.8.4 | n8n 2.41.1 |");
		const line = text.split('\n').find((l) => l.startsWith('| **n8n CPU per callback'));
		expect(line.split(' | ')[2]).toBe('–');
		expect(line).toContain('**1.1×**');
		expect(text).toContain('Every row with a goal meets it.');
		// fewer than 6 rounds: the verdict says it has no interval
		const short = comparison({
			id: 'fanout.20.time',
			title: 'Fan-out 20',
			a: { label: 'a', values: [1.3, 1.3, 1.3] },
			b: { label: 'b', values: [1, 1, 1] },
			goal: { max: 1.15, text: '≤ 1.15' },
		});
		const shortText = markdown([result({ n8n: '2.8.4', rows: [short] })]);
		expect(shortText).toContain('**MISSED** (no 95 % interval under 6 rounds)');
		expect(shortText).toContain('(goal ≤ 1.15): n8n itself takes this long around the requests');
		expect(markdown([])).toContain('How it is measured');
	});
});

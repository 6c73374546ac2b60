'use strict';
// docs/COMPAT.md's "Last full run" section, written from artifacts/test-all.json (left by a full
// `npm test`, see tools/checks/test-all.js), so the page always quotes the latest full run.

const RUNTIME_NAMES = { 'n8n-2.8': 'n8n 2.8.4', 'n8n-2.41': 'n8n 2.41.1' };

function minutes(seconds) {
	// round first, so 119.8 s reads 2 min 0 s, not 1 min 60 s
	const total = Math.round(seconds);
	const m = Math.floor(total / 60);
	const s = total - m * 60;
	return m > 0 ? `${m} min ${s} s` : `${s} s`;
}

/** The section's Markdown (without its markers) for one full run. */
function compatSection(f) {
	const jest = f.runs.filter((r) => r.project);
	const checks = f.runs.filter((r) => !r.project);
	const runtimes = [...new Set(jest.filter((r) => r.runtime).map((r) => r.runtime))];
	const cell = (runtime, project) => {
		const r = jest.find((row) => row.runtime === runtime && row.project === project);
		return r ? `**${r.passed} passed, ${r.failed} failed** (${minutes(r.seconds)})` : 'not run';
	};
	const projects = [...new Set(jest.filter((r) => r.runtime).map((r) => r.project))];
	const unit = jest.find((r) => r.project === 'unit');
	const load = f.loadAverage
		? `; load average (1 min) ${f.loadAverage.start} at the start, ${f.loadAverage.end} at the end`
		: '';
	const lines = [
		`Run of ${f.finishedAt.slice(0, 16).replace('T', ' ')} UTC: \`npm test\` on ${f.cpus} cores${f.node ? `, Node ${f.node} running the tests` : ''}${load};`,
		`**${minutes(f.totalSeconds)}** in all, **${f.passed} passed, ${f.failed} failed** (\`artifacts/test-all.json\`).`,
		'',
		`| Suite | ${runtimes.map((r) => RUNTIME_NAMES[r] || r).join(' | ')} |`,
		`| --- | ${runtimes.map(() => '---').join(' | ')} |`,
		...projects.map((p) => `| ${p} | ${runtimes.map((r) => cell(r, p)).join(' | ')} |`),
		'',
		`Plus ${unit ? `the unit project (**${unit.passed} passed, ${unit.failed} failed**, ${minutes(unit.seconds)}) and ` : ''}` +
			`${checks.length} checks (${checks.map((c) => c.run).join(', ')}): ` +
			`${checks.filter((c) => c.failed === 0).length} passed, ${checks.filter((c) => c.failed > 0).length} failed.`,
	];
	return lines.join('\n');
}

module.exports = { compatSection };

'use strict';
// Turns the bench's results files (tools/bench/results/<mode>-<runtime>.json, one per n8n version and mode) into
// the Markdown printed by `npm run bench` and kept in docs/PERFORMANCE.md: one table per mode, the n8n versions side by
// side, every ratio with its spread, its goal, its verdict and the load it was measured under.

const num = (v) => (v === null || v === undefined ? '–' : String(v));
const x = (v) => (v === null || v === undefined ? '–' : `${v}×`);
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
const when = (iso) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/**
 * Why a row can miss its goal, shown under the tables only for rows that missed in these results. Each says what
 * the package does that n8n's own node does not, and whether it is the price of a guarantee.
 */
const WHY_MISSED = {
	'intake.cpu':
		"the trigger does, for every callback, what n8n's Webhook node does not: it reads its callback credential, compares the token in constant time, validates the body, builds one item per balance, and — the guarantee — checks the OperationId against its memory and has n8n save that memory in the workflow's static data before the callback counts as remembered. The next rows split the cost: the memory's share (trigger with it ÷ without it), the rest (trigger without memory ÷ Webhook node), and the trigger against n8n's own Webhook node in version 1 checking a Header Auth credential, which n8n treats as it treats the trigger (on n8n 2.41 two more expression isolates per callback, docs/COMPAT.md row 26). Where that last ratio is near 1 the difference is n8n's work before any node code runs; where the rest dominates without it, the cost is a defect to find with `node tools/bench/profile.js`.",
	'queue.intake.cpu':
		"as in one process, plus the memory write is a PostgreSQL UPDATE of the workflow row from the webhook processor that took the callback (counted under PostgreSQL in the next row); the Webhook node writes nothing there. On n8n 2.41 the webhook processor also creates two expression isolates per callback for every start node but n8n's own Webhook node from version 2 (docs/COMPAT.md row 26): see the row against the Webhook node v1 with Header Auth.",
	'intake.rate':
		'on 2 cores shared by n8n, the bench and the sandbox the accepted rate follows the CPU per callback (see that row).',
	'queue.intake.rate':
		"the rate follows the CPU per callback (above): the processors, the worker, PostgreSQL and Redis share the same 2 cores; on n8n 2.41 n8n's own Webhook node v1 with Header Auth is held to about the same rate.",
	'intake.memorySize':
		'n8n reads and writes the whole memory (one text of at most 40 KB) with every callback; more remembered ids mean more bytes through the database per callback.',
	'overhead.cpu':
		"the Khipu node signs and checks what the HTTP Request node does not: it validates the account, reads Khipu's envelope, maps Khipu's errors and (raw output) returns the envelope; with one call per execution that is a few percent of n8n's own cost per execution.",
	'overhead.latency': 'see the CPU row above: the answer time follows it.',
	// every fan-out size (fanout.<N>.cpu, fanout.<N>.time)
	'fanout.N.cpu':
		'the Khipu node holds its concurrency with a pool where HTTP Request only pauses between batches; with few accounts the fixed cost of the execution (webhook, Split Out, saving) is spread over few of them.',
	'fanout.N.time':
		'n8n itself takes this long around the requests (the HTTP Request node with the same pacing shows the same), not the waiting.',
};

const whyMissed = (id) => WHY_MISSED[id] || WHY_MISSED[id.replace(/^fanout\.\d+\./, 'fanout.N.')];

function cell(row) {
	if (!row) return '–';
	const r = row.ratio;
	const spread = r.n > 1 ? ` (IQR ${num(r.q1)}–${num(r.q3)}, ${r.n} rounds)` : ` (${r.n} round)`;
	const values = `${num(row.a.median)} vs ${num(row.b.median)}${row.unit ? ` ${row.unit}` : ''}`;
	let verdict = '';
	if (row.verdict) verdict = row.verdict.status === 'met' ? 'met' : '**MISSED**';
	// fewer than 6 rounds have no 95 % interval of the median: the verdict is the median's alone
	if (row.verdict && !r.ci95) verdict += ` (no 95 % interval under 6 rounds)`;
	else if (row.verdict && !row.verdict.clear) verdict += ' (within noise of the goal)';
	const ideal = /\(ideal 2\)/.test(row.title) && r.median ? `${Math.round((r.median / 2) * 100)} % of ideal` : '';
	const load = row.load
		? `load ${row.load.load1Start}→${row.load.load1End}, others ${num(row.load.othersCpuPct)} %`
		: '';
	return [`**${x(r.median)}**${spread}`, values, [verdict || ideal, load].filter(Boolean).join(' · ')]
		.filter(Boolean)
		.join('<br>');
}

const goalText = (row) => (row.goal ? row.goal.text : /\(ideal 2\)/.test(row.title) ? 'ideal 2' : '–');
const version = (r) => `n8n ${r.machine.n8n}`;

/** One table: a line per row id, a column per results file (n8n version). */
function table(results) {
	const ids = [];
	const byId = new Map();
	for (const r of results) {
		for (const row of r.rows) {
			if (!byId.has(row.id)) {
				ids.push(row.id);
				byId.set(row.id, row);
			}
		}
	}
	const lines = [
		`| Ratio (this package ÷ n8n's own, per round) | Goal | ${results.map(version).join(' | ')} |`,
		`| --- | --- |${results.map(() => ' --- |').join('')}`,
	];
	for (const id of ids) {
		const first = byId.get(id);
		const title = first.primary ? `**${first.title}**` : first.title;
		lines.push(
			`| ${title} | ${goalText(first)} | ${results.map((r) => cell(r.rows.find((row) => row.id === id))).join(' | ')} |`,
		);
	}
	return lines;
}

/** The guarantee and its price, in words, from the intake rows of every file. */
function guarantee(single, queue) {
	const lines = [];
	const says = (r, id) => r.rows.find((row) => row.id === id);
	for (const r of single) {
		const cost = says(r, 'intake.memoryCost');
		const total = says(r, 'intake.cpu');
		if (!total) continue;
		const extra =
			cost && cost.a.median !== null && cost.b.median !== null
				? Math.round((cost.a.median - cost.b.median) * 100) / 100
				: null;
		lines.push(
			`- ${version(r)}, one process: ${cost ? `the memory costs **${num(extra)} ms** of n8n CPU per callback (trigger with it ÷ without it: ${x(cost.ratio.median)}); ` : ''}` +
				`the trigger in all costs **${x(total.ratio.median)}** the Webhook node's CPU per callback (goal ≤ 1.15: ${total.verdict ? (total.verdict.status === 'met' ? 'met' : '**missed**') : '–'}).`,
		);
	}
	for (const r of queue) {
		const total = says(r, 'queue.intake.cpu');
		const withDb = says(r, 'queue.intake.stackCpu');
		if (!total) continue;
		lines.push(
			`- ${version(r)}, queue mode (2 webhook processors): **${x(total.ratio.median)}** the Webhook node's n8n CPU per callback (goal ≤ 1.15: ${total.verdict ? (total.verdict.status === 'met' ? 'met' : '**missed**') : '–'})` +
				`${withDb ? `; ${x(withDb.ratio.median)} with PostgreSQL and Redis counted` : ''}.`,
		);
	}
	if (lines.length === 0) return [];
	return [
		"**The guarantee first.** A callback the trigger answered 200 is remembered, so a repeated delivery does not run again; whatever the trigger must do for that — check the OperationId, and have n8n save it in the workflow's static data with the answer — is part of its cost, measured against n8n's Webhook node, which does none of it:",
		'',
		...lines,
	];
}

function missed(results) {
	const out = [];
	for (const r of results) {
		for (const row of r.rows) {
			if (row.verdict && row.verdict.status === 'missed') {
				out.push(
					`- ${version(r)}, ${r.mode === 'queue' ? 'queue mode' : 'one process'}, ${row.title} = ${x(row.ratio.median)} (goal ${row.goal.text}): ${whyMissed(row.id) || 'no explanation recorded for this row yet (add one to WHY_MISSED in tools/figures/bench.js).'}`,
				);
			}
		}
	}
	return out.length ? ['**Rows that miss their goal, and why:**', '', ...out] : ['Every row with a goal meets it.'];
}

function others(single) {
	const lines = [];
	for (const r of single) {
		const parts = [];
		const w = r.sections.weight;
		if (w) {
			parts.push(
				`package ${kb(w.package.tarballBytes)} packed, ${w.package.files} files, ${w.package.runtimeDependencies} dependencies`,
			);
			parts.push(
				`require() + instantiate ${num(w.load.khipu.modulesMs.median)} ms vs HTTP Request node ${num(w.load.httpRequest.modulesMs.median)} ms`,
			);
		}
		const p = r.sections.payload;
		if (p && p.sizes) {
			const big = p.sizes[p.sizes.length - 1];
			if (big)
				parts.push(
					`${big.balances} balances in one answer: node time ${num(big.variants.khipu.nodeTimeMs.median)} ms, n8n memory +${num(big.variants.khipu.peakRssDeltaMb.median)} MB (HTTP Request, 1 item: ${num(big.variants.http.nodeTimeMs.median)} ms, +${num(big.variants.http.peakRssDeltaMb.median)} MB)`,
				);
			if (p.linearity)
				parts.push(
					`time per balance ${p.sizes[p.sizes.length - 1].balances} vs ${p.sizes[p.sizes.length - 2].balances} balances ${x(p.linearity.khipu.timePerBalanceBigVsMid)} (1 = linear)`,
				);
		}
		if (parts.length) lines.push(`- ${version(r)}: ${parts.join('; ')}.`);
	}
	return lines;
}

function runs(results) {
	return results.map((r) => {
		const m = r.machine;
		const s = r.source || {};
		const src = s.commit
			? `; commit ${s.commit}${s.packageCommit ? ` (package last changed in ${s.packageCommit.split(' ')[0]}, ${s.packageCommit.split(' ')[1]})` : ''}${s.packageChangesUncommitted ? ', with uncommitted changes to the package' : ''}`
			: '';
		return `- ${r.mode === 'queue' ? 'Queue mode' : 'One process'}, ${version(r)} on Node ${m.node}: ${when(r.finishedAt)}, \`${r.command}\`, ${Math.round(r.durationSeconds / 6) / 10} min, load ${m.loadStart} → ${m.loadEnd}${r.profile === 'quick' ? ', **quick profile (trial figures)**' : ''}${src}${r.notes.length ? `; ${r.notes.join('; ')}` : ''}.`;
	});
}

const METHOD = [
	'How it is measured: everything on 127.0.0.1 (n8n, the Khipu sandbox answering at once unless stated, the bench); each section deploys its variants side by side and runs them in rounds, the order rotated every round. A ratio is this package\'s figure over n8n\'s own in the same round; the cell shows the median of those ratios, its interquartile range and the rounds, the two medians, the verdict against the goal (judged on the median; "within noise" when the 95 % interval of the median crosses the goal), and the load while the section ran (1-minute load average at start → end; "others": CPU used by processes outside the bench, in % of all cores).',
	"CPU is what the kernel counted for every n8n process of the stack (n8n, its task runner; in queue mode main, the worker and both webhook processors): its live threads' `/proc/<pid>/task/<tid>/schedstat`, plus what threads that ended meanwhile used (`/proc/<pid>/stat` less the live threads; n8n 2.41 runs its expression isolates on threads that come and go, and the bench's figures for 2.41 before 2026-12-04 14:54 UTC left them out), from just before the round to the moment its last execution was saved. It varies far less with other load than times and rates do; instruction counts would vary less still, but this VM has no hardware counters (`perf stat -e instructions` says `<not supported>`).",
	"Per call: Webhook (respond with the last node) → one call; HTTP Request 4.2 POSTs the same JSON with `Authorization: Bearer` and returns the envelope, the Khipu node with output raw the same envelope; rounds of sequential calls. Fan-out: Webhook → Split Out → one call per account, the sandbox answering after 200 ms, the Khipu node at concurrency 20 against HTTP Request batches of 20 every 200 ms (n8n's nearest equivalent; its batching never waits for answers); ideal = ceil(N / 20) × 200 ms.",
	"Intake: the same valid Khipu callbacks (unique OperationIds, 20 at a time) to the trigger and to a Webhook node that answers at once; a round ends when every accepted callback's execution is saved. The trigger's memory starts full (2,000 remembered ids, its limit), as on a busy instance. Queue mode: PostgreSQL (fsync off, a throw-away database), Redis, main, 1 worker (concurrency 10) and 2 webhook processors; the bench sends callbacks to one processor or alternately to both, as a load balancer would. The scheduled alert is the shipped example over 1,000 accounts started by its own Schedule Trigger, once per round, interleaved with the same workflow in one n8n process next to it.",
];

/** The Markdown for some results files (any mix of runtimes and modes). */
function markdown(results) {
	const order = (a, b) => a.machine.n8n.localeCompare(b.machine.n8n, 'en', { numeric: true });
	const single = results.filter((r) => r.mode !== 'queue').sort(order);
	const queue = results.filter((r) => r.mode === 'queue').sort(order);
	const out = [];
	out.push(...guarantee(single, queue), '');
	if (single.length) out.push('**One n8n process** (SQLite):', '', ...table(single), '');
	if (queue.length)
		out.push(
			'**Queue mode** (PostgreSQL, Redis, main, a worker, 2 webhook processors; all n8n processes counted):',
			'',
			...table(queue),
			'',
		);
	out.push(...missed([...single, ...queue]), '');
	const more = others(single);
	if (more.length) out.push('Other figures (one process):', '', ...more, '');
	out.push('Runs:', '', ...runs([...single, ...queue]), '');
	out.push(...METHOD.map((l) => `- ${l}`));
	return out
		.join('\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}

/** docs/PERFORMANCE.md's bench section (without its markers), refreshed by `npm run readme:figures`. */
function benchSection(results, files) {
	const links = files.map((f) => `[${f.split('/').pop()}](${f})`).join(', ');
	return `${markdown(results)}\n\nRaw figures: ${links}.`;
}

module.exports = { markdown, benchSection, WHY_MISSED };

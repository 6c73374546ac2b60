'use strict';
// Turns the results object into the Markdown table printed by `npm run bench` and kept in the README.
const fs = require('node:fs');

const fmt = (v, unit = '') => (v === null || v === undefined ? '–' : `${v}${unit}`);
const mmm = (s, unit = '') => (s && s.n ? `${fmt(s.min)} / **${fmt(s.median)}** / ${fmt(s.max)}${unit}` : '–');
const x = (v) => (v === null || v === undefined ? '–' : `${v}×`);
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;

function header(r) {
	const m = r.machine;
	return [
		`Run ${r.finishedAt.slice(0, 16).replace('T', ' ')} UTC with \`${r.command}\` (${Math.round(r.durationSeconds)} s in all).`,
		`Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB RAM, ${m.os}; Node ${m.node}, n8n ${m.n8n}, SQLite.`,
		`Load average (1 min) ${m.loadStart} at start, ${m.loadEnd} at the end${r.notes.length ? `; ${r.notes.join('; ')}` : ''}.`,
		'Cells are min / **median** / max over the samples; ratios compare medians.',
	];
}

function table(r) {
	const rows = [];
	const row = (...cells) => rows.push(`| ${cells.join(' | ')} |`);
	row('#', 'Measure', 'This package', "n8n's own nodes", 'Ratio', 'Goal');
	row('---', '---', '---', '---', '---', '---');

	const o = r.overhead;
	if (o) {
		const v = o.variants;
		row('1', `Webhook → call → answer, ms (${o.calls} sequential calls each, interleaved)`, `Khipu, raw: ${mmm(v.khipuRaw.latencyMs)}`, `HTTP Request: ${mmm(v.http.latencyMs)}`, x(o.ratios.khipuRawVsHttp), '≤ 1.0');
		row('1', '… HTTP Request with the JWT in a Header Auth credential', '–', `HTTP Request + credential: ${mmm(v.httpCred.latencyMs)}`, x(o.ratios.khipuRawVsHttpCredential), '–');
		row('1', '… same, simplified output (1 item per balance)', `Khipu: ${mmm(v.khipu.latencyMs)}`, `HTTP Request: ${fmt(v.http.latencyMs.median)}`, x(o.ratios.khipuSimplifiedVsHttp), '–');
		row('1', '… floor: Webhook node alone, ms', '–', `Webhook: ${mmm(v.webhook.latencyMs)}`, `${x(o.ratios.khipuRawVsFloor)} / ${x(o.ratios.httpVsFloor)} of floor`, '–');
		row('1', '… added above the floor, ms (median − floor)', `${fmt(v.khipuRaw.aboveFloorMs)}`, `${fmt(v.http.aboveFloorMs)}`, x(o.ratios.aboveFloorKhipuRawVsHttp), '≤ 1.0');
		row('1', "… the node's executionTime in n8n, ms (1 ms resolution)", `${mmm(v.khipuRaw.nodeExecutionTimeMs)}`, `${mmm(v.http.nodeExecutionTimeMs)}`, x(o.ratios.nodeTimeKhipuRawVsHttp), '≤ 1.0');
		row('1', '… n8n CPU per call, ms (all threads)', `Khipu, raw: ${mmm(v.khipuRaw.n8nCpuMs)}`, `HTTP Request: ${mmm(v.http.n8nCpuMs)}; + credential: ${fmt(v.httpCred.n8nCpuMs.median)}; floor ${fmt(v.webhook.n8nCpuMs.median)}`, `${x(o.ratios.cpuKhipuRawVsHttp)}; above floor ${x(o.ratios.cpuAboveFloorKhipuRawVsHttp)}; ${x(o.ratios.cpuKhipuRawVsHttpCredential)} vs + credential`, '≤ 1.0');
	}
	const f = r.fanOut;
	if (f) {
		for (const s of f.sizes) {
			const k = s.variants.khipu;
			const h0 = s.variants.httpBatch0;
			const hl = s.variants.httpBatchLatency;
			row(
				'2',
				`Fan-out ${s.n} accounts × ${f.latencyMs} ms, node time ms (ideal ${s.idealMs}; ${s.reps} runs)`,
				`concurrency ${f.concurrency}: ${mmm(k.nodeTimeMs)} = **${x(k.nodeVsIdeal.median)}** ideal; ${k.perAccountMs} ms/account; ≤ ${k.maxInFlight.max} in flight`,
				`batch ${f.concurrency} / ${f.latencyMs} ms: ${mmm(hl.nodeTimeMs)} = ${x(hl.nodeVsIdeal.median)} ideal. batch ${f.concurrency} / 0 ms: ${mmm(h0.nodeTimeMs)}, ${h0.maxInFlight.max} in flight (no limit)`,
				`${x(k.nodeVsIdeal.median)} ideal; ${x(s.khipuVsHttpBatchLatency)} vs batch/${f.latencyMs} ms`,
				'≤ 1.15× ideal',
			);
			row(
				'2',
				`… n8n CPU per account, ms`,
				mmm(k.n8nCpuMsPerAccount),
				`batch/${f.latencyMs} ms: ${mmm(hl.n8nCpuMsPerAccount)}; batch/0: ${fmt(h0.n8nCpuMsPerAccount.median)}`,
				x(s.cpuPerAccountKhipuVsHttp),
				'flat in N',
			);
		}
	}
	const i = r.intake;
	if (i) {
		const t = i.variants.trigger;
		const w = i.variants.webhook;
		row(
			'3',
			`Callbacks accepted per second (${i.rounds} × ${i.requestsPerRound} requests, ${i.concurrency} at a time)`,
			`trigger: ${mmm(t.acceptedPerSecond)}; ${t.executionsFound}/${t.executionsExpected} executions`,
			`Webhook: ${mmm(w.acceptedPerSecond)}; ${w.executionsFound}/${w.executionsExpected} executions`,
			x(i.triggerVsWebhook),
			'≥ 0.95',
		);
		row('3', '… accepted and finished per second (until every execution is saved)', mmm(t.finishedPerSecond), mmm(w.finishedPerSecond), x(i.finishedTriggerVsWebhook), '–');
		row('3', '… n8n CPU per callback, ms (accept, run, save)', mmm(t.n8nCpuMsPerCallback), mmm(w.n8nCpuMsPerCallback), x(i.cpuTriggerVsWebhook), '≤ 1.05');
	}
	const im = r.intakeMemory;
	if (im) {
		const small = im.variants.remembered100;
		const large = im.variants.rememberedMax;
		row(
			'3',
			`Trigger intake with 100 vs ${large.remembered} (the maximum) OperationIds remembered: n8n CPU per callback, ms (${im.rounds} × ${im.requestsPerRound} requests each)`,
			`${large.remembered}: ${mmm(large.n8nCpuMsPerCallback)}; ${mmm(large.acceptedPerSecond)}/s`,
			`100: ${mmm(small.n8nCpuMsPerCallback)}; ${mmm(small.acceptedPerSecond)}/s`,
			`${x(im.cpuMaxVs100)} CPU; ${x(im.rateMaxVs100)} rate`,
			'< 1.2',
		);
	}
	const p = r.payload;
	if (p) {
		for (const s of p.sizes) {
			const k = s.variants.khipu;
			const raw = s.variants.khipuRaw;
			const h = s.variants.http;
			row(
				'4',
				`${s.balances} balances in one answer: node time ms; n8n RSS peak Δ MB (${s.reps} runs)`,
				`simplified: ${mmm(k.nodeTimeMs)} (${k.nodeUsPerBalance} µs/balance), Δ ${fmt(k.peakRssDeltaMb.median)} MB, CPU ${fmt(k.n8nCpuMs.median)} ms; raw: ${fmt(raw.nodeTimeMs.median)} ms, Δ ${fmt(raw.peakRssDeltaMb.median)} MB, CPU ${fmt(raw.n8nCpuMs.median)} ms`,
				`HTTP Request (1 item): ${mmm(h.nodeTimeMs)}, Δ ${fmt(h.peakRssDeltaMb.median)} MB, CPU ${fmt(h.n8nCpuMs.median)} ms`,
				`${x(raw.nodeTimeMs.median && h.nodeTimeMs.median ? Math.round((raw.nodeTimeMs.median / h.nodeTimeMs.median) * 100) / 100 : null)} (raw)`,
				'linear',
			);
		}
		if (p.inProcess) {
			const cells = p.inProcess.map((s) => `${s.balances}: ${s.usPerBalance} µs, ${s.retainedBytesPerBalance} B`).join('; ');
			const [, mid, big] = p.inProcess;
			const inProc = mid && big ? Math.round((big.usPerBalance / mid.usPerBalance) * 100) / 100 : null;
			const lin = p.linearity ? `per-balance time ${big ? big.balances : ''} vs ${mid ? mid.balances : ''}: ${x(p.linearity.khipu.timePerBalanceBigVsMid)} in n8n, ${x(inProc)} in-process` : '–';
			row('4', "… the node's own code in-process (fake context): time and retained heap per balance", cells, '–', lin, 'linear (≈ 1×)');
		}
	}
	const w = r.weight;
	if (w) {
		row('5', 'Tarball (npm pack), files', `${kb(w.package.tarballBytes)} packed, ${kb(w.package.unpackedBytes)} unpacked, ${w.package.files} files, ${w.package.runtimeDependencies} dependencies`, '–', '–', '–');
		row('5', `require() + instantiate, ms, n8n-workflow preloaded (${w.loads} fresh processes)`, `node + trigger + credential: ${mmm(w.load.khipu.modulesMs)}`, `HTTP Request node: ${mmm(w.load.httpRequest.modulesMs)}`, x(w.load.khipuVsHttpRequest), '–');
	}
	return rows;
}

const METHOD = [
	'How it is measured (one n8n, one sandbox, both on 127.0.0.1; variants interleaved round by round):',
	'1 — Webhook (respond with last node) → one call. HTTP Request 4.2 POSTs the same JSON with `Authorization: Bearer` typed in and returns the envelope; the Khipu node with output raw returns the same envelope. Floor: the Webhook node alone.',
	'2 — Webhook → Split Out → one call per account; ideal = ceil(N / concurrency) × latency. n8n’s HTTP Request batching only pauses `batchInterval` between groups and never waits for answers, so at interval 0 every request is in flight at once (column “in flight”); interval = latency is its nearest equivalent of a concurrency limit.',
	'3 — the same valid Khipu envelopes (unique OperationIds) to the trigger and to a Webhook node that answers at once; every accepted callback is matched to a finished execution before the next batch.',
	'4 — node time is the node’s `executionTime` in the saved execution; RSS is n8n’s VmRSS (/proc) sampled every 5 ms, peak minus the level before the call; the in-process row runs the built node with a fake n8n context.',
	'CPU is the n8n process’s CPU time, all threads, from /proc/<pid>/task/<tid>/schedstat, during the request(s): less sensitive than wall time to other load on the machine.',
];

function markdown(r) {
	return [...header(r), '', ...table(r), '', ...METHOD.map((l, k) => (k === 0 ? l : `- ${l}`))].join('\n');
}

/** docs/PERFORMANCE.md's bench section (without its markers), refreshed by `npm run readme:figures`. */
function benchSection(r) {
	return `${markdown(r)}\n\nRaw figures: [tools/bench/results/latest.json](tools/bench/results/latest.json).`;
}

module.exports = { markdown, benchSection };

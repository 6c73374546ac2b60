'use strict';
// 1. Per-call overhead: one account per webhook call, Khipu node vs HTTP Request node vs the bare webhook.
const { postJson } = require('../../n8n-client/http');
const { singleCallWorkflow } = require('./workflows');
const { page, nodeTimeMs, durationMs } = require('../../n8n-client/executions');
const { summary, median, ratio, pairedRatios } = require('./stats');

const ACCOUNT = '000011887755';

const VARIANTS = [
	{ key: 'khipuRaw', label: 'Khipu node, output raw', kind: 'khipu', options: { output: 'raw' } },
	{ key: 'http', label: 'HTTP Request node 4.2, Authorization header typed in', kind: 'http' },
	{ key: 'httpCred', label: 'HTTP Request node 4.2, Header Auth credential', kind: 'httpCred' },
	{ key: 'khipu', label: 'Khipu node, simplified', kind: 'khipu', options: {} },
	{ key: 'webhook', label: 'Webhook only (floor)', kind: 'webhook' },
];

async function runOverhead(stack, { calls, warmup }, log) {
	stack.sandbox.state.configure({ latencyMs: 0 });
	const deployed = [];
	for (const v of VARIANTS) {
		const path = stack.uniquePath(`oh-${v.key}`);
		const wf = await stack.client.createWorkflow(singleCallWorkflow({ kind: v.kind, path, stack, options: v.options }));
		await stack.client.activateWorkflow(wf.id);
		deployed.push({ ...v, id: wf.id, url: `${stack.n8n.baseUrl}/webhook/${path}`, ms: [], cpu: [] });
	}
	const body = JSON.stringify({ accountNumber: ACCOUNT });
	const callOnce = async (d) => {
		const cpu0 = stack.cpuMs();
		let r = await postJson(stack.agent, d.url, body);
		d.lastCpu = stack.cpuMs() - cpu0;
		for (let tries = 0; r.status === 404 && tries < 20; tries++) {
			await new Promise((res) => setTimeout(res, 250)); // the first call after activation can 404
			r = await postJson(stack.agent, d.url, body);
		}
		if (r.status !== 200) throw new Error(`${d.label}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
		if (d.kind !== 'webhook' && !r.body.includes(d.key === 'khipu' ? '"amount":125000' : '"OperationId"')) {
			throw new Error(`${d.label}: unexpected answer ${r.body.slice(0, 300)}`);
		}
		return r.ms;
	};
	for (let i = 0; i < warmup; i++) for (const d of deployed) await callOnce(d);
	log(`  warm-up done (${warmup} calls each); ${calls} timed rounds`);
	const started = Date.now();
	for (let round = 0; round < calls; round++) {
		// rotate the order every round so no variant always follows the same one
		for (let k = 0; k < deployed.length; k++) {
			const d = deployed[(round + k) % deployed.length];
			d.ms.push(await callOnce(d));
			d.cpu.push(d.lastCpu);
		}
	}
	const timedSeconds = (Date.now() - started) / 1000;

	// n8n's own view of the same calls: the Call node's executionTime and the execution's duration
	const sample = Math.min(100, calls);
	for (const d of deployed) {
		const executions = await page(stack.client, d.id, { limit: sample, includeData: true });
		d.nodeMs = executions.map((e) => nodeTimeMs(e, d.kind === 'webhook' ? 'Webhook' : 'Call'));
		d.execMs = executions.map(durationMs);
		d.statuses = [...new Set(executions.map((e) => e.status))];
	}

	const by = Object.fromEntries(deployed.map((d) => [d.key, d]));
	const floor = median(by.webhook.ms);
	const cpuFloor = median(by.webhook.cpu);
	const result = {
		account: ACCOUNT,
		calls,
		warmup,
		timedSeconds: Math.round(timedSeconds),
		variants: Object.fromEntries(
			deployed.map((d) => [
				d.key,
				{
					label: d.label,
					latencyMs: summary(d.ms, { p90: true }),
					aboveFloorMs: d.key === 'webhook' ? null : Math.round((median(d.ms) - floor) * 100) / 100,
					nodeExecutionTimeMs: summary(d.nodeMs),
					// CPU n8n used (all threads) from request to answer; a little of the previous call's tail is in it
					n8nCpuMs: summary(d.cpu),
					cpuAboveFloorMs: d.key === 'webhook' ? null : Math.round((median(d.cpu) - cpuFloor) * 100) / 100,
					executionDurationMs: summary(d.execMs),
					executionStatuses: d.statuses,
				},
			]),
		),
		ratios: {
			khipuRawVsHttp: ratio(median(by.khipuRaw.ms), median(by.http.ms)),
			khipuRawVsHttpCredential: ratio(median(by.khipuRaw.ms), median(by.httpCred.ms)),
			khipuRawVsHttpPerRound: pairedRatios(by.khipuRaw.ms, by.http.ms),
			khipuSimplifiedVsHttp: ratio(median(by.khipu.ms), median(by.http.ms)),
			khipuRawVsFloor: ratio(median(by.khipuRaw.ms), floor),
			httpVsFloor: ratio(median(by.http.ms), floor),
			// the part a call node adds on top of what n8n costs anyway
			aboveFloorKhipuRawVsHttp: ratio(median(by.khipuRaw.ms) - floor, median(by.http.ms) - floor),
			nodeTimeKhipuRawVsHttp: ratio(median(by.khipuRaw.nodeMs), median(by.http.nodeMs)),
			cpuKhipuRawVsHttp: ratio(median(by.khipuRaw.cpu), median(by.http.cpu)),
			cpuAboveFloorKhipuRawVsHttp: ratio(median(by.khipuRaw.cpu) - cpuFloor, median(by.http.cpu) - cpuFloor),
			cpuKhipuRawVsHttpCredential: ratio(median(by.khipuRaw.cpu), median(by.httpCred.cpu)),
		},
	};
	for (const d of deployed) await stack.client.deactivateWorkflow(d.id).catch(() => {});
	return result;
}

module.exports = { runOverhead };

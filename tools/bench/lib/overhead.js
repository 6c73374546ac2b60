'use strict';
// 1. Per-call overhead: one account per webhook call, Khipu node vs HTTP Request node vs the bare webhook.
// A round is `callsPerRound` sequential calls of each variant (order rotated); its figures are the n8n CPU per
// call over the whole group and the median answer time.
const { setTimeout: sleep } = require('node:timers/promises');
const { postJson } = require('../../n8n-client/http');
const { page, nodeTimeMs, durationMs } = require('../../n8n-client/executions');
const { singleCallWorkflow } = require('./workflows');
const { summary, median } = require('./stats');
const { interleaved, comparison } = require('./rows');

const ACCOUNT = '000011887755';

const VARIANTS = [
	{ key: 'khipuRaw', label: 'Khipu node, output raw', kind: 'khipu', options: { output: 'raw' } },
	{ key: 'http', label: 'HTTP Request node 4.2, Authorization header typed in', kind: 'http' },
	{ key: 'httpCred', label: 'HTTP Request node 4.2, Header Auth credential', kind: 'httpCred' },
	{ key: 'khipu', label: 'Khipu node, simplified (1 item per balance)', kind: 'khipu', options: {} },
	{ key: 'webhook', label: 'Webhook node alone (the floor)', kind: 'webhook' },
];

async function runOverhead(stack, { calls, callsPerRound, warmup }, log) {
	stack.sandbox.state.configure({ latencyMs: 0 });
	const deployed = {};
	for (const v of VARIANTS) {
		const path = stack.uniquePath(`oh-${v.key}`);
		const wf = await stack.client.createWorkflow(singleCallWorkflow({ kind: v.kind, path, stack, options: v.options }));
		await stack.client.activateWorkflow(wf.id);
		deployed[v.key] = { ...v, id: wf.id, url: `${stack.n8n.baseUrl}/webhook/${path}` };
	}
	const body = JSON.stringify({ accountNumber: ACCOUNT });
	const callOnce = async (d) => {
		let r = await postJson(stack.agent, d.url, body);
		for (let tries = 0; r.status === 404 && tries < 40; tries++) {
			await sleep(250); // the first call after activation can 404
			r = await postJson(stack.agent, d.url, body);
		}
		if (r.status !== 200) throw new Error(`${d.label}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
		if (d.kind !== 'webhook' && !r.body.includes(d.key === 'khipu' ? '"amount":125000' : '"OperationId"')) {
			throw new Error(`${d.label}: unexpected answer ${r.body.slice(0, 300)}`);
		}
		return r.ms;
	};
	for (let i = 0; i < warmup; i++) for (const d of Object.values(deployed)) await callOnce(d);
	const rounds = Math.ceil(calls / callsPerRound);
	log(`  warm-up done (${warmup} calls each); ${rounds} rounds of ${callsPerRound} calls each`);
	const started = Date.now();
	const samples = await interleaved(VARIANTS, rounds, async (v) => {
		const d = deployed[v.key];
		const ms = [];
		const cpu0 = stack.cpuMs();
		for (let i = 0; i < callsPerRound; i++) ms.push(await callOnce(d));
		return { cpuPerCall: (stack.cpuMs() - cpu0) / callsPerRound, latencyMs: median(ms), ms };
	});
	const timedSeconds = (Date.now() - started) / 1000;

	// n8n's own view of the same calls: the Call node's executionTime and the execution's duration
	const details = {
		account: ACCOUNT,
		calls: rounds * callsPerRound,
		callsPerRound,
		rounds,
		warmup,
		timedSeconds: Math.round(timedSeconds),
		variants: {},
	};
	for (const v of VARIANTS) {
		const executions = await page(stack.client, deployed[v.key].id, { limit: 100, includeData: true });
		details.variants[v.key] = {
			label: v.label,
			latencyMs: summary(
				samples[v.key].flatMap((s) => s.ms),
				{ p90: true },
			),
			n8nCpuMsPerCall: summary(samples[v.key].map((s) => s.cpuPerCall)),
			nodeExecutionTimeMs: summary(executions.map((e) => nodeTimeMs(e, v.kind === 'webhook' ? 'Webhook' : 'Call'))),
			executionDurationMs: summary(executions.map(durationMs)),
			executionStatuses: [...new Set(executions.map((e) => e.status))],
		};
		await stack.client.deactivateWorkflow(deployed[v.key].id).catch(() => {});
	}
	const side = (key, metric) => ({ label: deployed[key].label, values: samples[key].map((s) => s[metric]) });
	// the part a call node adds on top of what the Webhook alone costs, round by round
	const aboveFloor = (key) => ({
		label: `${deployed[key].label}, above the floor`,
		values: samples[key].map((s, i) => s.cpuPerCall - samples.webhook[i].cpuPerCall),
	});
	const rows = [
		comparison({
			id: 'overhead.cpu',
			primary: true,
			title: 'n8n CPU per call (Webhook → call → answer): Khipu node ÷ HTTP Request',
			unit: 'ms',
			a: side('khipuRaw', 'cpuPerCall'),
			b: side('http', 'cpuPerCall'),
			goal: { max: 1.0, text: '≤ 1.0' },
		}),
		comparison({
			id: 'overhead.cpuAboveFloor',
			title: '… the CPU the call node adds above the Webhook node alone: Khipu ÷ HTTP Request',
			unit: 'ms',
			a: aboveFloor('khipuRaw'),
			b: aboveFloor('http'),
		}),
		comparison({
			id: 'overhead.cpuCredential',
			title: '… HTTP Request with the JWT in a Header Auth credential as the baseline',
			unit: 'ms',
			a: side('khipuRaw', 'cpuPerCall'),
			b: side('httpCred', 'cpuPerCall'),
		}),
		comparison({
			id: 'overhead.cpuSimplified',
			title: '… Khipu node with simplified output (1 item per balance) ÷ HTTP Request',
			unit: 'ms',
			a: side('khipu', 'cpuPerCall'),
			b: side('http', 'cpuPerCall'),
		}),
		comparison({
			id: 'overhead.latency',
			title: 'Answer time per call: Khipu node ÷ HTTP Request',
			unit: 'ms',
			a: side('khipuRaw', 'latencyMs'),
			b: side('http', 'latencyMs'),
			goal: { max: 1.0, text: '≤ 1.0' },
		}),
	];
	return { details, rows };
}

module.exports = { runOverhead };

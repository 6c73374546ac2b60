'use strict';
// 2. Fan-out: N accounts in one execution, the sandbox answering each after `latencyMs`.
const { setTimeout: sleep } = require('node:timers/promises');
const { postJson } = require('../../n8n-client/http');
const { newestId, newestAfter, nodeTimeMs, outputCount } = require('../../n8n-client/executions');
const { fanOutWorkflow } = require('./workflows');
const { summary, median, ratio, round } = require('./stats');
const { interleaved, comparison } = require('./rows');

function variantsFor(concurrency, latencyMs) {
	return [
		{
			key: 'khipu',
			label: `Khipu node, concurrency ${concurrency}, output raw`,
			kind: 'khipu',
			options: { concurrency, output: 'raw' },
		},
		{
			key: 'httpBatch0',
			label: `HTTP Request, batch size ${concurrency}, interval 0 (no limit on requests in flight)`,
			kind: 'http',
			batching: { batchSize: concurrency, batchInterval: 0 },
		},
		{
			key: 'httpBatchLatency',
			label: `HTTP Request, batch size ${concurrency}, interval ${latencyMs} ms`,
			kind: 'http',
			batching: { batchSize: concurrency, batchInterval: latencyMs },
		},
	];
}

const accountsFor = (n) => Array.from({ length: n }, (_, i) => ({ accountNumber: `7${String(i).padStart(9, '0')}` }));

async function runFanOut(stack, { concurrency, latencyMs, sizes }, log) {
	const variants = variantsFor(concurrency, latencyMs);
	const deployed = {};
	for (const v of variants) {
		const path = stack.uniquePath(`fan-${v.key}`);
		const wf = await stack.client.createWorkflow(
			fanOutWorkflow({ kind: v.kind, path, stack, options: v.options, batching: v.batching }),
		);
		await stack.client.activateWorkflow(wf.id);
		deployed[v.key] = { ...v, id: wf.id, url: `${stack.n8n.baseUrl}/webhook/${path}` };
	}
	// a first small call per variant so activation and first-use costs are not timed
	stack.sandbox.state.configure({ latencyMs: 0 });
	for (const d of Object.values(deployed)) {
		let r;
		for (let tries = 0; tries < 40; tries++) {
			r = await postJson(stack.agent, d.url, { accounts: accountsFor(3) });
			if (r.status !== 404) break;
			await sleep(250);
		}
		if (r.status !== 200) throw new Error(`${d.label}: warm-up HTTP ${r.status} ${r.body.slice(0, 300)}`);
	}
	stack.sandbox.state.configure({ latencyMs });

	const details = { concurrency, latencyMs, sizes: [] };
	const rows = [];
	for (const { n, reps } of sizes) {
		const ideal = Math.ceil(n / concurrency) * latencyMs;
		const body = JSON.stringify({ accounts: accountsFor(n) });
		const samples = await interleaved(variants, reps, async (v) => {
			const d = deployed[v.key];
			const before = await newestId(stack.client, d.id);
			await stack.sandbox.state.reset();
			const cpu0 = stack.cpuMs();
			const r = await postJson(stack.agent, d.url, body, { timeoutMs: 300_000 });
			const cpu = stack.cpuMs() - cpu0;
			if (r.status !== 200) throw new Error(`${d.label} N=${n}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
			const stats = stack.sandbox.state.stats();
			const execution = await newestAfter(stack.client, d.id, before, { includeData: true });
			const items = outputCount(execution, 'Call');
			if (execution.status !== 'success' || items !== n) {
				throw new Error(`${d.label} N=${n}: execution ${execution.id} ${execution.status} with ${items} items`);
			}
			return {
				wall: r.ms,
				node: nodeTimeMs(execution, 'Call'),
				maxInFlight: stats.maxInFlight,
				requests: stats.requests,
				cpuPerAccount: cpu / n,
				ideal,
			};
		});
		log(
			`  N=${n}: ${variants.map((v) => `${v.key} ${Math.round(median(samples[v.key].map((s) => s.node)))} ms`).join(', ')} (ideal ${ideal}; ${reps} runs each)`,
		);
		const size = { n, reps, idealMs: ideal, variants: {} };
		for (const v of variants) {
			const s = samples[v.key];
			const node = s.map((x) => x.node);
			size.variants[v.key] = {
				label: v.label,
				nodeTimeMs: summary(node, { digits: 0 }),
				wallMs: summary(
					s.map((x) => x.wall),
					{ digits: 0 },
				),
				nodeVsIdeal: summary(
					node.map((t) => t / ideal),
					{ digits: 3 },
				),
				perAccountMs: round(median(node) / n, 2),
				maxInFlight: summary(
					s.map((x) => x.maxInFlight),
					{ digits: 0 },
				),
				n8nCpuMsPerAccount: summary(
					s.map((x) => x.cpuPerAccount),
					{ digits: 3 },
				),
				requestsPerRun: summary(
					s.map((x) => x.requests),
					{ digits: 0 },
				),
			};
		}
		size.khipuVsHttpBatchLatency = ratio(
			median(samples.khipu.map((x) => x.node)),
			median(samples.httpBatchLatency.map((x) => x.node)),
		);
		details.sizes.push(size);
		const side = (key, metric) => ({ label: deployed[key].label, values: samples[key].map((x) => x[metric]) });
		rows.push(
			comparison({
				id: `fanout.${n}.time`,
				title: `Fan-out ${n} accounts × ${latencyMs} ms answers, concurrency ${concurrency}: node time ÷ ideal (${ideal} ms)`,
				unit: 'ms',
				digits: 0,
				a: side('khipu', 'node'),
				b: { label: 'ideal: ceil(N / concurrency) × latency', values: samples.khipu.map(() => ideal) },
				goal: { max: 1.15, text: '≤ 1.15' },
			}),
			comparison({
				id: `fanout.${n}.cpu`,
				primary: true,
				title: `Fan-out ${n} accounts: n8n CPU per account, Khipu node ÷ HTTP Request (batch ${concurrency} / ${latencyMs} ms)`,
				unit: 'ms',
				digits: 3,
				a: side('khipu', 'cpuPerAccount'),
				b: side('httpBatchLatency', 'cpuPerAccount'),
				goal: { max: 1.0, text: '≤ 1.0' },
			}),
		);
	}
	stack.sandbox.state.configure({ latencyMs: 0 });
	await stack.sandbox.state.reset();
	for (const d of Object.values(deployed)) await stack.client.deactivateWorkflow(d.id).catch(() => {});
	return { details, rows };
}

module.exports = { runFanOut };

'use strict';
// 2. Fan-out: N accounts in one execution, the sandbox answering each after `latencyMs`.
const { postJson } = require('../../n8n-client/http');
const { fanOutWorkflow } = require('./workflows');
const { newestId, newestAfter, nodeTimeMs, outputCount } = require('../../n8n-client/executions');
const { summary, median, ratio, round } = require('./stats');

function variantsFor(concurrency, latencyMs) {
	return [
		{ key: 'khipu', label: `Khipu node, concurrency ${concurrency}, output raw`, kind: 'khipu', options: { concurrency, output: 'raw' } },
		{
			key: 'httpBatch0',
			label: `HTTP Request, batch size ${concurrency}, interval 0`,
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
	const deployed = [];
	for (const v of variants) {
		const path = stack.uniquePath(`fan-${v.key}`);
		const wf = await stack.client.createWorkflow(fanOutWorkflow({ kind: v.kind, path, stack, options: v.options, batching: v.batching }));
		await stack.client.activateWorkflow(wf.id);
		deployed.push({ ...v, id: wf.id, url: `${stack.n8n.baseUrl}/webhook/${path}` });
	}
	// a first small call per variant so activation and first-use costs are not timed
	stack.sandbox.state.configure({ latencyMs: 0 });
	for (const d of deployed) {
		let r;
		for (let tries = 0; tries < 20; tries++) {
			r = await postJson(stack.agent, d.url, { accounts: accountsFor(3) });
			if (r.status !== 404) break;
			await new Promise((res) => setTimeout(res, 250));
		}
		if (r.status !== 200) throw new Error(`${d.label}: warm-up HTTP ${r.status} ${r.body.slice(0, 300)}`);
	}
	stack.sandbox.state.configure({ latencyMs });

	const out = { concurrency, latencyMs, sizes: [] };
	for (const { n, reps } of sizes) {
		const ideal = Math.ceil(n / concurrency) * latencyMs;
		const body = JSON.stringify({ accounts: accountsFor(n) });
		const samples = Object.fromEntries(deployed.map((d) => [d.key, { wall: [], node: [], maxInFlight: [], requests: [], cpu: [] }]));
		for (let rep = 0; rep < reps; rep++) {
			for (let k = 0; k < deployed.length; k++) {
				const d = deployed[(rep + k) % deployed.length];
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
				const s = samples[d.key];
				s.wall.push(r.ms);
				s.node.push(nodeTimeMs(execution, 'Call'));
				s.maxInFlight.push(stats.maxInFlight);
				s.requests.push(stats.requests);
				s.cpu.push(cpu / n);
			}
			log(`  N=${n} rep ${rep + 1}/${reps}: ${deployed.map((d) => `${d.key} ${Math.round(samples[d.key].node.at(-1))} ms`).join(', ')} (ideal ${ideal})`);
		}
		const size = { n, reps, idealMs: ideal, variants: {} };
		for (const d of deployed) {
			const s = samples[d.key];
			const nodeMedian = median(s.node);
			size.variants[d.key] = {
				label: d.label,
				nodeTimeMs: summary(s.node, { digits: 0 }),
				wallMs: summary(s.wall, { digits: 0 }),
				nodeVsIdeal: summary(s.node.map((v) => v / ideal), { digits: 3 }),
				wallVsIdeal: ratio(median(s.wall), ideal),
				perAccountMs: round(nodeMedian / n, 2),
				overheadPerAccountMs: round((nodeMedian - ideal) / n, 2),
				maxInFlight: summary(s.maxInFlight, { digits: 0 }),
				n8nCpuMsPerAccount: summary(s.cpu),
				requestsPerRun: summary(s.requests, { digits: 0 }),
			};
		}
		size.khipuVsHttpBatch0 = ratio(median(samples.khipu.node), median(samples.httpBatch0.node));
		size.khipuVsHttpBatchLatency = ratio(median(samples.khipu.node), median(samples.httpBatchLatency.node));
		size.cpuPerAccountKhipuVsHttp = ratio(median(samples.khipu.cpu), median([...samples.httpBatch0.cpu, ...samples.httpBatchLatency.cpu]));
		out.sizes.push(size);
	}
	stack.sandbox.state.configure({ latencyMs: 0 });
	await stack.sandbox.state.reset();
	for (const d of deployed) await stack.client.deactivateWorkflow(d.id).catch(() => {});
	return out;
}

module.exports = { runFanOut };

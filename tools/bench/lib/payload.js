'use strict';
// 4. Payload scaling: one account whose answer holds 10 / 1,000 / 10,000 balances (sandbox BIG-<n>).
// Node time is n8n's own executionTime for the node; memory is n8n's RSS (/proc/<pid>/status, VmRSS)
// sampled every few ms during the call, peak minus the level just before it.
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { setTimeout: sleep } = require('node:timers/promises');
const { postJson } = require('../../n8n-client/http');
const { singleCallWorkflow } = require('./workflows');
const { newestId, newestAfter, nodeTimeMs, outputCount } = require('../../n8n-client/executions');
const { summary, median, round, ratio } = require('./stats');
const { interleaved, comparison } = require('./rows');

const VARIANTS = [
	{ key: 'khipu', label: 'Khipu node, simplified (1 item per balance)', kind: 'khipu', options: {}, items: (n) => n },
	{
		key: 'khipuRaw',
		label: 'Khipu node, output raw (1 item)',
		kind: 'khipu',
		options: { output: 'raw' },
		items: () => 1,
	},
	{ key: 'http', label: 'HTTP Request node (1 item)', kind: 'http', items: () => 1 },
];

function sampleRss(stack, everyMs = 5) {
	const samples = [];
	const timer = setInterval(() => {
		const v = stack.rssKb();
		if (v !== null) samples.push(v);
	}, everyMs);
	return () => {
		clearInterval(timer);
		const v = stack.rssKb();
		if (v !== null) samples.push(v);
		return samples;
	};
}

async function runPayload(stack, { sizes, reps }, log) {
	stack.sandbox.state.configure({ latencyMs: 0 });
	const deployed = {};
	for (const v of VARIANTS) {
		const p = stack.uniquePath(`pl-${v.key}`);
		const wf = await stack.client.createWorkflow(
			singleCallWorkflow({ kind: v.kind, path: p, stack, options: v.options }),
		);
		await stack.client.activateWorkflow(wf.id);
		deployed[v.key] = { ...v, id: wf.id, url: `${stack.n8n.baseUrl}/webhook/${p}` };
	}
	for (const d of Object.values(deployed)) {
		for (let tries = 0; tries < 40; tries++) {
			const r = await postJson(stack.agent, d.url, { accountNumber: 'BIG-10' });
			if (r.status === 200) break;
			await sleep(250);
		}
	}
	const details = { rssSampledEveryMs: 5, n8nPid: stack.n8nPid, sizes: [] };
	const rows = [];
	for (const n of sizes) {
		const account = `BIG-${n}`;
		const samples = await interleaved(VARIANTS, reps, async (v) => {
			const d = deployed[v.key];
			const before = await newestId(stack.client, d.id);
			await sleep(150);
			const base = [];
			for (let i = 0; i < 5; i++) {
				base.push(stack.rssKb());
				await sleep(4);
			}
			const stop = sampleRss(stack);
			const cpu0 = stack.cpuMs();
			const r = await postJson(stack.agent, d.url, { accountNumber: account }, { timeoutMs: 300_000 });
			const cpu = stack.cpuMs() - cpu0;
			const rss = stop();
			if (r.status !== 200) throw new Error(`${d.label} ${account}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
			const execution = await newestAfter(stack.client, d.id, before, { includeData: true });
			const items = outputCount(execution, 'Call');
			if (execution.status !== 'success' || items !== d.items(n)) {
				throw new Error(`${d.label} ${account}: execution ${execution.id} ${execution.status}, ${items} items`);
			}
			return { node: nodeTimeMs(execution, 'Call'), wall: r.ms, cpu, rss: (Math.max(...rss) - median(base)) / 1024 };
		});
		const size = { balances: n, reps, variants: {} };
		for (const v of VARIANTS) {
			const s = samples[v.key];
			const node = s.map((x) => x.node);
			const rss = s.map((x) => x.rss);
			size.variants[v.key] = {
				label: v.label,
				nodeTimeMs: summary(node),
				wallMs: summary(
					s.map((x) => x.wall),
					{ digits: 0 },
				),
				nodeUsPerBalance: round((median(node) * 1000) / n, 1),
				peakRssDeltaMb: summary(rss, { digits: 1 }),
				rssKbPerBalance: round((median(rss) * 1024) / n, 2),
				n8nCpuMs: summary(
					s.map((x) => x.cpu),
					{ digits: 0 },
				),
			};
		}
		details.sizes.push(size);
		log(
			`  ${account}: ${VARIANTS.map((v) => `${v.key} ${size.variants[v.key].nodeTimeMs.median} ms / +${size.variants[v.key].peakRssDeltaMb.median} MB`).join(', ')}`,
		);
		const side = (key) => ({ label: deployed[key].label, values: samples[key].map((x) => x.cpu) });
		rows.push(
			comparison({
				id: `payload.${n}.cpu`,
				title: `${n} balances in one answer: n8n CPU per call, Khipu node (simplified, ${n} items) ÷ HTTP Request (1 item)`,
				unit: 'ms',
				digits: 1,
				a: side('khipu'),
				b: side('http'),
			}),
		);
	}
	// linearity: cost per balance at the largest size over the middle one (1.0 = linear, 10 = quadratic step)
	const [, mid, big] = details.sizes;
	if (mid && big) {
		details.linearity = {};
		for (const v of VARIANTS) {
			details.linearity[v.key] = {
				timePerBalanceBigVsMid: ratio(big.variants[v.key].nodeUsPerBalance, mid.variants[v.key].nodeUsPerBalance),
				rssPerBalanceBigVsMid: ratio(big.variants[v.key].rssKbPerBalance, mid.variants[v.key].rssKbPerBalance),
			};
		}
	}
	for (const d of Object.values(deployed)) await stack.client.deactivateWorkflow(d.id).catch(() => {});
	return { details, rows };
}

/** The node's own parsing and item building, in a fresh process with --expose-gc (see parse-worker.js). */
function runInProcess(stack, { sizes, reps }) {
	const r = spawnSync(
		process.execPath,
		[
			'--expose-gc',
			path.join(__dirname, 'parse-worker.js'),
			JSON.stringify({ pkgDir: stack.installedDir, sizes, reps }),
		],
		{
			encoding: 'utf8',
			env: { ...process.env, NODE_PATH: path.join(stack.runtimeDir, 'node_modules') },
			timeout: 300_000,
		},
	);
	if (r.status !== 0) throw new Error(`parse-worker failed: ${r.stderr || r.stdout}`);
	return JSON.parse(r.stdout);
}

module.exports = { runPayload, runInProcess };

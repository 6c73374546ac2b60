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

const VARIANTS = [
	{ key: 'khipu', label: 'Khipu node, simplified (1 item per balance)', kind: 'khipu', options: {}, items: (n) => n },
	{ key: 'khipuRaw', label: 'Khipu node, output raw (1 item)', kind: 'khipu', options: { output: 'raw' }, items: () => 1 },
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
	const deployed = [];
	for (const v of VARIANTS) {
		const p = stack.uniquePath(`pl-${v.key}`);
		const wf = await stack.client.createWorkflow(singleCallWorkflow({ kind: v.kind, path: p, stack, options: v.options }));
		await stack.client.activateWorkflow(wf.id);
		deployed.push({ ...v, id: wf.id, url: `${stack.n8n.baseUrl}/webhook/${p}` });
	}
	for (const d of deployed) {
		for (let tries = 0; tries < 20; tries++) {
			const r = await postJson(stack.agent, d.url, { accountNumber: 'BIG-10' });
			if (r.status === 200) break;
			await sleep(250);
		}
	}
	const out = { rssSampledEveryMs: 5, n8nPid: stack.n8nPid, sizes: [] };
	for (const n of sizes) {
		const account = `BIG-${n}`;
		const samples = Object.fromEntries(deployed.map((d) => [d.key, { node: [], rss: [], wall: [], cpu: [] }]));
		for (let rep = 0; rep < reps; rep++) {
			for (let k = 0; k < deployed.length; k++) {
				const d = deployed[(rep + k) % deployed.length];
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
				const s = samples[d.key];
				s.node.push(nodeTimeMs(execution, 'Call'));
				s.wall.push(r.ms);
				s.cpu.push(cpu);
				s.rss.push((Math.max(...rss) - median(base)) / 1024);
			}
		}
		const size = { balances: n, reps, variants: {} };
		for (const d of deployed) {
			const s = samples[d.key];
			size.variants[d.key] = {
				label: d.label,
				nodeTimeMs: summary(s.node),
				wallMs: summary(s.wall, { digits: 0 }),
				nodeUsPerBalance: round((median(s.node) * 1000) / n, 1),
				peakRssDeltaMb: summary(s.rss, { digits: 1 }),
				rssKbPerBalance: round((median(s.rss) * 1024) / n, 2),
				n8nCpuMs: summary(s.cpu, { digits: 0 }),
			};
		}
		out.sizes.push(size);
		log(`  ${account}: ${deployed.map((d) => `${d.key} ${size.variants[d.key].nodeTimeMs.median} ms / +${size.variants[d.key].peakRssDeltaMb.median} MB`).join(', ')}`);
	}
	// linearity: cost per balance at the largest size over the middle one (1.0 = linear, 10 = quadratic step)
	const [, mid, big] = out.sizes;
	if (mid && big) {
		out.linearity = {};
		for (const d of deployed) {
			out.linearity[d.key] = {
				timePerBalanceBigVsMid: ratio(big.variants[d.key].nodeUsPerBalance, mid.variants[d.key].nodeUsPerBalance),
				rssPerBalanceBigVsMid: ratio(big.variants[d.key].rssKbPerBalance, mid.variants[d.key].rssKbPerBalance),
			};
		}
	}
	for (const d of deployed) await stack.client.deactivateWorkflow(d.id).catch(() => {});
	return out;
}

/** The node's own parsing and item building, in a fresh process with --expose-gc (see parse-worker.js). */
function runInProcess(stack, { sizes, reps }) {
	const r = spawnSync(
		process.execPath,
		['--expose-gc', path.join(__dirname, 'parse-worker.js'), JSON.stringify({ pkgDir: stack.installedDir, sizes, reps })],
		{ encoding: 'utf8', env: { ...process.env, NODE_PATH: path.join(stack.runtimeDir, 'node_modules') }, timeout: 300_000 },
	);
	if (r.status !== 0) throw new Error(`parse-worker failed: ${r.stderr || r.stdout}`);
	return JSON.parse(r.stdout);
}

module.exports = { runPayload, runInProcess };

'use strict';
// 3. Callback intake: how many Khipu callbacks per second n8n accepts through our trigger vs its Webhook node.
const crypto = require('node:crypto');
const { postJson } = require('../../n8n-client/http');
const { intakeWorkflow } = require('./workflows');
const { callbackCredential } = require('../../workflows/credentials');
const { countSettled } = require('../../n8n-client/executions');
const { summary, median, ratio, pairedRatios } = require('./stats');
const { okEnvelope } = require('../../sandbox/envelope');
const { hashedBalances } = require('../../sandbox/balances');

const VARIANTS = [
	{ key: 'trigger', label: 'Khipu trigger (simplified items)', kind: 'trigger', options: {} },
	{ key: 'webhook', label: 'Webhook node, respond immediately', kind: 'webhook' },
];
// The trigger's repeated-delivery memory (workflow static data, read and written whole on every callback)
// at two sizes: redeployed every round with that many ids already remembered, and sent a small batch so
// the small one stays small.
const MEMORY_SIZES = [
	{ key: 'remembered100', remembered: () => 100 },
	{ key: 'rememberedMax', remembered: (max) => max },
];

/** The built package's own memory format, so the bench fills the memory exactly as the trigger writes it. */
function dedupeLog(stack) {
	return require(require('node:path').join(stack.pkgDir, 'dist', 'nodes', 'shared', 'dedupeLog.js'));
const { setTimeout: sleep } = require('node:timers/promises');
}

function maxRememberedIds(stack) {
	return dedupeLog(stack).MAX_REMEMBERED_IDS;
}

/** Static data as the trigger leaves it: `count` ids, all inside a 24-hour window. */
function rememberedStaticData(stack, count) {
	const { SHARED_KEY, appendEntries, fingerprint } = dedupeLog(stack);
	const until = Date.now() + 86_400_000;
	const log = appendEntries('', Array.from({ length: count }, () => [fingerprint(crypto.randomUUID()), until]));
	return { 'node:Khipu Trigger': { [SHARED_KEY]: log } };
}

/**
 * How many of the batch's OperationIds the trigger's saved memory lacks once every callback was answered:
 * coalesced writes must still save each accepted id (0 expected).
 */
async function idsMissingFromMemory(stack, workflowId, bodies) {
	const { SHARED_KEY, fingerprint } = dedupeLog(stack);
	const wf = await stack.client.getWorkflow(workflowId);
	const log = String(wf.staticData?.['node:Khipu Trigger']?.[SHARED_KEY] ?? '');
	return bodies.filter((body) => !log.includes(` ${fingerprint(JSON.parse(body).OperationId)}\n`)).length;
}

/** N distinct, valid Khipu callback bodies (2 balances each, unique OperationIds). */
function callbackBodies(n) {
	const now = new Date();
	return Array.from({ length: n }, (_, i) =>
		JSON.stringify(okEnvelope(crypto.randomUUID(), { Balance: hashedBalances(`9${String(i).padStart(9, '0')}`, now) })),
	);
}

async function fire(agent, url, bodies, concurrency) {
	let next = 0;
	const statuses = {};
	const started = process.hrtime.bigint();
	const worker = async () => {
		while (next < bodies.length) {
			const body = bodies[next++];
			let status;
			try {
				status = (await postJson(agent, url, body, { timeoutMs: 60_000 })).status;
			} catch {
				status = 'failed';
			}
			statuses[status] = (statuses[status] || 0) + 1;
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
	return { ms: Number(process.hrtime.bigint() - started) / 1e6, statuses };
}

async function waitForCount(client, workflowId, expected, timeoutMs = 180_000) {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const c = await countSettled(client, workflowId);
		if (c.settled >= expected || Date.now() > until) return c;
		await sleep(250);
	}
}

async function runIntake(stack, { requests, concurrency, rounds, warmup }, log) {
	const token = crypto.randomBytes(24).toString('base64url');
	const credential = await callbackCredential(stack, token);
	const deployed = [];
	for (const v of VARIANTS) {
		const wf = intakeWorkflow({ kind: v.kind, path: stack.uniquePath(`in-${v.key}`), credential, options: v.options });
		const created = await stack.client.createWorkflow(wf);
		await stack.client.activateWorkflow(created.id);
		deployed.push({
			...v,
			id: created.id,
			url: `${stack.n8n.baseUrl}/webhook/${wf.path}?token=${token}`,
			expected: 0,
			rate: [],
			drainRate: [],
			cpu: [],
			statuses: {},
		});
	}
	// warm-up (and the first-call-after-activation 404 window)
	for (const d of deployed) {
		for (let tries = 0; tries < 20; tries++) {
			const r = await postJson(stack.agent, d.url, callbackBodies(1)[0]);
			if (r.status === 200) {
				d.expected += 1;
				break;
			}
			if (r.status !== 404) throw new Error(`${d.label}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
			await sleep(250);
		}
		const w = await fire(stack.agent, d.url, callbackBodies(warmup), concurrency);
		d.expected += w.statuses[200] || 0;
		await waitForCount(stack.client, d.id, d.expected);
	}
	for (let round = 0; round < rounds; round++) {
		const bodies = callbackBodies(requests); // the same bodies for both receivers in this round
		for (let k = 0; k < deployed.length; k++) {
			const d = deployed[(round + k) % deployed.length];
			const t0 = Date.now();
			const cpu0 = stack.cpuMs();
			const batch = await fire(stack.agent, d.url, bodies, concurrency);
			for (const [s, c] of Object.entries(batch.statuses)) d.statuses[s] = (d.statuses[s] || 0) + c;
			d.expected += batch.statuses[200] || 0;
			// every accepted callback must become a finished execution before the next batch starts
			const c = await waitForCount(stack.client, d.id, d.expected);
			d.rate.push(requests / (batch.ms / 1000));
			d.drainRate.push(requests / ((Date.now() - t0) / 1000));
			d.cpu.push((stack.cpuMs() - cpu0) / requests);
			log(`  round ${round + 1}/${rounds} ${d.key}: ${Math.round(d.rate.at(-1))}/s accepted, ${Math.round(d.drainRate.at(-1))}/s finished, statuses ${JSON.stringify(batch.statuses)}, executions ${c.settled}/${d.expected}`);
		}
	}
	const byKey = Object.fromEntries(deployed.map((d) => [d.key, d]));
	const result = { requestsPerRound: requests, concurrency, rounds, variants: {} };
	for (const d of deployed) {
		const final = await countSettled(stack.client, d.id);
		result.variants[d.key] = {
			label: d.label,
			acceptedPerSecond: summary(d.rate, { digits: 0 }),
			finishedPerSecond: summary(d.drainRate, { digits: 0 }),
			// accept + run + save, plus the bench's own execution polling (the same for both)
			n8nCpuMsPerCallback: summary(d.cpu),
			httpStatuses: d.statuses,
			executionsExpected: d.expected,
			executionsFound: final.settled,
			executionErrors: final.errors,
			lost: d.expected - final.settled,
		};
	}
	result.triggerVsWebhook = ratio(median(byKey.trigger.rate), median(byKey.webhook.rate));
	result.triggerVsWebhookPerRound = pairedRatios(byKey.trigger.rate, byKey.webhook.rate);
	result.cpuTriggerVsWebhook = ratio(median(byKey.trigger.cpu), median(byKey.webhook.cpu));
	result.finishedTriggerVsWebhook = ratio(median(byKey.trigger.drainRate), median(byKey.webhook.drainRate));
	for (const d of deployed) await stack.client.deactivateWorkflow(d.id).catch(() => {});
	return result;
}

/**
 * Intake cost with 100 and with the maximum number of remembered OperationIds. Each round redeploys both
 * triggers with their memory pre-filled, then sends `requests` callbacks to each (order alternating).
 */
async function runIntakeMemory(stack, { requests, concurrency, rounds }, log) {
	const max = maxRememberedIds(stack);
	const token = crypto.randomBytes(24).toString('base64url');
	const credential = await callbackCredential(stack, token);
	const samples = Object.fromEntries(MEMORY_SIZES.map((m) => [m.key, { remembered: m.remembered(max), rate: [], cpu: [], lost: 0, unsaved: 0 }]));
	for (let round = 0; round < rounds; round++) {
		for (let k = 0; k < MEMORY_SIZES.length; k++) {
			const m = MEMORY_SIZES[(round + k) % MEMORY_SIZES.length];
			const wf = intakeWorkflow({ kind: 'trigger', path: stack.uniquePath(`mem-${m.key}`), credential, options: {} });
			const created = await stack.client.createWorkflow({ ...wf, staticData: rememberedStaticData(stack, m.remembered(max)) });
			await stack.client.activateWorkflow(created.id);
			const url = `${stack.n8n.baseUrl}/webhook/${wf.path}?token=${token}`;
			for (let tries = 0; tries < 20; tries++) {
				const r = await postJson(stack.agent, url, '{}');
				if (r.status === 400) break;
				await sleep(250);
			}
			const bodies = callbackBodies(requests);
			const cpu0 = stack.cpuMs();
			const batch = await fire(stack.agent, url, bodies, concurrency);
			const accepted = batch.statuses[200] || 0;
			const c = await waitForCount(stack.client, created.id, accepted);
			const sample = samples[m.key];
			sample.unsaved += await idsMissingFromMemory(stack, created.id, bodies);
			sample.rate.push(requests / (batch.ms / 1000));
			sample.cpu.push((stack.cpuMs() - cpu0) / requests);
			sample.lost += requests - c.settled;
			log(`  memory round ${round + 1}/${rounds} ${m.key} (${sample.remembered} ids): ${Math.round(sample.rate.at(-1))}/s, CPU ${sample.cpu.at(-1).toFixed(2)} ms/callback`);
			await stack.client.deactivateWorkflow(created.id).catch(() => {});
		}
	}
	const small = samples.remembered100;
	const large = samples.rememberedMax;
	return {
		maxRememberedIds: max,
		requestsPerRound: requests,
		concurrency,
		rounds,
		variants: Object.fromEntries(Object.entries(samples).map(([k, v]) => [
					k,
					{ remembered: v.remembered, acceptedPerSecond: summary(v.rate, { digits: 0 }), n8nCpuMsPerCallback: summary(v.cpu), lost: v.lost, idsNotSaved: v.unsaved },
				])),
		cpuMaxVs100: ratio(median(large.cpu), median(small.cpu)),
		rateMaxVs100: ratio(median(large.rate), median(small.rate)),
	};
}

module.exports = { runIntake, runIntakeMemory, callbackBodies };

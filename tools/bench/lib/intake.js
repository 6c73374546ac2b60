'use strict';
// 3. Callback intake: what n8n spends per Khipu callback through this package's trigger and through its own
// Webhook node, and how many it accepts per second. In queue mode the callbacks go to the webhook
// processors (the bench spreads them itself, one processor or alternating over two).
const crypto = require('node:crypto');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { postJson } = require('../../n8n-client/http');
const { page } = require('../../n8n-client/executions');
const { callbackCredential } = require('../../workflows/credentials');
const { okEnvelope } = require('../../sandbox/envelope');
const { hashedBalances } = require('../../sandbox/balances');
const { intakeWorkflow } = require('./workflows');
const { interleaved, comparison } = require('./rows');
const { round } = require('./stats');

const TRIGGER_NODE = 'Khipu Trigger';
const WEBHOOK_NODE = "n8n's Webhook node (answers at once)";
const WEBHOOK_V1_AUTH =
	"n8n's Webhook node v1 with Header Auth (a credential read, a start node n8n 2.41 gives an isolate)";
// the header the Header Auth credential names; its value is the callbacks' token
const AUTH_HEADER = 'x-khipu-token';
const MEMORY_ON = 'trigger, repeated-delivery memory on (default, 24 h)';
const MEMORY_OFF = 'trigger, memory off (Ignore Repeated Deliveries 0)';
// CPU per callback within 1.15× of the Webhook node, with the exactly-once memory on (docs/PERFORMANCE.md)
const CPU_GOAL = { max: 1.15, text: '≤ 1.15' };
const RATE_GOAL = { min: 0.87, text: '≥ 0.87 (1/1.15)' };

/**
 * The built package's memory format (nodes/shared/dedupeLog.ts), so the bench fills the memory exactly as the
 * trigger writes it; null when the package no longer has it (then nothing is pre-filled or checked).
 */
function memoryFormat(stack) {
	try {
		const m = require(path.join(stack.pkgDir, 'dist', 'nodes', 'shared', 'dedupeLog.js'));
		return m.SHARED_KEY && m.MAX_REMEMBERED_IDS && m.appendEntries && m.fingerprint ? m : null;
	} catch {
		return null;
	}
}

/** Static data as the trigger leaves it: `count` ids, all inside a 24-hour window. */
function rememberedStaticData(format, count) {
	const until = Date.now() + 86_400_000;
	const text = format.appendEntries(
		'',
		Array.from({ length: count }, () => [format.fingerprint(crypto.randomUUID()), until]),
	);
	return { [`node:${TRIGGER_NODE}`]: { [format.SHARED_KEY]: text } };
}

/** How many of the bodies' OperationIds the trigger's saved memory lacks (every accepted id must be there). */
async function idsMissingFromMemory(stack, format, workflowId, bodies) {
	const wf = await stack.client.getWorkflow(workflowId);
	const text = String(wf.staticData?.[`node:${TRIGGER_NODE}`]?.[format.SHARED_KEY] ?? '');
	return bodies.filter((body) => !text.includes(` ${format.fingerprint(JSON.parse(body).OperationId)}\n`)).length;
}

/** N distinct, valid Khipu callback bodies (2 balances each, unique OperationIds). */
function callbackBodies(n) {
	const now = new Date();
	return Array.from({ length: n }, (_, i) =>
		JSON.stringify(okEnvelope(crypto.randomUUID(), { Balance: hashedBalances(`9${String(i).padStart(9, '0')}`, now) })),
	);
}

/** POSTs every body, `concurrency` at a time, body i to urls[i % urls.length]. */
async function fire(agent, urls, bodies, concurrency, headers = {}) {
	let next = 0;
	const statuses = {};
	let answeredDuplicate = 0;
	const started = process.hrtime.bigint();
	const worker = async () => {
		while (next < bodies.length) {
			const i = next++;
			let status;
			try {
				const r = await postJson(agent, urls[i % urls.length], bodies[i], { timeoutMs: 60_000, headers });
				status = r.status;
				if (r.body.includes('"duplicate":true')) answeredDuplicate++;
			} catch {
				status = 'failed';
			}
			statuses[status] = (statuses[status] || 0) + 1;
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
	return { ms: Number(process.hrtime.bigint() - started) / 1e6, statuses, answeredDuplicate };
}

/**
 * Waits until the workflow has `expected` finished executions newer than `afterId` (every accepted callback's
 * execution exists once it was answered). First the newest one alone (a cheap query), then one page to count
 * them, so the polling adds little to the CPU being measured.
 */
async function waitRound(client, workflowId, afterId, expected, timeoutMs = 300_000) {
	const until = Date.now() + timeoutMs;
	const finished = (e) => e.status !== 'new' && e.status !== 'running' && e.status !== 'waiting';
	for (;;) {
		const [newest] = await page(client, workflowId, { limit: 1 });
		if ((newest && Number(newest.id) > afterId && finished(newest)) || expected === 0 || Date.now() > until) break;
		await sleep(100);
	}
	for (;;) {
		const recent = (await page(client, workflowId, { limit: Math.min(250, expected + 20) })).filter(
			(e) => Number(e.id) > afterId,
		);
		const done = recent.filter(finished);
		if ((done.length >= expected && done.length === recent.length) || Date.now() > until) {
			return {
				found: done.length,
				errors: done.filter((e) => e.status === 'error').length,
				newestId: Math.max(afterId, ...recent.map((e) => Number(e.id))),
			};
		}
		await sleep(100);
	}
}

/** Creates and activates the receiver; resolves once every processor in `bases` takes its callbacks. */
async function deployReceiver(stack, { kind, options, staticData, token, credential, headerAuth, bases }) {
	const wf = intakeWorkflow({ kind, path: stack.uniquePath(`in-${kind}`), credential, headerAuth, options });
	const headers = kind === 'webhookV1Auth' ? { [AUTH_HEADER]: token } : {};
	const created = await stack.client.createWorkflow(staticData ? { ...wf, staticData } : wf);
	await stack.client.activateWorkflow(created.id);
	const urls = bases.map((base) => `${base}/webhook/${wf.path}?token=${token}`);
	// a first call can get 404 until the activation reached the process; '{}' is refused (400) by the trigger
	// and starts an execution of the Webhook node's workflow, which the first round's baseline then includes
	for (const url of urls) {
		for (let tries = 0; ; tries++) {
			const r = await postJson(stack.agent, url, '{}', { headers });
			if (r.status !== 404) break;
			if (tries > 60) throw new Error(`${kind} receiver not live at ${url.replace(/token=.*/, 'token=***')}`);
			await sleep(250);
		}
	}
	return { id: created.id, urls, headers };
}

/** One round of a receiver: fire the bodies, wait for every execution, read the CPU used meanwhile. */
async function measureRound(stack, d, bodies, concurrency) {
	const cpu0 = stack.cpuMs();
	const svc0 = stack.servicesCpuMs();
	const t0 = Date.now();
	const batch = await fire(stack.agent, d.urls, bodies, concurrency, d.headers);
	const accepted = batch.statuses[200] || 0;
	const w = await waitRound(stack.client, d.id, d.newestId, accepted);
	const n8nCpu = stack.cpuMs() - cpu0;
	const svcCpu = stack.servicesCpuMs() - svc0;
	const seconds = (Date.now() - t0) / 1000;
	d.newestId = w.newestId;
	const n = bodies.length;
	return {
		cpuPerCallback: n8nCpu / n,
		stackCpuPerCallback: (n8nCpu + svcCpu) / n,
		acceptedPerSecond: n / (batch.ms / 1000),
		finishedPerSecond: n / seconds,
		// the stack's CPU over the round as a share of every core: near 100 % the machine, not n8n, is the limit
		stackCpuPctOfMachine: ((n8nCpu + svcCpu) / (seconds * 1000 * stack.cpuCount)) * 100,
		statuses: batch.statuses,
		accepted,
		found: w.found,
		errors: w.errors,
		answeredDuplicate: batch.answeredDuplicate,
	};
}

function tally(samples) {
	const sum = (k) => samples.reduce((a, s) => a + (s[k] || 0), 0);
	const statuses = {};
	for (const s of samples) for (const [k, v] of Object.entries(s.statuses)) statuses[k] = (statuses[k] || 0) + v;
	return {
		httpStatuses: statuses,
		accepted: sum('accepted'),
		executions: sum('found'),
		executionErrors: sum('errors'),
		lost: Math.max(0, sum('accepted') - sum('found')),
		extra: Math.max(0, sum('found') - sum('accepted')),
		// a first delivery answered as a repeat would be a lost callback
		firstDeliveriesAnsweredDuplicate: sum('answeredDuplicate'),
	};
}

const values = (samples, key) => samples.map((s) => s[key]);

/**
 * Every variant deployed, warmed up, then `rounds` rounds of `requests` callbacks each (the same bodies for
 * every variant of a round, distinct ids throughout).
 * @param {Array<{key, label, kind, options?, processors: number, prefill?: boolean}>} variants
 */
async function runReceivers(stack, variants, { requests, concurrency, rounds, warmup }, log) {
	const token = crypto.randomBytes(24).toString('base64url');
	const credential = await callbackCredential(stack, token);
	const headerAuth = variants.some((v) => v.kind === 'webhookV1Auth')
		? await stack.client.createCredential({
				name: 'bench callback token (Header Auth)',
				type: 'httpHeaderAuth',
				data: { name: AUTH_HEADER, value: token },
			})
		: null;
	const format = memoryFormat(stack);
	const prefilled = format ? format.MAX_REMEMBERED_IDS : 0;
	const deployed = {};
	for (const v of variants) {
		const staticData = v.prefill && format ? rememberedStaticData(format, prefilled) : null;
		const d = await deployReceiver(stack, {
			...v,
			staticData,
			token,
			credential,
			headerAuth,
			bases: stack.webhookBases.slice(0, v.processors),
		});
		d.newestId = 0;
		const warm = await measureRound(stack, d, callbackBodies(warmup), concurrency);
		// a receiver that refuses the callbacks (e.g. a Header Auth mistake: 403) would give a cheap, meaningless row
		if (warm.accepted !== warmup)
			throw new Error(
				`${v.key}: ${warm.accepted} of ${warmup} warm-up callbacks accepted (${JSON.stringify(warm.statuses)})`,
			);
		deployed[v.key] = d;
	}
	const bodiesByRound = [];
	const samples = await interleaved(variants, rounds, async (v, r) => {
		bodiesByRound[r] ||= callbackBodies(requests);
		const s = await measureRound(stack, deployed[v.key], bodiesByRound[r], concurrency);
		log(
			`  round ${r + 1}/${rounds} ${v.key}: ${s.cpuPerCallback.toFixed(2)} ms CPU/callback, ${Math.round(s.acceptedPerSecond)}/s accepted, ${s.found}/${s.accepted} executions`,
		);
		return s;
	});
	const details = {
		requestsPerRound: requests,
		concurrency,
		rounds,
		warmupPerVariant: warmup,
		memoryPrefilledIds: prefilled,
		variants: {},
	};
	for (const v of variants) {
		const s = samples[v.key];
		details.variants[v.key] = { label: v.label, processors: v.processors, ...tally(s) };
		if (v.prefill && format) {
			details.variants[v.key].idsMissingFromMemoryAfterLastRound = await idsMissingFromMemory(
				stack,
				format,
				deployed[v.key].id,
				bodiesByRound[rounds - 1],
			);
		}
		details.variants[v.key].stackCpuPctOfMachine = round(
			values(s, 'stackCpuPctOfMachine').sort((a, b) => a - b)[Math.floor(s.length / 2)],
			0,
		);
	}
	for (const d of Object.values(deployed)) await stack.client.deactivateWorkflow(d.id).catch(() => {});
	return { samples, details };
}

/** Single process: the trigger with its memory on and off, and the Webhook node. */
async function runIntake(stack, profile, log) {
	const variants = [
		{ key: 'trigger', label: MEMORY_ON, kind: 'trigger', options: {}, processors: 1, prefill: true },
		{ key: 'triggerNoMemory', label: MEMORY_OFF, kind: 'trigger', options: { dedupeHours: 0 }, processors: 1 },
		{ key: 'webhook', label: WEBHOOK_NODE, kind: 'webhook', processors: 1 },
		{ key: 'webhookV1Auth', label: WEBHOOK_V1_AUTH, kind: 'webhookV1Auth', processors: 1 },
	];
	const { samples: s, details } = await runReceivers(stack, variants, profile, log);
	const side = (key, metric) => ({ label: details.variants[key].label, values: values(s[key], metric) });
	const rows = [
		comparison({
			id: 'intake.cpu',
			primary: true,
			title: 'n8n CPU per callback (accept, run, save): trigger ÷ Webhook node',
			unit: 'ms',
			a: side('trigger', 'cpuPerCallback'),
			b: side('webhook', 'cpuPerCallback'),
			goal: CPU_GOAL,
		}),
		comparison({
			id: 'intake.memoryCost',
			title: 'n8n CPU per callback: trigger with its repeated-delivery memory ÷ without it (the cost of the guarantee)',
			unit: 'ms',
			a: side('trigger', 'cpuPerCallback'),
			b: side('triggerNoMemory', 'cpuPerCallback'),
		}),
		comparison({
			id: 'intake.cpuNoMemory',
			title: 'n8n CPU per callback: trigger without memory ÷ Webhook node (token, body checks, items)',
			unit: 'ms',
			a: side('triggerNoMemory', 'cpuPerCallback'),
			b: side('webhook', 'cpuPerCallback'),
		}),
		comparison({
			id: 'intake.cpuLikeForLike',
			title:
				"n8n CPU per callback: trigger ÷ n8n's Webhook node v1 checking a Header Auth credential (the same n8n work before the node runs)",
			unit: 'ms',
			a: side('trigger', 'cpuPerCallback'),
			b: side('webhookV1Auth', 'cpuPerCallback'),
		}),
		comparison({
			id: 'intake.webhookPhase',
			title:
				"n8n CPU per callback, n8n's own nodes: Webhook node v1 with Header Auth ÷ Webhook node (n8n's cost, no package code)",
			unit: 'ms',
			a: side('webhookV1Auth', 'cpuPerCallback'),
			b: side('webhook', 'cpuPerCallback'),
		}),
		comparison({
			id: 'intake.rate',
			title: `Callbacks accepted per second (${profile.concurrency} at a time): trigger ÷ Webhook node`,
			unit: '/s',
			digits: 0,
			a: side('trigger', 'acceptedPerSecond'),
			b: side('webhook', 'acceptedPerSecond'),
			goal: RATE_GOAL,
		}),
		comparison({
			id: 'intake.finished',
			title: 'Callbacks accepted and finished per second (until every execution is saved): trigger ÷ Webhook node',
			unit: '/s',
			digits: 0,
			a: side('trigger', 'finishedPerSecond'),
			b: side('webhook', 'finishedPerSecond'),
		}),
	];
	return { details, rows };
}

/**
 * Queue mode: the trigger (memory on) and the Webhook node, each through one webhook processor and through two
 * (callbacks alternating), every n8n process's CPU counted, PostgreSQL and Redis apart.
 */
async function runQueueIntake(stack, profile, log) {
	const variants = [
		{
			key: 'trigger2',
			label: `${MEMORY_ON}, 2 webhook processors`,
			kind: 'trigger',
			options: {},
			processors: 2,
			prefill: true,
		},
		{ key: 'webhook2', label: `${WEBHOOK_NODE}, 2 webhook processors`, kind: 'webhook', processors: 2 },
		{
			key: 'webhookV1Auth2',
			label: `${WEBHOOK_V1_AUTH}, 2 webhook processors`,
			kind: 'webhookV1Auth',
			processors: 2,
		},
		{
			key: 'trigger1',
			label: `${MEMORY_ON}, 1 webhook processor`,
			kind: 'trigger',
			options: {},
			processors: 1,
			prefill: true,
		},
		{ key: 'webhook1', label: `${WEBHOOK_NODE}, 1 webhook processor`, kind: 'webhook', processors: 1 },
	];
	const { samples: s, details } = await runReceivers(stack, variants, profile, log);
	const side = (key, metric) => ({ label: details.variants[key].label, values: values(s[key], metric) });
	const rows = [
		comparison({
			id: 'queue.intake.cpu',
			primary: true,
			title: 'n8n CPU per callback, all n8n processes (2 webhook processors, a worker, main): trigger ÷ Webhook node',
			unit: 'ms',
			a: side('trigger2', 'cpuPerCallback'),
			b: side('webhook2', 'cpuPerCallback'),
			goal: CPU_GOAL,
		}),
		comparison({
			id: 'queue.intake.stackCpu',
			title: '… the same with PostgreSQL and Redis: trigger ÷ Webhook node',
			unit: 'ms',
			a: side('trigger2', 'stackCpuPerCallback'),
			b: side('webhook2', 'stackCpuPerCallback'),
		}),
		comparison({
			id: 'queue.intake.cpuLikeForLike',
			title:
				"… trigger ÷ n8n's Webhook node v1 checking a Header Auth credential (the same n8n work before the node runs)",
			unit: 'ms',
			a: side('trigger2', 'cpuPerCallback'),
			b: side('webhookV1Auth2', 'cpuPerCallback'),
		}),
		comparison({
			id: 'queue.intake.rateLikeForLike',
			title: 'Callbacks accepted per second through 2 webhook processors: trigger ÷ Webhook node v1 with Header Auth',
			unit: '/s',
			digits: 0,
			a: side('trigger2', 'acceptedPerSecond'),
			b: side('webhookV1Auth2', 'acceptedPerSecond'),
		}),
		comparison({
			id: 'queue.intake.rate',
			title: `Callbacks accepted per second through 2 webhook processors (${profile.concurrency} at a time): trigger ÷ Webhook node`,
			unit: '/s',
			digits: 0,
			a: side('trigger2', 'acceptedPerSecond'),
			b: side('webhook2', 'acceptedPerSecond'),
			goal: RATE_GOAL,
		}),
		comparison({
			id: 'queue.scaling.trigger',
			title: 'Intake scaling, trigger: accepted per second with 2 webhook processors ÷ with 1 (ideal 2)',
			unit: '/s',
			digits: 0,
			a: side('trigger2', 'acceptedPerSecond'),
			b: side('trigger1', 'acceptedPerSecond'),
		}),
		comparison({
			id: 'queue.scaling.webhook',
			title: "Intake scaling, n8n's Webhook node: 2 webhook processors ÷ 1 (ideal 2)",
			unit: '/s',
			digits: 0,
			a: side('webhook2', 'acceptedPerSecond'),
			b: side('webhook1', 'acceptedPerSecond'),
		}),
	];
	return { details, rows };
}

/**
 * The trigger's cost with 100 and with the maximum number of remembered OperationIds. Each round redeploys
 * both triggers with their memory filled, then sends `requests` callbacks to each.
 */
async function runIntakeMemory(stack, { requests, concurrency, rounds }, log) {
	const format = memoryFormat(stack);
	if (!format)
		return {
			details: { skipped: 'the built package has no dedupeLog memory format (nodes/shared/dedupeLog.ts) to fill' },
			rows: [],
		};
	const max = format.MAX_REMEMBERED_IDS;
	const token = crypto.randomBytes(24).toString('base64url');
	const credential = await callbackCredential(stack, token);
	const sizes = [
		{ key: 'remembered100', remembered: 100 },
		{ key: 'rememberedMax', remembered: max },
	];
	const samples = await interleaved(sizes, rounds, async (m, r) => {
		const staticData = rememberedStaticData(format, m.remembered);
		const d = await deployReceiver(stack, {
			kind: 'trigger',
			options: {},
			staticData,
			token,
			credential,
			bases: stack.webhookBases.slice(0, 1),
		});
		d.newestId = 0;
		const bodies = callbackBodies(requests);
		const s = await measureRound(stack, d, bodies, concurrency);
		s.idsMissing = await idsMissingFromMemory(stack, format, d.id, bodies);
		await stack.client.deactivateWorkflow(d.id).catch(() => {});
		log(
			`  memory round ${r + 1}/${rounds} ${m.remembered} ids: ${s.cpuPerCallback.toFixed(2)} ms CPU/callback, ${Math.round(s.acceptedPerSecond)}/s`,
		);
		return s;
	});
	const side = (m) => ({
		label: `${m.remembered} OperationIds remembered`,
		values: values(samples[m.key], 'cpuPerCallback'),
	});
	const details = { maxRememberedIds: max, requestsPerRound: requests, concurrency, rounds, variants: {} };
	for (const m of sizes)
		details.variants[m.key] = {
			remembered: m.remembered,
			...tally(samples[m.key]),
			idsNotSaved: samples[m.key].reduce((a, s) => a + s.idsMissing, 0),
		};
	const rows = [
		comparison({
			id: 'intake.memorySize',
			title: `n8n CPU per callback with ${max} (the maximum) OperationIds remembered ÷ with 100`,
			unit: 'ms',
			a: side(sizes[1]),
			b: side(sizes[0]),
			goal: { max: 1.2, text: '≤ 1.2' },
		}),
	];
	return { details, rows };
}

module.exports = { runIntake, runQueueIntake, runIntakeMemory, callbackBodies, waitRound };

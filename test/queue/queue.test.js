'use strict';
// The package on n8n's distributed engine: PostgreSQL, Redis, one main, two workers and two webhook
// processors behind a round-robin proxy (startStack({ mode: 'queue' }), tools/stack), the Khipu sandbox in-process.
// Figures go to artifacts/queue-mode.json.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { REPO_ROOT } = require('../../tools/lib/repo');
const { DEFAULT_RUNTIME } = require('../../tools/runtime/paths');
const { startStack } = require('../../tools/stack/stack');
const { startSandbox, DEFAULT_JWT } = require('../../tools/sandbox/server');
const { balancesWorkflow, triggerWorkflow, pauseWorkflow } = require('../../tools/workflows/workflows');
const { outputJson, settledExecutions, executionsOf } = require('../../tools/n8n-client/executions');
const { startTestStack } = require('../integration/support/stack');
const { makeToken } = require('../integration/support/callbacks');
const { countSecret, postRaw, sleep } = require('../integration/reliability/support');
const Q = require('./support');

const TRIGGER = 'Khipu Trigger';
const figures = { runtime: process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME, startedAt: new Date().toISOString() };
const secrets = { jwt: DEFAULT_JWT };
let sandbox;
let queue;
let credential;

beforeAll(async () => {
	sandbox = await startSandbox({ callbackDelayMs: 2000 });
	const started = Date.now();
	queue = await startStack({
		mode: 'queue',
		workers: 2,
		webhooks: 2,
		// a killed worker's job is noticed within seconds instead of n8n's default 60 s lock
		n8nEnv: { QUEUE_WORKER_LOCK_DURATION: '10000', QUEUE_WORKER_LOCK_RENEW_TIME: '2000', QUEUE_WORKER_STALLED_INTERVAL: '5000' },
	});
	figures.stackStartMs = Date.now() - started;
	secrets.encryptionKey = queue.encryptionKey;
	credential = await queue.client.createCredential({
		name: 'Khipu sandbox (JWT)',
		type: 'khipuApi',
		data: { authType: 'jwt', jwtToken: DEFAULT_JWT, baseUrl: sandbox.url, allowedHttpRequestDomains: 'all' },
	});
}, 300_000);

afterAll(async () => {
	if (queue) await queue.stop();
	if (sandbox) await sandbox.close();
	fs.mkdirSync(path.join(REPO_ROOT, 'artifacts'), { recursive: true });
	fs.writeFileSync(path.join(REPO_ROOT, 'artifacts', 'queue-mode.json'), JSON.stringify({ ...figures, finishedAt: new Date().toISOString() }, null, 2) + '\n');
}, 120_000);

/** A trigger workflow on the queue stack; its URL is the proxy's (what Khipu would be given). */
async function deployTrigger(name) {
	const token = makeToken(32);
	secrets[`token ${name}`] = token;
	const { workflow, url } = await triggerWorkflow(queue, { token, name });
	const created = await queue.client.createWorkflow(workflow);
	await queue.client.activateWorkflow(created.id);
	const onProcessor = (k) => `${url.replace(queue.webhookUrl, queue.webhooks[k].baseUrl)}?token=${token}`;
	// a first call can 404 until every webhook processor sees the activation
	for (let k = 0; k < queue.webhooks.length; k++) {
		for (let i = 0; ; i++) {
			const r = await postRaw(onProcessor(k), {});
			if (r.status === 400) break;
			if (i > 50) throw new Error(`trigger ${name} not live on webhook-${k + 1}: HTTP ${r.status}`);
			await sleep(200);
		}
	}
	return { id: created.id, url: `${url}?token=${token}`, onProcessor };
}

/** POSTs to a production webhook through the proxy, again while a processor answers 404 (activation not seen yet). */
async function postWhenLive(hookPath, body) {
	for (let i = 0; ; i++) {
		const r = await postRaw(`${queue.webhookUrl}/webhook/${hookPath}`, body);
		if (r.status !== 404 || i >= 49) return r;
		await sleep(200);
	}
}

/** operationId -> executions of the trigger workflow that carry it. */
async function executionsByOperation(workflowId, expected, { settleMs = 3000, timeoutMs = 180_000 } = {}) {
	const all = await settledExecutions(queue.client, workflowId, { count: expected, settleMs, timeoutMs, includeData: true });
	const byOperation = new Map();
	for (const execution of all) {
		const items = outputJson(execution, TRIGGER);
		const id = items[0] && items[0].operationId;
		const list = byOperation.get(id) || [];
		list.push({ execution, items });
		byOperation.set(id, list);
	}
	return { all, byOperation };
}

describe('queue mode: n8n main + 2 workers + 2 webhook processors on PostgreSQL and Redis', () => {
	test('the scheduled balance alert over 200 accounts runs on a worker and gives single-process results', async () => {
		const accounts = Array.from({ length: 200 }, (_, i) => ({
			accountNumber: `7${String(i).padStart(9, '0')}`,
			label: `Account ${i}`,
			minimumBalance: { ARS: 400000 },
		}));
		const single = await startTestStack();
		let queued;
		let reference;
		try {
			[queued, reference] = await Promise.all([
				Q.runScheduledOnce(queue.client, Q.scheduledAlert({ credential, accounts })),
				Q.runScheduledOnce(single.client, Q.scheduledAlert({ credential: single.credentials.jwt, accounts })),
			]);
		} finally {
			await single.stop();
		}
		expect([queued.execution.status, queued.execution.mode]).toEqual(['success', 'trigger']);
		expect(reference.execution.status).toBe('success');
		const ranOn = Q.workerStarts(queue).get(String(queued.execution.id)) || [];
		expect(ranOn).toHaveLength(1);
		expect(ranOn[0]).toMatch(/^worker-/);
		expect(Q.readLog(queue.main.logFile)).not.toMatch(new RegExp(`Worker started execution ${queued.execution.id}\\b`));

		const summary = (e) => {
			const [item] = outputJson(e.execution, 'Summary');
			const { checkedAt, ...rest } = item;
			expect(Number.isNaN(Date.parse(checkedAt))).toBe(false);
			return rest;
		};
		const balances = (e, branch) =>
			(e.execution.data.resultData.runData['Below the minimum?'][0].data.main[branch] || []).map(({ json }) => [json.accountNumber, json.currency, json.amount]);
		const queuedSummary = summary(queued);
		expect(queuedSummary).toEqual(summary(reference));
		expect(queuedSummary.balancesChecked).toBe(400);
		expect(balances(queued, 0)).toEqual(balances(reference, 0));
		expect(balances(queued, 1)).toEqual(balances(reference, 1));
		expect(queuedSummary.belowMinimumCount).toBe(balances(queued, 0).length);
		figures.scheduledAlert = {
			accounts: 200,
			balancesChecked: queuedSummary.balancesChecked,
			belowMinimum: queuedSummary.belowMinimumCount,
			worker: ranOn[0],
			equalsSingleProcess: true,
		};
	}, 300_000);

	test('500 callbacks with distinct OperationIds through the proxy give exactly 500 executions with the right balances', async () => {
		const trigger = await deployTrigger('q-500');
		const calls = Array.from({ length: 500 }, (_, i) => ({ operationId: crypto.randomUUID(), ...Q.callbackFor('', i) }));
		for (const call of calls) call.body.OperationId = call.operationId;
		const started = Date.now();
		const answers = await Q.deliver(trigger.url, calls.map((c) => c.body), { concurrency: 20, attempts: 1 });
		const acceptMs = Date.now() - started;
		expect(answers.map((a) => a[0].status).filter((s) => s !== 200)).toEqual([]);
		expect(answers.filter((a) => a[0].duplicate)).toHaveLength(0);
		const perUpstream = [0, 0];
		for (const a of answers) perUpstream[Number(a[0].upstream)]++;
		// round robin; a request retried on the other processor after a reset connection shifts one
		expect(perUpstream[0] + perUpstream[1]).toBe(500);
		expect(Math.min(...perUpstream)).toBeGreaterThanOrEqual(240);

		const { all, byOperation } = await executionsByOperation(trigger.id, 500);
		expect(all).toHaveLength(500);
		expect(all.filter((e) => e.status !== 'success')).toEqual([]);
		const wrong = calls.filter((c) => {
			const found = byOperation.get(c.operationId) || [];
			return found.length !== 1 || found[0].items.length !== 1 || found[0].items[0].amount !== c.amount;
		});
		expect(wrong.map((c) => c.operationId)).toEqual([]);
		const starts = Q.workerStarts(queue);
		const onWorkers = all.filter((e) => (starts.get(String(e.id)) || []).length === 1);
		expect(onWorkers).toHaveLength(500);
		const perWorker = {};
		for (const e of all) perWorker[starts.get(String(e.id))[0]] = (perWorker[starts.get(String(e.id))[0]] || 0) + 1;
		figures.callbacks500 = { accepted: 500, executions: all.length, acceptMs, perWebhookProcessor: perUpstream, perWorker, drainedMs: Date.now() - started };
	}, 300_000);

	test('each of 200 callbacks delivered again 1-3 s later on the other webhook processor: no extra execution but the measured exception', async () => {
		const trigger = await deployTrigger('q-repeat');
		const calls = Array.from({ length: 200 }, (_, i) => {
			const c = Q.callbackFor(crypto.randomUUID(), i);
			return { operationId: c.body.OperationId, ...c };
		});
		const repeats = [];
		const firsts = await Q.deliver(trigger.url, calls.map((c) => c.body), {
			concurrency: 10,
			attempts: 1,
		});
		// schedule repeats as each first answer is known: 1-3 s later, on the processor that did not take it
		const sent = Date.now();
		calls.forEach((call, i) => {
			const other = 1 - Number(firsts[i][0].upstream);
			const delay = 1000 + Math.floor(Math.random() * 2000);
			repeats.push(sleep(delay).then(() => postRaw(trigger.onProcessor(other), call.body)));
		});
		expect(firsts.map((a) => a[0].status).filter((s) => s !== 200)).toEqual([]);
		const repeated = await Promise.all(repeats);
		figures.repeatedDeliveries = { callbacks: 200, repeatWindowMs: Date.now() - sent };
		expect(repeated.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
		const slipped = repeated.filter((r) => !(r.json && r.json.duplicate)).length;
		const { all, byOperation } = await executionsByOperation(trigger.id, 200);
		figures.repeatedDeliveries = { ...figures.repeatedDeliveries, answeredDuplicate: 200 - slipped, executions: all.length };
		// the measured exception (README, Running in queue mode): two processes' saves can overwrite each other
		// and a repeat that lands before the trigger re-adds its ids slips through; 0 or 1 of 200 in our runs
		expect(slipped).toBeLessThanOrEqual(2);
		expect(all).toHaveLength(200 + slipped);
		expect(calls.filter((c) => (byOperation.get(c.operationId) || []).length !== 1)).toHaveLength(slipped);
	}, 300_000);

	test('simultaneous duplicates: to the same processor none slips through; to both processors the count is recorded', async () => {
		const trigger = await deployTrigger('q-simultaneous');
		const pairs = 100;
		// OperationIds are at most 36 characters
		const same = Array.from({ length: pairs }, (_, i) => Q.callbackFor(`same-${crypto.randomUUID().slice(5)}`, i).body);
		const both = Array.from({ length: pairs }, (_, i) => Q.callbackFor(`both-${crypto.randomUUID().slice(5)}`, i).body);
		for (const body of same) await Promise.all([postRaw(trigger.onProcessor(0), body), postRaw(trigger.onProcessor(0), body)]);
		const answers = [];
		for (const body of both) answers.push(await Promise.all([postRaw(trigger.onProcessor(0), body), postRaw(trigger.onProcessor(1), body)]));
		expect(answers.flat().map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
		const { all, byOperation } = await executionsByOperation(trigger.id, 2 * pairs);
		const count = (prefix) => [...byOperation.entries()].filter(([id]) => String(id).startsWith(prefix));
		const sameCounts = count('same-').map(([, list]) => list.length);
		const bothCounts = count('both-').map(([, list]) => list.length);
		expect(sameCounts).toEqual(same.map(() => 1));
		expect(bothCounts).toHaveLength(pairs);
		expect(bothCounts.every((n) => n === 1 || n === 2)).toBe(true);
		const slipThroughs = bothCounts.filter((n) => n === 2).length;
		expect(all).toHaveLength(2 * pairs + slipThroughs);
		figures.simultaneousDuplicates = { pairsSameProcessor: pairs, slipThroughsSameProcessor: 0, pairsBothProcessors: pairs, slipThroughsBothProcessors: slipThroughs };
	}, 300_000);

	test('pause mode: a worker pauses, a webhook processor takes the callback, a worker finishes with the balances', async () => {
		const hookPath = `q-pause-${crypto.randomBytes(4).toString('hex')}`;
		const created = await queue.client.createWorkflow(pauseWorkflow({ path: hookPath, credential }));
		await queue.client.activateWorkflow(created.id);
		const accounts = ['000011887755', '1000000004', '000011887755', '1000000004'];
		for (const accountNumber of accounts) {
			expect((await postWhenLive(hookPath, { accounts: [{ accountNumber }] })).status).toBe(200);
		}
		const finished = await queue.client.waitForExecutions({ workflowId: created.id, count: accounts.length, status: 'success', timeoutMs: 120_000, includeData: true });
		expect(finished).toHaveLength(accounts.length);
		const results = finished.map((e) => outputJson(e, 'Khipu').map((i) => [i.accountNumber, i.amount]));
		expect(results.sort()).toEqual([[['000011887755', 125000]], [['000011887755', 125000]], [['1000000004', -1520.5]], [['1000000004', -1520.5]]].sort());
		// the callback came through the proxy to a webhook processor (n8n's resume URL is WEBHOOK_URL)
		const callbacks = sandbox.state.callbacks().slice(-accounts.length);
		expect(callbacks.every((c) => String(c.url || c.callbackUrl || '').startsWith(`${queue.webhookUrl}/webhook-waiting/`))).toBe(true);
		const starts = Q.workerStarts(queue);
		// started on a worker, resumed on a worker: two "Worker started execution" lines per execution
		expect(finished.map((e) => (starts.get(String(e.id)) || []).length)).toEqual(finished.map(() => 2));
		figures.pauseMode = { executions: finished.length, resumedOn: finished.map((e) => starts.get(String(e.id))) };
	}, 300_000);

	test('a webhook processor restarted during a stream of callbacks: every callback answered 200 has exactly one execution', async () => {
		const trigger = await deployTrigger('q-restart');
		const calls = Array.from({ length: 300 }, (_, i) => Q.callbackFor(crypto.randomUUID(), i).body);
		const served = () => queue.proxy.counts.reduce((a, b) => a + b, 0);
		const before = served();
		let restartMs = null;
		const restart = (async () => {
			while (served() - before < 60) await sleep(20);
			const t0 = Date.now();
			await queue.webhooks[0].stop(); // graceful, as an orchestrator's rolling restart does
			await queue.startWebhook(0);
			restartMs = Date.now() - t0;
		})();
		// a sender that delivers again whatever was not answered 200, as Khipu redelivers
		const answers = await Q.deliver(trigger.url, calls, { concurrency: 5, attempts: 10, retryDelayMs: 500 });
		await restart;
		const ok = answers.filter((a) => a.at(-1).status === 200);
		const { all, byOperation } = await executionsByOperation(trigger.id, ok.length);
		const notOnce = calls.filter((c, i) => answers[i].at(-1).status === 200 && (byOperation.get(c.OperationId) || []).length !== 1);
		figures.webhookRestart = {
			callbacks: calls.length,
			answered200: ok.length,
			deliveredMoreThanOnce: answers.filter((a) => a.length > 1).length,
			answersBefore200: answers.flatMap((a) => a.slice(0, -1).map((x) => x.status)),
			answeredDuplicate: answers.filter((a) => a.at(-1).duplicate).length,
			executions: all.length,
			answered200WithoutExactlyOneExecution: notOnce.length,
			restartMs,
		};
		expect(restartMs).not.toBeNull();
		expect(ok).toHaveLength(calls.length);
		expect(notOnce.map((c) => c.OperationId)).toEqual([]);
		// a callback cut off during the shutdown (not answered 200) may have started an execution already
		expect(all.length - calls.length).toBeLessThanOrEqual(figures.webhookRestart.deliveredMoreThanOnce);
	}, 300_000);

	test('a worker killed with SIGKILL during a 200-account run: n8n ends that execution, nothing runs twice', async () => {
		const hookPath = `q-kill-${crypto.randomBytes(4).toString('hex')}`;
		const workflow = balancesWorkflow({ path: hookPath, credential, name: 'queue kill run' });
		workflow.nodes.find((n) => n.name === 'Webhook').parameters = { httpMethod: 'POST', path: hookPath, responseMode: 'onReceived', options: {} };
		const created = await queue.client.createWorkflow(workflow);
		await queue.client.activateWorkflow(created.id);
		const accounts = Array.from({ length: 200 }, (_, i) => ({ accountNumber: `8${String(i).padStart(9, '0')}` }));
		sandbox.state.configure({ latencyMs: 150 });
		const requestsBefore = sandbox.state.stats().requests;
		try {
			expect((await postWhenLive(hookPath, { accounts })).status).toBe(200);
			const [started] = await queue.client.waitForExecutions({ workflowId: created.id, count: 1, status: 'running', timeoutMs: 60_000 });
			while (sandbox.state.stats().requests - requestsBefore < 40) await sleep(50);
			const victimRole = (Q.workerStarts(queue).get(String(started.id)) || [])[0];
			expect(victimRole).toMatch(/^worker-/);
			const victimIndex = Number(victimRole.split('-')[1]) - 1;
			const killedAt = Date.now();
			const requestsAtKill = sandbox.state.stats().requests - requestsBefore;
			const killedPid = await queue.kill(queue.workers[victimIndex]);
			expect(killedPid).toBeGreaterThan(0);

			// what n8n does next: poll the execution until it is no longer running
			let execution;
			for (;;) {
				execution = await queue.client.getExecution(started.id, { includeData: true });
				if (!['new', 'running'].includes(execution.status) || Date.now() - killedAt > 120_000) break;
				await sleep(500);
			}
			const startsAfter = Q.workerStarts(queue).get(String(started.id)) || [];
			const items = outputJson(execution, 'Khipu');
			figures.workerKill = {
				executionId: String(started.id),
				killed: victimRole,
				requestsToKhipuBeforeKill: requestsAtKill,
				requestsToKhipuInAll: sandbox.state.stats().requests - requestsBefore,
				statusAfter: execution.status,
				secondsUntilSettled: Math.round((Date.now() - killedAt) / 1000),
				startedOn: startsAfter,
				itemsOut: items.length,
				error: execution.data && execution.data.resultData && execution.data.resultData.error ? execution.data.resultData.error.message : null,
				executionsOfWorkflow: (await executionsOf(queue.client, created.id)).length,
			};
			expect(['new', 'running']).not.toContain(execution.status);
			expect(figures.workerKill.executionsOfWorkflow).toBe(1);
			if (execution.status === 'success') expect(items).toHaveLength(400);
		} finally {
			sandbox.state.configure({ latencyMs: 0 });
			await queue.startWorker(Number((figures.workerKill && figures.workerKill.killed || 'worker-1').split('-')[1]) - 1).catch(() => {});
		}
	}, 300_000);

	test('no secret in the PostgreSQL dump, Redis, or any process log', async () => {
		const dump = Q.pgDump(queue);
		const redis = Q.redisContents(queue, queue.dir);
		const sources = { 'pg_dump': dump, redis: redis.text };
		for (const { role, file } of queue.logFiles()) sources[`${role} log`] = Q.readLog(file);
		// The callback tokens live in khipuCallbackApi credentials (encrypted), so every table is scanned for them too.
		const found = {};
		for (const [name, secret] of Object.entries(secrets)) {
			for (const [source, text] of Object.entries(sources)) {
				const n = countSecret(text, secret);
				if (n > 0) found[`${name} in ${source}`] = n;
			}
		}
		figures.secretScan = {
			secrets: Object.keys(secrets).length,
			bytesScanned: Object.values(sources).reduce((a, t) => a + Buffer.byteLength(t), 0),
			sources: Object.keys(sources),
			redisKeys: redis.keys.length,
			found,
		};
		expect(dump).toContain('CREATE TABLE public.execution_entity');
		expect(Object.keys(sources).filter((s) => s.endsWith(' log'))).toHaveLength(1 + queue.workers.length + queue.webhooks.length + 2);
		expect(found).toEqual({});
	}, 120_000);
});

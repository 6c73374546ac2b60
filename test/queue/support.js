'use strict';
// Helpers for the queue-mode suite: which process ran what (from n8n's own log lines), the example alert
// on a schedule, Khipu callback bodies with known amounts, and dumps of PostgreSQL and Redis.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');

const { scheduledAlertWorkflow, ALERT_NAME } = require('../../tools/workflows/examples');
const { okEnvelope, balance, postRaw, pool, sleep } = require('../integration/reliability/support');
const { isFinished } = require('../../tools/n8n-client/executions');

function readLog(file) {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch {
		return '';
	}
}

/** executionId -> roles of the workers that logged "Worker started execution <id>" (once per start), replaced workers included. */
function workerStarts(queue) {
	const starts = new Map();
	// a restarted worker writes on in its predecessor's log file: each file is read once
	const seen = new Set();
	for (const worker of [...(queue.retired || []), ...queue.workers.filter(Boolean)]) {
		if (!worker.role || !worker.role.startsWith('worker-') || seen.has(worker.logFile)) continue;
		seen.add(worker.logFile);
		for (const match of readLog(worker.logFile).matchAll(/Worker started execution (\d+)/g)) {
			const list = starts.get(match[1]) || [];
			list.push(worker.role);
			starts.set(match[1], list);
		}
	}
	return starts;
}

/** The shipped scheduled-alert example over `accounts`, its schedule every `seconds` seconds so a test sees a real scheduled run. */
function scheduledAlert({ credential, accounts, seconds = 10, name }) {
	return scheduledAlertWorkflow({
		credential,
		accounts,
		rule: { field: 'seconds', secondsInterval: seconds },
		name: name || `${ALERT_NAME} (queue test)`,
	});
}

/** Activates a scheduled workflow until its first run has started, then deactivates it; returns that run, finished. */
async function runScheduledOnce(client, workflow, { timeoutMs = 120_000 } = {}) {
	const created = await client.createWorkflow(workflow);
	await client.activateWorkflow(created.id);
	let first;
	const until = Date.now() + timeoutMs;
	while (!first) {
		const all = await client.listExecutions({ workflowId: created.id });
		first = all.sort((a, b) => Number(a.id) - Number(b.id))[0];
		if (!first && Date.now() > until)
			throw new Error(`workflow ${created.id}: no scheduled run within ${timeoutMs} ms`);
		if (!first) await sleep(300);
	}
	await client.deactivateWorkflow(created.id);
	for (;;) {
		const execution = await client.getExecution(first.id, { includeData: true });
		if (isFinished(execution)) return { workflow: created, execution };
		if (Date.now() > until) throw new Error(`execution ${first.id} still ${execution.status} after ${timeoutMs} ms`);
		await sleep(300);
	}
}

/** Khipu's callback for OperationId `operationId`, one ARS balance of `index` + 0.25. */
function callbackFor(operationId, index) {
	return {
		body: okEnvelope(operationId, [balance({ accountId: `AR-QUEUE-${index}`, amount: `${index}.25` })]),
		amount: index + 0.25,
	};
}

/**
 * POSTs every body (at most `concurrency` at a time); a non-200 answer is delivered again, up to
 * `attempts` times, the way a sender that retries would. Returns per body its answers.
 */
async function deliver(url, bodies, { concurrency = 10, attempts = 8, retryDelayMs = 300 } = {}) {
	return pool(bodies.length, concurrency, async (i) => {
		const answers = [];
		for (let attempt = 0; attempt < attempts; attempt++) {
			const r = await postRaw(url, bodies[i]);
			answers.push({ status: r.status, upstream: r.headers['x-upstream'], duplicate: !!(r.json && r.json.duplicate) });
			if (r.status === 200) break;
			await sleep(retryDelayMs);
		}
		return answers;
	});
}

/** `pg_dump` of the stack's database as text (the same major version as the server). */
function pgDump(queue) {
	const { binDir, port, database } = queue.postgres;
	return execFileSync(
		path.join(binDir, 'pg_dump'),
		['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', database],
		{
			encoding: 'utf8',
			maxBuffer: 512 * 1024 * 1024,
		},
	);
}

/**
 * Everything in Redis, uncompressed: RDB compression off, then `redis-cli --rdb` (the whole dataset,
 * as Redis would write it to disk), plus the key names.
 */
function redisContents(queue, dir) {
	const cli = (...args) =>
		execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(queue.redis.port), ...args], {
			encoding: 'utf8',
			maxBuffer: 256 * 1024 * 1024,
		});
	cli('CONFIG', 'SET', 'rdbcompression', 'no');
	const file = path.join(dir, 'redis-dump.rdb');
	execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(queue.redis.port), '--rdb', file], { stdio: 'ignore' });
	const keys = cli('--scan').split('\n').filter(Boolean);
	return { keys, text: `${keys.join('\n')}\n${fs.readFileSync(file).toString('latin1')}` };
}

/**
 * Reads the trigger's memory as saved in PostgreSQL every ~10 ms (one psql session), so a test can tell
 * for each repeat that started a second execution why the store did not have its id: never saved by
 * then, or saved and then overwritten by another process's save.
 * @returns {{ stop: () => Promise<Array<{t: number, fps: Set<string>}>> }}
 */
function watchStore(queue, workflowId, nodeName) {
	const { binDir, port, database } = queue.postgres;
	const psql = spawn(
		path.join(binDir, 'psql'),
		['-X', '-A', '-t', '-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database],
		{ stdio: ['pipe', 'pipe', 'ignore'] },
	);
	const query = `SELECT replace(coalesce(("staticData"::json -> '${nodeName.replace(/'/g, "''")}' ->> 'operationIds'), ''), E'\\n', ',') FROM workflow_entity WHERE id = '${String(workflowId).replace(/'/g, "''")}';\n`;
	const timeline = [];
	let buffered = '';
	let waiting = null;
	psql.stdout.on('data', (chunk) => {
		buffered += chunk.toString('utf8');
		const end = buffered.indexOf('\n');
		if (end === -1 || !waiting) return;
		const line = buffered.slice(0, end);
		buffered = buffered.slice(end + 1);
		const fps = new Set(
			line
				.split(',')
				.filter(Boolean)
				.map((entry) => entry.slice(entry.indexOf(' ') + 1)),
		);
		const resolve = waiting;
		waiting = null;
		resolve(fps);
	});
	let running = true;
	const loop = (async () => {
		while (running) {
			const fps = await new Promise((resolve) => {
				waiting = resolve;
				psql.stdin.write(query);
			});
			timeline.push({ t: Date.now(), fps });
			await new Promise((r) => setTimeout(r, 10));
		}
	})();
	return {
		async stop() {
			running = false;
			await loop;
			psql.stdin.end();
			psql.kill();
			return timeline;
		},
	};
}

/**
 * Why each repeat in `slipped` ({fp, firstAnsweredAt, repeatSentAt}) found no id in the store, from a
 * watchStore() timeline: 'not saved yet' (never in the store before the repeat was sent) or
 * 'overwritten' (in the store after the first answer, gone by the time the repeat read it).
 */
function attributeRepeats(slipped, timeline) {
	const causes = { 'not saved yet': 0, overwritten: 0 };
	for (const { fp, repeatSentAt } of slipped) {
		const seenBefore = timeline.some((p) => p.t <= repeatSentAt && p.fps.has(fp));
		causes[seenBefore ? 'overwritten' : 'not saved yet']++;
	}
	return causes;
}

/**
 * The processes that still answer /healthz/readiness with something other than 200 after `timeoutMs` (all
 * polled together), as { role, url, status }.
 */
async function processesNotReady(queue, timeoutMs) {
	const processes = [
		{ role: 'main', url: `${queue.main.baseUrl}/healthz/readiness` },
		...queue.webhooks.filter(Boolean).map((w) => ({ role: w.role, url: `${w.baseUrl}/healthz/readiness` })),
		...queue.workers.filter(Boolean).map((w) => ({ role: w.role, url: `${w.healthUrl}/readiness` })),
	];
	const until = Date.now() + timeoutMs;
	let waiting = processes;
	for (;;) {
		const statuses = await Promise.all(
			waiting.map((p) =>
				fetch(p.url).then(
					(r) => r.status,
					() => 0,
				),
			),
		);
		waiting = waiting.map((p, i) => ({ ...p, status: statuses[i] })).filter((p) => p.status !== 200);
		if (waiting.length === 0 || Date.now() > until) return waiting;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/**
 * Waits until main, every webhook processor and every worker answer /healthz/readiness with 200 (n8n answers
 * 503 while a process has lost its database or Redis).
 */
async function untilEveryProcessReady(queue, timeoutMs) {
	const urls = [
		`${queue.main.baseUrl}/healthz/readiness`,
		...queue.webhooks.filter(Boolean).map((w) => `${w.baseUrl}/healthz/readiness`),
		...queue.workers.filter(Boolean).map((w) => `${w.healthUrl}/readiness`),
	];
	const until = Date.now() + timeoutMs;
	for (const url of urls) {
		for (;;) {
			const status = await fetch(url).then(
				(r) => r.status,
				() => 0,
			);
			if (status === 200) break;
			if (Date.now() > until) throw new Error(`${url}: not ready within ${timeoutMs} ms (HTTP ${status})`);
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
	}
}

module.exports = {
	processesNotReady,
	untilEveryProcessReady,
	workerStarts,
	scheduledAlert,
	runScheduledOnce,
	callbackFor,
	deliver,
	pgDump,
	redisContents,
	readLog,
	watchStore,
	attributeRepeats,
	ALERT_NAME,
};

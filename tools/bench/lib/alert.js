'use strict';
// 6. The shipped scheduled balance alert over many accounts, started by its own Schedule Trigger: in queue mode
// (main schedules, a worker runs it) and the same run in one n8n process, interleaved. Each run gets a schedule
// that fires once, at a second the bench picks, so the CPU window opens just before it fires and closes when
// the execution has finished: no activation, no idle minute is counted.
const fs = require('node:fs');
const { setTimeout: sleep } = require('node:timers/promises');
const { page, outputJson } = require('../../n8n-client/executions');
const { scheduledAlertWorkflow } = require('../../workflows/examples');
const { interleaved, comparison } = require('./rows');

// time from activating the workflow to its run: n8n must have registered the schedule by then
const LEAD_MS = 5_000;

const accountsFor = (n) =>
	Array.from({ length: n }, (_, i) => ({
		accountNumber: `7${String(i).padStart(9, '0')}`,
		label: `Account ${i}`,
		minimumBalance: { ARS: 400000 },
	}));

/**
 * A REST read retried when the connection itself failed: at a load of 10 on two cores (n8n 2.41.1 in queue
 * mode) one poll got `fetch failed` and ended the first full bench run. Reads only: nothing is sent twice.
 */
async function read(fn, tries = 5) {
	for (let attempt = 1; ; attempt++) {
		try {
			return await fn();
		} catch (error) {
			const network = error instanceof TypeError && /fetch failed/.test(error.message);
			if (!network || attempt >= tries) throw error;
			await sleep(500 * attempt);
		}
	}
}

const finished = (e) => e && e.status !== 'new' && e.status !== 'running' && e.status !== 'waiting';

/** One scheduled run on `side`: deploy for a second LEAD_MS ahead, measure from just before it until it finished. */
async function scheduledRun(side, accounts, name) {
	for (let attempt = 0; attempt < 3; attempt++) {
		const fireAt = Math.ceil((Date.now() + LEAD_MS * (attempt + 1)) / 1000) * 1000;
		const second = new Date(fireAt).getUTCSeconds();
		const workflow = scheduledAlertWorkflow({
			credential: side.stack.credential,
			accounts,
			rule: { field: 'cronExpression', expression: `${second} * * * * *` },
			name,
		});
		const created = await side.stack.client.createWorkflow(workflow);
		await side.stack.client.activateWorkflow(created.id);
		const wait = fireAt - 300 - Date.now();
		if (wait < 0) {
			// activation took longer than the lead: try again with more
			await side.stack.client.deactivateWorkflow(created.id).catch(() => {});
			continue;
		}
		await sleep(wait);
		const cpu0 = side.stack.cpuMs();
		const svc0 = side.stack.servicesCpuMs();
		const t0 = Date.now();
		let execution;
		while (!finished(execution)) {
			[execution] = await read(() => page(side.stack.client, created.id, { limit: 1 }));
			if (!execution && Date.now() - fireAt > 30_000) break;
			if (!finished(execution)) await sleep(100);
			if (Date.now() - t0 > 600_000)
				throw new Error(
					`${side.key}: scheduled run of workflow ${created.id} still ${execution && execution.status} after 10 min`,
				);
		}
		const cpu = side.stack.cpuMs() - cpu0;
		const svc = side.stack.servicesCpuMs() - svc0;
		const windowMs = Date.now() - t0;
		await side.stack.client.deactivateWorkflow(created.id).catch(() => {});
		if (!execution) continue; // the schedule did not fire in time: next attempt
		if (execution.status !== 'success')
			throw new Error(`${side.key}: scheduled run ${execution.id} ended ${execution.status}`);
		return {
			cpuPerAccount: cpu / accounts.length,
			stackCpuPerAccount: (cpu + svc) / accounts.length,
			runMs: Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt),
			windowMs,
			executionId: String(execution.id),
			mode: execution.mode,
		};
	}
	throw new Error(`${side.key}: the scheduled run did not start in three attempts`);
}

/** The run's summary item without its time, and every balance checked: what must be equal on both sides. */
async function outcome(stack, executionId) {
	const execution = await read(() => stack.client.getExecution(executionId, { includeData: true }));
	const [summaryItem] = outputJson(execution, 'Summary');
	const { checkedAt, ...rest } = summaryItem || {};
	const below = execution.data.resultData.runData['Below the minimum?'][0].data.main;
	const balances = [0, 1].map((branch) =>
		(below[branch] || []).map(({ json }) => [json.accountNumber, json.currency, json.amount]),
	);
	return { summary: rest, checkedAt, balances };
}

/** executionId -> the worker whose log says it started it (n8n's "Worker started execution <id>"). */
function workerThatRan(queue, executionId) {
	const pattern = new RegExp(`Worker started execution ${executionId}\\b`);
	const worker = queue.workers.find((w) => pattern.test(fs.readFileSync(w.logFile, 'utf8')));
	return worker ? worker.role : null;
}

async function runAlert({ queue, single }, { accounts: count, rounds }, log) {
	const accounts = accountsFor(count);
	const sides = [
		{
			key: 'queue',
			label: `queue mode: main schedules, a worker runs it (${queue.workers.length} worker${queue.workers.length > 1 ? 's' : ''})`,
			stack: queue,
		},
		{ key: 'single', label: 'one n8n process (SQLite)', stack: single },
	];
	const samples = await interleaved(sides, rounds, async (side, r) => {
		const s = await scheduledRun(side, accounts, `bench alert ${count} accounts ${side.key} ${r + 1}`);
		log(
			`  alert round ${r + 1}/${rounds} ${side.key}: ${s.cpuPerAccount.toFixed(3)} ms CPU/account, run ${s.runMs} ms`,
		);
		return s;
	});
	// the last run of each side: the same summary and balances, and the queue's run on a worker
	const last = (key) => samples[key][samples[key].length - 1];
	const [q, one] = [await outcome(queue, last('queue').executionId), await outcome(single, last('single').executionId)];
	const sameResult = JSON.stringify([q.summary, q.balances]) === JSON.stringify([one.summary, one.balances]);
	const ranOn = workerThatRan(queue, last('queue').executionId);
	if (!sameResult) throw new Error('the scheduled alert gave different results in queue mode and in one process');
	if (!ranOn) throw new Error(`the queue-mode run ${last('queue').executionId} did not start on a worker`);
	const details = {
		accounts: count,
		rounds,
		balancesChecked: q.summary.balancesChecked,
		belowMinimum: q.summary.belowMinimumCount,
		sameResultAsOneProcess: sameResult,
		queueRunStartedOn: ranOn,
		executionModes: [...new Set(sides.flatMap((s) => samples[s.key].map((x) => x.mode)))],
	};
	const side = (key, metric) => ({
		label: sides.find((s) => s.key === key).label,
		values: samples[key].map((x) => x[metric]),
	});
	const rows = [
		comparison({
			id: 'queue.alert.cpu',
			primary: true,
			title: `Scheduled alert over ${count} accounts: n8n CPU per account, queue mode (all n8n processes) ÷ one process`,
			unit: 'ms',
			digits: 3,
			a: side('queue', 'cpuPerAccount'),
			b: side('single', 'cpuPerAccount'),
		}),
		comparison({
			id: 'queue.alert.stackCpu',
			title: '… with PostgreSQL and Redis counted (one process: SQLite inside n8n)',
			unit: 'ms',
			digits: 3,
			a: side('queue', 'stackCpuPerAccount'),
			b: side('single', 'stackCpuPerAccount'),
		}),
		comparison({
			id: 'queue.alert.time',
			title: '… run time (execution start to finish): queue mode ÷ one process',
			unit: 'ms',
			digits: 0,
			a: side('queue', 'runMs'),
			b: side('single', 'runMs'),
		}),
	];
	return { details, rows };
}

module.exports = { runAlert };

'use strict';
// Reading executions back through n8n's public API: the newest one of a workflow, a page of them, a count,
// all of them once they have settled, and the output of one node.
const { setTimeout: sleep } = require('node:timers/promises');

/** Execution statuses that will still change. */
const UNFINISHED = new Set(['new', 'running', 'waiting']);

/** true once an execution has ended (n8n still lists new, running and waiting ones). */
const isFinished = (execution) => !!execution && !UNFINISHED.has(execution.status);

async function page(client, workflowId, { limit = 1, includeData = false } = {}) {
	const qs = new URLSearchParams({
		workflowId: String(workflowId),
		limit: String(limit),
		includeData: String(includeData),
	});
	const r = await client.api('GET', `/executions?${qs}`);
	return r.data || [];
}

/** The newest execution of the workflow with an id above `afterId`, once it has finished. */
async function newestAfter(client, workflowId, afterId, { includeData = true, timeoutMs = 120_000 } = {}) {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const [e] = await page(client, workflowId, { limit: 1, includeData });
		if (e && Number(e.id) > Number(afterId) && isFinished(e)) return e;
		if (Date.now() > until) throw new Error(`no new finished execution of workflow ${workflowId} after ${afterId}`);
		await sleep(100);
	}
}

async function newestId(client, workflowId) {
	const [e] = await page(client, workflowId, { limit: 1 });
	return e ? Number(e.id) : 0;
}

/** How many finished executions the workflow has (all pages). */
async function countSettled(client, workflowId) {
	const all = await client.listExecutions({ workflowId, includeData: false });
	return {
		settled: all.filter(isFinished).length,
		total: all.length,
		errors: all.filter((e) => e.status === 'error').length,
	};
}

/** Every execution of the workflow as n8n's public API lists it (all statuses), oldest first. */
async function executionsOf(client, workflowId, { includeData = false } = {}) {
	const all = await client.listExecutions({ workflowId, includeData });
	return all.sort((a, b) => Number(a.id) - Number(b.id));
}

/**
 * Waits until `count` executions exist, then keeps watching for `settleMs` so a late extra one is
 * seen too; returns them all (oldest first). Use it to assert an exact count.
 */
async function settledExecutions(
	client,
	workflowId,
	{ count = 0, timeoutMs = 20_000, settleMs = 1500, includeData = false } = {},
) {
	if (count > 0) await client.waitForExecutions({ workflowId, count, timeoutMs });
	await sleep(settleMs);
	const until = Date.now() + timeoutMs;
	for (;;) {
		const all = await executionsOf(client, workflowId, { includeData });
		if (all.every((e) => e.status !== 'new' && e.status !== 'running') || Date.now() > until) return all;
		await sleep(200);
	}
}

/** Polls one execution until `predicate(execution)` holds; returns it with data. */
async function waitForExecution(client, id, predicate, { timeoutMs = 20_000, intervalMs = 250 } = {}) {
	const until = Date.now() + timeoutMs;
	let last;
	for (;;) {
		last = await client.getExecution(id, { includeData: true });
		if (predicate(last)) return last;
		if (Date.now() > until) {
			throw new Error(
				`execution ${id} did not reach the expected state within ${timeoutMs} ms (status ${last && last.status})`,
			);
		}
		await sleep(intervalMs);
	}
}

/** A node's last run in an execution read with its data (default: the Khipu node of balancesWorkflow()). */
function nodeRun(execution, nodeName = 'Khipu') {
	const runs = execution?.data?.resultData?.runData?.[nodeName];
	return runs ? runs[runs.length - 1] : undefined;
}

/** The items a node produced on its first output in its last run. */
function nodeOutput(execution, nodeName = 'Khipu') {
	return nodeRun(execution, nodeName)?.data?.main?.[0] ?? [];
}

/** The items a node produced in its last run, as plain JSON. */
function outputJson(execution, nodeName) {
	return nodeOutput(execution, nodeName).map((item) => item.json);
}

function executionError(execution) {
	return execution?.data?.resultData?.error;
}

function nodeTimeMs(execution, nodeName) {
	const run = nodeRun(execution, nodeName);
	return run && Number.isFinite(run.executionTime) ? run.executionTime : null;
}

function outputCount(execution, nodeName) {
	return nodeRun(execution, nodeName)?.data?.main?.[0]?.length ?? null;
}

function durationMs(execution) {
	if (!execution?.startedAt || !execution?.stoppedAt) return null;
	return Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt);
}

module.exports = {
	UNFINISHED,
	isFinished,
	page,
	newestAfter,
	newestId,
	countSettled,
	executionsOf,
	settledExecutions,
	waitForExecution,
	nodeRun,
	nodeOutput,
	outputJson,
	executionError,
	nodeTimeMs,
	outputCount,
	durationMs,
};

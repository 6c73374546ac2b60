'use strict';
// Reading executions back through n8n's public API: the newest one of a workflow, a page of them, or a count.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const settled = (e) => e && e.status !== 'new' && e.status !== 'running' && e.status !== 'waiting';

async function page(client, workflowId, { limit = 1, includeData = false } = {}) {
	const qs = new URLSearchParams({ workflowId: String(workflowId), limit: String(limit), includeData: String(includeData) });
	const r = await client.api('GET', `/executions?${qs}`);
	return r.data || [];
}

/** The newest execution of the workflow with an id above `afterId`, once it has finished. */
async function newestAfter(client, workflowId, afterId, { includeData = true, timeoutMs = 120_000 } = {}) {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const [e] = await page(client, workflowId, { limit: 1, includeData });
		if (e && Number(e.id) > Number(afterId) && settled(e)) return e;
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
	return { settled: all.filter(settled).length, total: all.length, errors: all.filter((e) => e.status === 'error').length };
}

function nodeRun(execution, nodeName) {
	const runs = execution?.data?.resultData?.runData?.[nodeName];
	return runs ? runs[runs.length - 1] : undefined;
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

module.exports = { page, newestAfter, newestId, countSettled, nodeRun, nodeTimeMs, outputCount, durationMs, sleep };

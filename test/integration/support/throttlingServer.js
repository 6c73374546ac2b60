'use strict';
// A Khipu that throttles: every request is answered 429 with the given Retry-After and recorded, so a test
// can see whether the node sent anything after the execution was stopped during its wait.
const http = require('node:http');

async function startThrottlingServer({ retryAfterSeconds }) {
	const requests = [];
	const server = http.createServer((req, res) => {
		req.resume();
		req.on('end', () => {
			requests.push({ path: req.url, at: Date.now() });
			res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(retryAfterSeconds) });
			res.end('{"message":"Too Many Requests"}');
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		requests: () => requests.slice(),
		/** Resolves with the first request once one has arrived. */
		async firstRequest(timeoutMs = 30_000) {
			const until = Date.now() + timeoutMs;
			while (requests.length === 0) {
				if (Date.now() > until) throw new Error(`no request reached the throttling server within ${timeoutMs} ms`);
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
			return requests[0];
		},
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

/** The running execution of a workflow, from the editor's list (n8n's public API leaves running ones out). */
async function runningExecution(client, workflowId, timeoutMs = 30_000) {
	const filter = encodeURIComponent(JSON.stringify({ workflowId: String(workflowId) }));
	const until = Date.now() + timeoutMs;
	for (;;) {
		const answer = await client.rest('GET', `/executions?filter=${filter}`);
		const results = (answer.data ?? answer).results ?? [];
		const running = results.find((e) => e.status === 'running');
		if (running) return running;
		if (Date.now() > until)
			throw new Error(
				`no running execution of workflow ${workflowId}: ${JSON.stringify(results.map((e) => e.status))}`,
			);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

module.exports = { startThrottlingServer, runningExecution };

'use strict';
// A small HTTP load balancer standing in for the one users put in front of n8n's webhook processors:
// requests go to the upstreams in turn; one that refuses the connection is skipped and the next one
// tried (like nginx's proxy_next_upstream error), so a processor that is restarting loses no request.
// Each answer says which upstream served it in `x-upstream` (its index), so tests can aim repeats.
const http = require('node:http');

/**
 * @param {{upstreams?: string[], host?: string, port?: number}} [o]  upstream base URLs; setUpstreams() changes them
 * @returns {Promise<{url: string, port: number, setUpstreams: (u: string[]) => void, counts: number[], close: () => Promise<void>}>}
 */
async function startRoundRobinProxy({ upstreams = [], host = '127.0.0.1', port = 0 } = {}) {
	let targets = upstreams.map((u) => new URL(u));
	let counts = targets.map(() => 0);
	let next = 0;
	const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

	function forward(req, res, body, attempt) {
		if (!targets.length) {
			res.writeHead(503, { 'content-type': 'text/plain' });
			res.end('no upstream');
			return;
		}
		const index = next++ % targets.length;
		const target = targets[index];
		const upstream = http.request(
			{
				host: target.hostname,
				port: target.port,
				method: req.method,
				path: req.url,
				headers: { ...req.headers, host: target.host },
				agent,
			},
			(answer) => {
				counts[index]++;
				res.writeHead(answer.statusCode, { ...answer.headers, 'x-upstream': String(index) });
				answer.pipe(res);
			},
		);
		upstream.on('error', (error) => {
			const refused = error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET';
			if (refused && !res.headersSent && attempt + 1 < targets.length * 2) return forward(req, res, body, attempt + 1);
			if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
			res.end('bad gateway');
		});
		upstream.end(body);
	}

	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => forward(req, res, Buffer.concat(chunks), 0));
	});
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, resolve);
	});
	const actual = server.address().port;
	return {
		url: `http://${host}:${actual}`,
		port: actual,
		setUpstreams(list) {
			targets = list.map((u) => new URL(u));
			counts = targets.map(() => 0);
		},
		get counts() {
			return counts;
		},
		close: () =>
			new Promise((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
				agent.destroy();
			}),
	};
}

module.exports = { startRoundRobinProxy };

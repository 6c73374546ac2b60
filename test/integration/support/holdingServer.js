'use strict';
// An HTTP server that reads requests and never answers them, recording every connection's
// life, so a test can see when the client let go of a request it gave up on.
const http = require('node:http');

async function startHoldingServer() {
	const connections = [];
	let closing = false;
	const server = http.createServer((req) => {
		const connection = connections.find((c) => c.socket === req.socket);
		connection.requests.push({ method: req.method, path: req.url, at: Date.now() });
		// Drain the body and hold the answer forever.
		req.resume();
	});
	server.on('connection', (socket) => {
		const connection = { socket, openedAt: Date.now(), closedAt: null, closedByServer: false, requests: [] };
		connections.push(connection);
		socket.on('error', () => {});
		socket.on('close', () => {
			connection.closedAt = Date.now();
			connection.closedByServer = closing;
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${server.address().port}`;

	const view = (c) => ({
		openedAt: c.openedAt,
		closedAt: c.closedAt,
		closedByServer: c.closedByServer,
		requests: c.requests.slice(),
	});
	return {
		url,
		/** Every connection so far, oldest first. */
		connections: () => connections.map(view),
		open: () => connections.filter((c) => c.closedAt === null).map(view),
		/** Resolves once `count` requests have arrived (or rejects after `timeoutMs`). */
		async waitForRequests(count, timeoutMs = 30_000) {
			const until = Date.now() + timeoutMs;
			for (;;) {
				const seen = connections.reduce((n, c) => n + c.requests.length, 0);
				if (seen >= count) return seen;
				if (Date.now() > until) throw new Error(`holding server saw ${seen} of ${count} requests in ${timeoutMs} ms`);
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
		},
		/**
		 * Waits until `deadline` (epoch ms) for every connection from index `from` on to be closed;
		 * returns those still open.
		 */
		async openAfter(deadline, from = 0) {
			const watched = () => connections.slice(from).filter((c) => c.closedAt === null);
			while (Date.now() < deadline && watched().length > 0) {
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
			return watched().map(view);
		},
		async close() {
			closing = true;
			for (const c of connections) if (c.closedAt === null) c.socket.destroy();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

module.exports = { startHoldingServer };

'use strict';
// A pass-through in front of the Khipu sandbox that keeps the JSON body of every request, so a caller can see
// the exact CallbackUrl a node gave Khipu (the sandbox itself only keeps it redacted). Headers are forwarded
// but never recorded: they hold the credential.
const http = require('node:http');

/** @returns {Promise<{url: string, bodies: (object|null)[], close: () => Promise<void>}>} */
async function startRecordingProxy(targetUrl) {
	const target = new URL(targetUrl);
	const bodies = [];
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => {
			const payload = Buffer.concat(chunks);
			try {
				bodies.push(JSON.parse(payload.toString('utf8')));
			} catch {
				bodies.push(null);
			}
			const headers = { ...req.headers, host: target.host };
			const upstream = http.request(
				{ host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
				(answer) => {
					res.writeHead(answer.statusCode, answer.headers);
					answer.pipe(res);
				},
			);
			upstream.on('error', () => {
				if (!res.headersSent) res.writeHead(502);
				res.end();
			});
			upstream.end(payload);
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		bodies,
		close: () =>
			new Promise((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

module.exports = { startRecordingProxy };

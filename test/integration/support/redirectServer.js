'use strict';
// Two servers on different ports: a Base URL that answers every request with 307 Temporary Redirect to the
// same path on the other, and that other, which answers like Khipu rejecting the body (so a followed
// redirect would look like a working credential). Both record every request, headers and body included.
const http = require('node:http');

const KHIPU_BAD_REQUEST = {
	OperationId: '0c7a8f52-4b1e-4c9d-9f6a-2d3e4f5a6b7c',
	Status: 'ERROR',
	Data: null,
	AdditionalInformation: null,
	Error: { Code: 'E100', Type: 'DO_NOT_RETRY', Description: 'RequestData.AccountNumber is required' },
	LifeSpan: null,
};

async function recordingServer(answer) {
	const requests = [];
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => {
			requests.push({
				method: req.method,
				path: req.url,
				headers: { ...req.headers },
				body: Buffer.concat(chunks).toString('utf8'),
			});
			answer(req, res);
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		requests: () => requests.slice(),
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

async function startRedirectPair() {
	const target = await recordingServer((req, res) => {
		res.writeHead(400, { 'content-type': 'application/json' });
		res.end(JSON.stringify(KHIPU_BAD_REQUEST));
	});
	const redirector = await recordingServer((req, res) => {
		res.writeHead(307, { location: `${target.url}${req.url}`, 'content-type': 'text/plain' });
		res.end('Temporary Redirect');
	});
	return {
		redirector,
		target,
		async close() {
			await Promise.all([redirector.close(), target.close()]);
		},
	};
}

module.exports = { startRedirectPair };

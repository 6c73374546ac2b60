'use strict';
// Plain HTTP to n8n's webhooks, as a caller outside n8n sends it (Khipu delivering a callback, a load generator).
const http = require('node:http');

/** Plain fetch; objects are sent as JSON, strings and buffers as they are. A network failure is status 0. */
async function postRaw(url, body, { headers = {}, contentType = 'application/json', timeoutMs = 30_000 } = {}) {
	const payload = body === undefined || typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
	const h = { ...headers };
	if (contentType) h['content-type'] = contentType;
	let res;
	try {
		res = await fetch(url, {
			method: 'POST',
			headers: h,
			body: payload,
			redirect: 'manual',
			signal: AbortSignal.timeout(timeoutMs),
		});
	} catch (error) {
		return { status: 0, headers: {}, text: '', json: undefined, error: error.code || error.name };
	}
	const text = await res.text();
	let json;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.status, headers: Object.fromEntries(res.headers.entries()), text, json };
}

/**
 * POST JSON over a keep-alive socket of `agent` and time it (ms, from write to last byte): what the bench measures.
 * @returns {Promise<{status: number, ms: number, body: string}>}
 */
function postJson(agent, url, body, { timeoutMs = 120_000, headers = {} } = {}) {
	const payload = typeof body === 'string' ? body : JSON.stringify(body);
	return new Promise((resolve, reject) => {
		const started = process.hrtime.bigint();
		const req = http.request(
			url,
			{
				method: 'POST',
				agent,
				headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
				timeout: timeoutMs,
			},
			(res) => {
				const chunks = [];
				res.on('data', (c) => chunks.push(c));
				res.on('end', () => {
					const ms = Number(process.hrtime.bigint() - started) / 1e6;
					resolve({ status: res.statusCode, ms, body: Buffer.concat(chunks).toString('utf8') });
				});
				res.on('error', reject);
			},
		);
		req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out after ${timeoutMs} ms`)));
		req.on('error', reject);
		req.end(payload);
	});
}

module.exports = { postRaw, postJson };

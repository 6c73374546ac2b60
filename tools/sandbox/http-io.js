'use strict';

const MAX_BODY_BYTES = 1024 * 1024;
// Past the limit the rest is read and thrown away so the client still gets
// its 413 instead of a broken pipe; beyond this much it is not worth it.
const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;

/**
 * Reads the request body. Resolves `{ buffer }` or `{ tooLarge: true }`;
 * rejects when the client goes away mid-body.
 */
function readBody(req, limit = MAX_BODY_BYTES) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		let received = 0;
		req.on('data', (chunk) => {
			received += chunk.length;
			if (received <= limit) {
				chunks.push(chunk);
			} else if (received > MAX_DISCARDED_BYTES) {
				req.destroy();
			}
		});
		req.on('end', () => {
			if (received > limit) resolve({ tooLarge: true });
			else resolve({ buffer: Buffer.concat(chunks) });
		});
		req.on('error', reject);
		req.on('close', () => {
			if (!req.complete) reject(new Error('request aborted'));
		});
	});
}

function canWrite(res) {
	return !res.headersSent && !res.writableEnded && !res.destroyed;
}

function sendText(res, status, text, contentType, headers = {}) {
	if (!canWrite(res)) return false;
	res.writeHead(status, {
		...headers,
		'Content-Type': contentType,
		'Content-Length': Buffer.byteLength(text),
		'Cache-Control': 'no-store',
	});
	res.end(text);
	return true;
}

function sendJson(res, status, body, headers = {}) {
	return sendText(res, status, JSON.stringify(body), 'application/json; charset=utf-8', headers);
}

module.exports = { MAX_BODY_BYTES, readBody, sendJson, sendText, canWrite };

'use strict';

const { readBody, sendJson } = require('./http-io');
const { ENDPOINT_PATH } = require('./endpoint');

const ADMIN_PREFIX = '/__sandbox/';

/**
 * Introspection and control routes for tests. They need no credentials: the
 * sandbox only listens on loopback and never holds a secret worth reading.
 */
function createAdminHandler({ view, startedAt }) {
	const routes = {
		'GET requests': () => view.requests(),
		'GET callbacks': () => view.callbacks(),
		'GET stats': () => view.stats(),
		'GET scenarios': () => view.scenarios(),
		'GET config': () => view.config(),
		'GET health': () => ({ status: 'ok', endpoint: ENDPOINT_PATH, uptimeMs: Date.now() - startedAt }),
		'POST reset': () => {
			view.reset();
			return { status: 'reset' };
		},
		'POST config': (body) => view.configure(body),
	};
	const knownNames = new Set(Object.keys(routes).map((key) => key.split(' ')[1]));

	return async function handleAdmin(req, res, pathname) {
		const name = pathname.slice(ADMIN_PREFIX.length);
		const route = routes[`${req.method} ${name}`];
		if (!route) {
			req.resume();
			if (knownNames.has(name)) sendJson(res, 405, { message: 'Method Not Allowed' });
			else sendJson(res, 404, { message: 'Not Found' });
			return;
		}
		let body;
		if (req.method === 'POST') {
			const read = await readBody(req);
			if (read.tooLarge) return sendJson(res, 413, { message: 'Request Entity Too Large' });
			const text = read.buffer.toString('utf8').trim();
			if (text) {
				try {
					body = JSON.parse(text);
				} catch {
					return sendJson(res, 400, { message: 'Body is not valid JSON' });
				}
			}
		}
		try {
			sendJson(res, 200, route(body ?? {}));
		} catch (err) {
			sendJson(res, 400, { message: err.message });
		}
	};
}

module.exports = { ADMIN_PREFIX, createAdminHandler };

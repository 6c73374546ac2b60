'use strict';

const http = require('node:http');
const { createState } = require('./state');
const { createCallbackDispatcher } = require('./callbacks');
const { ENDPOINT_PATH, createEndpointHandler } = require('./endpoint');
const { ADMIN_PREFIX, createAdminHandler } = require('./admin');
const { sendJson } = require('./http-io');
const { ASYNC_LIFESPAN_MS } = require('./envelope');

const DEFAULT_JWT = 'sandbox-jwt-0123456789abcdef';
const DEFAULT_API_KEY = 'sandbox-api-key-0123456789abcdef';

function pathnameOf(target) {
	try {
		return new URL(target, 'http://sandbox.invalid').pathname;
	} catch {
		return null;
	}
}

function printLine(line) {
	process.stdout.write(`${line}\n`);
}

/**
 * Starts a local stand-in for Khipu's Santander AR pending current-day
 * balances endpoint. Resolves once it is listening.
 */
async function startSandbox({
	port = 0,
	host = '127.0.0.1',
	jwt = DEFAULT_JWT,
	apiKey = DEFAULT_API_KEY,
	latencyMs = 0,
	callbackDelayMs = 50,
	slowMs = 3000,
	lifeSpanMs = ASYNC_LIFESPAN_MS,
	quiet = true,
	log,
	now = () => new Date(),
} = {}) {
	if (typeof jwt !== 'string' || jwt === '' || typeof apiKey !== 'string' || apiKey === '') {
		throw new TypeError('jwt and apiKey must be non-empty strings');
	}
	const logger = typeof log === 'function' ? log : quiet ? () => {} : printLine;
	const { internal, view } = createState({ latencyMs, callbackDelayMs, slowMs, lifeSpanMs });
	const dispatcher = createCallbackDispatcher({ state: internal, log: logger });
	// Aborts every pending latency or slow-scenario wait when the sandbox closes.
	const lifetime = new AbortController();
	const handleEndpoint = createEndpointHandler({
		internal,
		dispatcher,
		secrets: { jwt, apiKey },
		log: logger,
		signal: lifetime.signal,
		now,
	});
	const handleAdmin = createAdminHandler({ view, startedAt: Date.now() });

	const server = http.createServer((req, res) => {
		const pathname = pathnameOf(req.url);
		let handled;
		if (pathname === ENDPOINT_PATH) {
			handled = handleEndpoint(req, res);
		} else if (pathname !== null && pathname.startsWith(ADMIN_PREFIX)) {
			handled = handleAdmin(req, res, pathname);
		} else {
			req.resume();
			sendJson(res, 404, { message: 'Not Found' });
			return;
		}
		handled.catch(() => {
			if (!res.headersSent && !res.destroyed) sendJson(res, 500, { message: 'Internal Server Error' });
		});
	});
	// Garbage that is not even HTTP gets a bare 400 instead of an exception.
	server.on('clientError', (_err, socket) => {
		if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
		else socket.destroy();
	});

	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			server.off('error', reject);
			resolve();
		});
	});

	const boundPort = server.address().port;
	const urlHost = host.includes(':') ? `[${host}]` : host;
	let closing;
	return {
		url: `http://${urlHost}:${boundPort}`,
		port: boundPort,
		state: view,
		close() {
			if (!closing) {
				lifetime.abort();
				dispatcher.close();
				closing = new Promise((resolve) => server.close(() => resolve()));
				server.closeAllConnections();
			}
			return closing;
		},
	};
}

module.exports = { startSandbox, ENDPOINT_PATH, DEFAULT_JWT, DEFAULT_API_KEY };

if (require.main === module) {
	require('./cli').main(startSandbox);
}

'use strict';
// Free-port helper. Binds 127.0.0.1:0, reads the port the kernel picked, closes the socket.
// There is an unavoidable race between close and the next bind; callers that start servers
// should be prepared to retry (startN8n does).
const net = require('node:net');

/** @returns {Promise<number>} a TCP port that was free on 127.0.0.1 a moment ago */
function getFreePort(host = '127.0.0.1') {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.once('error', reject);
		srv.listen({ port: 0, host, exclusive: true }, () => {
			const { port } = srv.address();
			srv.close((err) => (err ? reject(err) : resolve(port)));
		});
	});
}

/**
 * Several distinct free ports (each one held open until all are chosen, so they differ).
 * @param {number} n
 * @returns {Promise<number[]>}
 */
async function getFreePorts(n, host = '127.0.0.1') {
	const servers = [];
	try {
		for (let i = 0; i < n; i++) {
			const srv = net.createServer();
			srv.unref();
			await new Promise((resolve, reject) => {
				srv.once('error', reject);
				srv.listen({ port: 0, host, exclusive: true }, resolve);
			});
			servers.push(srv);
		}
		return servers.map((s) => s.address().port);
	} finally {
		await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
	}
}

/** @returns {Promise<boolean>} true when nothing accepts connections on host:port */
function isPortFree(port, host = '127.0.0.1') {
	return new Promise((resolve) => {
		const srv = net.createServer();
		srv.unref();
		srv.once('error', () => resolve(false));
		srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
	});
}

module.exports = { getFreePort, getFreePorts, isPortFree };

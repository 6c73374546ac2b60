'use strict';
// The load balancers of docs/QUEUE-MODE.md (Debian's nginx and HAProxy) as plain local processes in front of a
// queue stack's webhook processors, each configured with the documentation's own block: localRecipe() reads
// the block and changes only the listen address, the processors' addresses and the log folder, so the
// documentation and what runs cannot drift. Each runs under guard.js (spawnGuarded) and stops with its owner.
// startStack({ mode: 'queue', proxy: 'nginx-hash' }) puts one in front of the stack; startBalancer() adds more.
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const { REPO_ROOT } = require('../lib/repo');
const { readTail, sleep } = require('../lib/processes');
const { spawnGuarded, inheritedEnv } = require('./n8n');
const { getFreePort } = require('./ports');

const DOC = path.join(REPO_ROOT, 'docs', 'QUEUE-MODE.md');
const INSTALL_HINT = 'Run: bash tools/stack/install-services.sh (installs nginx and haproxy from Debian)';
/** The doc's placeholders: `webhook-<n>.internal:5678` is webhook processor n; where each balancer listens. */
const UPSTREAM = /webhook-(\d+)\.internal:5678/g;
const LISTEN = { nginx: /^(\s*)listen 80;$/m, haproxy: /^(\s*)bind :80$/m };
const NGINX_LOG_DIR = '/var/log/nginx/';
/** What startStack's `proxy` option names: the recipe each kind runs. */
const KINDS = { 'nginx-hash': 'nginx', 'haproxy-hash': 'haproxy' };

function findBinary(name) {
	for (const dir of (process.env.PATH || '').split(path.delimiter).concat(['/usr/sbin', '/usr/bin'])) {
		const file = path.join(dir, name);
		if (dir && fs.existsSync(file)) return file;
	}
	throw new Error(`${name} is not installed. ${INSTALL_HINT}`);
}

/** The fenced block after `<!-- recipe:<kind> -->` in docs/QUEUE-MODE.md, as a reader copies it. */
function recipeFromDoc(kind, doc = fs.readFileSync(DOC, 'utf8')) {
	const marker = `<!-- recipe:${kind} -->`;
	const at = doc.indexOf(marker);
	if (at === -1 || doc.indexOf(marker, at + 1) !== -1)
		throw new Error(`docs/QUEUE-MODE.md: expected exactly one ${marker}`);
	const block = /```[a-z]*\n([\s\S]*?)\n```/.exec(doc.slice(at + marker.length));
	if (!block) throw new Error(`docs/QUEUE-MODE.md: no fenced block after ${marker}`);
	return block[1];
}

/**
 * A doc recipe made local: the listen line on 127.0.0.1:`port`, `webhook-<n>.internal:5678` replaced by
 * `upstreams[n-1]` (host:port), nginx's log files in `logDir`. Nothing else changes; a doc without these
 * placeholders fails here rather than running a different configuration.
 */
function localRecipe(kind, { port, upstreams, logDir, doc }) {
	let text = recipeFromDoc(kind, doc);
	if (!LISTEN[kind].test(text)) throw new Error(`docs/QUEUE-MODE.md ${kind} recipe: no "${LISTEN[kind].source}" line`);
	text = text.replace(LISTEN[kind], kind === 'nginx' ? `$1listen 127.0.0.1:${port};` : `$1bind 127.0.0.1:${port}`);
	const named = new Set();
	text = text.replace(UPSTREAM, (_, n) => {
		const upstream = upstreams[Number(n) - 1];
		if (!upstream)
			throw new Error(
				`docs/QUEUE-MODE.md ${kind} recipe names webhook-${n}; only ${upstreams.length} upstream(s) given`,
			);
		named.add(Number(n));
		return upstream;
	});
	if (named.size !== upstreams.length)
		throw new Error(
			`docs/QUEUE-MODE.md ${kind} recipe names ${named.size} webhook processors, expected ${upstreams.length}`,
		);
	if (logDir) text = text.split(NGINX_LOG_DIR).join(`${logDir}/`);
	return text;
}

function portOpen(port) {
	return new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

async function waitListening(what, port, { guarded, logFile, timeoutMs = 15_000 }) {
	const until = Date.now() + timeoutMs;
	while (!(await portOpen(port))) {
		if (guarded.exited || Date.now() > until) {
			await guarded.stop();
			throw new Error(`${what} not listening on 127.0.0.1:${port}. Log ${logFile}:\n${readTail(logFile, 20)}`);
		}
		await sleep(100);
	}
}

function checkConfig(what, command, args, file) {
	try {
		execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	} catch (error) {
		throw new Error(`${what} refused ${file}: ${String(error.stderr || error.stdout || error.message)}`);
	}
}

/** nginx in the foreground, its prefix in `dir`, the recipe in its http { } context (one worker: one health state). */
async function startNginx({ dir, port, upstreams }) {
	const bin = findBinary('nginx');
	const prefix = path.join(dir, 'nginx');
	const logDir = path.join(prefix, 'logs');
	for (const sub of ['tmp', 'logs']) fs.mkdirSync(path.join(prefix, sub), { recursive: true });
	const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
	const conf = [
		asRoot ? 'user root root;' : '', // the prefix is a temp folder the default user cannot read
		'worker_processes 1;',
		'pid nginx.pid;',
		'error_log logs/error.log notice;',
		'events { worker_connections 1024; }',
		'http {',
		'    access_log off;',
		...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path tmp/${t};`),
		localRecipe('nginx', { port, upstreams, logDir }),
		'}',
		'',
	].join('\n');
	const configFile = path.join(prefix, 'nginx.conf');
	fs.writeFileSync(configFile, conf);
	const args = ['-p', `${prefix}/`, '-c', configFile, '-e', path.join(logDir, 'error.log')];
	checkConfig('nginx -t', bin, [...args, '-t', '-q'], configFile);
	const guarded = spawnGuarded({
		command: bin,
		args: [...args, '-g', 'daemon off;'],
		cwd: prefix,
		env: inheritedEnv(),
		logFile: path.join(logDir, 'nginx.out'),
	});
	await waitListening('nginx', port, { guarded, logFile: path.join(logDir, 'error.log') });
	return {
		configFile,
		accessLog: path.join(logDir, 'n8n-webhooks.log'),
		logFiles: [
			path.join(logDir, 'n8n-webhooks.log'),
			path.join(logDir, 'n8n-webhooks-error.log'),
			path.join(logDir, 'error.log'),
			path.join(logDir, 'nginx.out'),
		],
		stop: guarded.stop,
	};
}

/** HAProxy in the foreground (-db); the recipe after a global/defaults section with timeouts and its log lines to stdout. */
async function startHaproxy({ dir, port, upstreams }) {
	const bin = findBinary('haproxy');
	const root = path.join(dir, 'haproxy');
	fs.mkdirSync(root, { recursive: true });
	const conf = [
		'global',
		'    log stdout format raw local0',
		'    maxconn 2000',
		'defaults',
		'    mode http',
		'    log global',
		'    timeout connect 5s',
		'    timeout client 60s',
		'    timeout server 60s',
		'',
		localRecipe('haproxy', { port, upstreams }),
		'',
	].join('\n');
	const configFile = path.join(root, 'haproxy.cfg');
	fs.writeFileSync(configFile, conf);
	checkConfig('haproxy -c', bin, ['-c', '-f', configFile], configFile);
	const logFile = path.join(root, 'haproxy.log');
	const guarded = spawnGuarded({
		command: bin,
		args: ['-db', '-f', configFile],
		cwd: root,
		env: inheritedEnv(),
		logFile,
	});
	await waitListening('HAProxy', port, { guarded, logFile });
	return { configFile, accessLog: logFile, logFiles: [logFile], stop: guarded.stop };
}

/**
 * Starts the balancer `kind` ('nginx-hash' | 'haproxy-hash') on 127.0.0.1 in front of `upstreams` (host:port of
 * webhook processor 1, 2, …; they need not listen yet).
 * @returns {Promise<{kind: string, url: string, port: number, configFile: string, accessLog: string, logFiles: string[], close: () => Promise<void>}>}
 */
async function startBalancer(kind, { dir, upstreams, port }) {
	if (!KINDS[kind])
		throw new Error(`unknown balancer ${JSON.stringify(kind)}: one of ${Object.keys(KINDS).join(', ')}`);
	const listen = port || (await getFreePort());
	const start = KINDS[kind] === 'nginx' ? startNginx : startHaproxy;
	const started = await start({ dir, port: listen, upstreams });
	return { kind, url: `http://127.0.0.1:${listen}`, port: listen, ...started, close: started.stop };
}

module.exports = { startBalancer, recipeFromDoc, localRecipe, BALANCERS: Object.keys(KINDS) };

'use strict';
// PostgreSQL and Redis as plain local processes for n8n's queue mode: 127.0.0.1 only, data in a temporary
// folder, each under guard.js (tools/stack/n8n.js spawnGuarded) so they stop with the harness even if
// it dies. Debian's packages provide the binaries (tools/stack/install-services.sh installs them when missing).
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { readTail, sleep } = require('../lib/processes');
const { spawnGuarded, inheritedEnv } = require('./n8n');
const { getFreePort } = require('./ports');

const INSTALL_HINT = 'Run: bash tools/stack/install-services.sh (apt-get install postgresql redis-server)';

/** The newest /usr/lib/postgresql/<major>/bin, or PG_BIN_DIR. */
function postgresBinDir() {
	if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
	const root = '/usr/lib/postgresql';
	let majors = [];
	try {
		majors = fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'bin', 'postgres')));
	} catch {
		/* not installed */
	}
	majors.sort((a, b) => Number(b) - Number(a));
	if (!majors.length)
		throw new Error(`PostgreSQL is not installed (no ${root}/<version>/bin/postgres). ${INSTALL_HINT}`);
	return path.join(root, majors[0], 'bin');
}

function redisServerBin() {
	for (const dir of (process.env.PATH || '').split(path.delimiter).concat(['/usr/bin', '/usr/local/bin'])) {
		const file = path.join(dir, 'redis-server');
		if (dir && fs.existsSync(file)) return file;
	}
	throw new Error(`redis-server is not installed. ${INSTALL_HINT}`);
}

/**
 * PostgreSQL refuses to run as root: as root, run its binaries as the `postgres` user (setpriv execs in
 * place, so the guard's signals reach postgres itself); as anyone else, run them directly.
 */
function asPostgresUser(command, args) {
	if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { command, args };
	return {
		command: 'setpriv',
		args: ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args],
	};
}

function postgresUid() {
	const line = fs
		.readFileSync('/etc/passwd', 'utf8')
		.split('\n')
		.find((l) => l.startsWith('postgres:'));
	if (!line) throw new Error(`no "postgres" user on this machine. ${INSTALL_HINT}`);
	const [, , uid, gid] = line.split(':');
	return { uid: Number(uid), gid: Number(gid) };
}

function chownTree(dir, { uid, gid }) {
	fs.chownSync(dir, uid, gid);
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, entry.name);
		if (entry.isDirectory()) chownTree(p, { uid, gid });
		else fs.chownSync(p, uid, gid);
	}
}

async function waitFor(what, check, { timeoutMs, exited, logFile }) {
	const until = Date.now() + timeoutMs;
	for (;;) {
		if (await check()) return;
		if (exited() || Date.now() > until) {
			throw new Error(
				`${what} ${exited() ? 'exited during startup' : `not ready within ${timeoutMs / 1000} s`}. Log ${logFile}:\n${readTail(logFile, 25)}`,
			);
		}
		await sleep(200);
	}
}

/** Sends one inline Redis command and resolves with the first reply line ('' on failure). */
function redisPing(port) {
	return new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		let data = '';
		const done = (value) => {
			socket.destroy();
			resolve(value);
		};
		socket.setTimeout(1000, () => done(''));
		socket.on('error', () => done(''));
		socket.on('data', (chunk) => {
			data += chunk.toString('utf8');
			if (data.includes('\r\n')) done(data.split('\r\n')[0]);
		});
		socket.on('connect', () => socket.write('PING\r\n'));
	});
}

/** The direct child of a guard (the service it runs), or null. */
function guardedChildPid(pgid) {
	for (const name of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (Number(fields[1]) === pgid) return Number(name); // ppid
		} catch {
			/* gone */
		}
	}
	return null;
}

async function waitForExit(guarded, ms) {
	const until = Date.now() + ms;
	while (!guarded.exited && Date.now() < until) await sleep(100);
	return !!guarded.exited;
}

/**
 * initdb + postgres on 127.0.0.1:<free port> in <dir>/pg, with a database `database`. `restart()` stops
 * it the way an administrator's restart does (fast shutdown: sessions are ended, then a clean stop) and
 * starts it again on the same port and data; `downMs` keeps it down that long in between.
 * @returns {Promise<{host: string, port: number, user: string, database: string, binDir: string, logFile: string, pgid: number, restart: (o?: {downMs?: number}) => Promise<number>, stop: () => Promise<void>}>}
 */
async function startPostgres({ dir, database = 'n8n', timeoutMs = 60_000 }) {
	fs.mkdirSync(dir, { recursive: true });
	const binDir = postgresBinDir();
	// its own temp folder: as root the `postgres` user must reach it, which `dir`'s parents may not allow
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-pg-'));
	const data = path.join(root, 'data');
	const logFile = path.join(dir, 'postgres.log');
	const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
	if (asRoot) chownTree(root, postgresUid());
	const init = asPostgresUser(path.join(binDir, 'initdb'), [
		'-D',
		data,
		'-A',
		'trust',
		'-U',
		'postgres',
		'-E',
		'UTF8',
		'--no-sync',
	]);
	execFileSync(init.command, init.args, {
		cwd: root,
		stdio: ['ignore', 'pipe', 'pipe'],
		env: { ...inheritedEnv(), LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' },
	});
	const port = await getFreePort();
	// fsync off: a test database in a temp folder, thrown away afterwards
	const run = asPostgresUser(path.join(binDir, 'postgres'), [
		'-D',
		data,
		'-p',
		String(port),
		'-k',
		root,
		'-c',
		'listen_addresses=127.0.0.1',
		'-c',
		'fsync=off',
		'-c',
		'synchronous_commit=off',
		'-c',
		'full_page_writes=off',
		'-c',
		'max_connections=200',
	]);
	const isReady = path.join(binDir, 'pg_isready');
	const launch = async () => {
		const guarded = spawnGuarded({ ...run, cwd: root, env: { ...inheritedEnv(), LC_ALL: 'C.UTF-8' }, logFile });
		await waitFor(
			'PostgreSQL',
			() => {
				try {
					execFileSync(isReady, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'], { stdio: 'ignore' });
					return true;
				} catch {
					return false;
				}
			},
			{ timeoutMs, exited: () => guarded.exited, logFile },
		);
		return guarded;
	};
	let guarded = await launch();
	execFileSync(path.join(binDir, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', database], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const handle = {
		host: '127.0.0.1',
		port,
		user: 'postgres',
		database,
		binDir,
		dataDir: data,
		logFile,
		pgid: guarded.pgid,
	};
	/** @returns {Promise<number>} ms from the stop signal until PostgreSQL accepted connections again */
	handle.restart = async ({ downMs = 0 } = {}) => {
		const started = Date.now();
		const postmaster = guardedChildPid(guarded.pgid);
		if (postmaster) process.kill(postmaster, 'SIGINT'); // fast shutdown
		if (!(await waitForExit(guarded, 30_000))) await guarded.stop();
		await guarded.stop();
		if (downMs > 0) await sleep(downMs);
		guarded = await launch();
		handle.pgid = guarded.pgid;
		return Date.now() - started;
	};
	handle.stop = async () => {
		await guarded.stop();
		if (!process.env.KHIPU_KEEP_N8N) fs.rmSync(root, { recursive: true, force: true });
	};
	return handle;
}

/**
 * redis-server on 127.0.0.1:<free port> with its append-only file on (as a production Redis for n8n's
 * queue: a restart keeps the queued jobs). `restart()` stops it gracefully (SIGTERM: Redis writes its
 * data and exits) and starts it again on the same port and data; `downMs` keeps it down that long.
 * @returns {Promise<{host: string, port: number, logFile: string, pgid: number, restart: (o?: {downMs?: number}) => Promise<number>, stop: () => Promise<void>}>}
 */
async function startRedis({ dir, timeoutMs = 30_000 }) {
	const bin = redisServerBin();
	const root = path.join(dir, 'redis');
	fs.mkdirSync(root, { recursive: true });
	const logFile = path.join(dir, 'redis.log');
	const port = await getFreePort();
	const args = [
		'--port',
		String(port),
		'--bind',
		'127.0.0.1',
		'--save',
		'',
		'--appendonly',
		'yes',
		'--appendfsync',
		'always',
		'--dir',
		root,
		'--protected-mode',
		'yes',
	];
	const launch = async () => {
		const guarded = spawnGuarded({ command: bin, args, cwd: root, env: inheritedEnv(), logFile });
		await waitFor('Redis', async () => (await redisPing(port)) === '+PONG', {
			timeoutMs,
			exited: () => guarded.exited,
			logFile,
		});
		return guarded;
	};
	let guarded = await launch();
	const handle = { host: '127.0.0.1', port, logFile, pgid: guarded.pgid };
	/** @returns {Promise<number>} ms from the stop signal until Redis answered again */
	handle.restart = async ({ downMs = 0 } = {}) => {
		const started = Date.now();
		await guarded.stop();
		if (downMs > 0) await sleep(downMs);
		guarded = await launch();
		handle.pgid = guarded.pgid;
		return Date.now() - started;
	};
	handle.stop = () => guarded.stop();
	return handle;
}

module.exports = { startPostgres, startRedis };

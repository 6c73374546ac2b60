'use strict';
// Start / stop one real n8n process (runtime/<name>/node_modules/.bin/n8n: start, worker or webhook); stack.js composes them.
// Plain CommonJS, node builtins only. See tools/stack/guard.js for how orphans are prevented.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { DEFAULT_RUNTIME, runtimeDir, n8nBin, runtimeNode, withRuntimeNode } = require('../runtime/paths');
const { pidAlive, groupAlive, readTail, sleep } = require('../lib/processes');
const { getFreePorts } = require('./ports');

const READY_LINE = 'Editor is now accessible via';
// What each n8n command logs once it serves (same wording in 2.8.4 and 2.41.1).
const READY_LINES = {
	start: READY_LINE,
	worker: 'n8n worker is now ready',
	webhook: 'Webhook listener waiting for requests.',
};
const GUARD = path.join(__dirname, 'guard.js');
const PID_FILE = '.n8n-harness.pid';

// Inherited variables that would change how the runtime behaves (jest sets NODE_ENV=test, and
// n8n refuses to load nodes when NODE_ENV=test). Callers can still set any of them through `env`.
// KHIPU_*: the package's own settings and secrets (npm start's KHIPU_JWT, KHIPU_PIN, …) are for the harness, never
// for a child process.
const STRIP_ENV = [
	/^KHIPU_/,
	/^N8N_/,
	/^DB_/,
	/^QUEUE_/,
	/^EXECUTIONS_/,
	/^WEBHOOK_URL$/,
	/^NODE_ENV$/,
	/^NODE_OPTIONS$/,
	/^NODE_PATH$/,
	/^GENERIC_TIMEZONE$/,
	/^CREDENTIALS_/,
	/^JEST_WORKER_ID$/,
];

/** true when the installed runtime knows the `mcp-registry` module (2.8.4 does not, and rejects unknown names). */
function runtimeKnowsModule(runtime, name) {
	const file = path.join(
		runtimeDir(runtime),
		'node_modules',
		'@n8n',
		'backend-common',
		'dist',
		'modules',
		'modules.config.js',
	);
	try {
		return fs.readFileSync(file, 'utf8').includes(`'${name}'`);
	} catch {
		return false;
	}
}

/** This process's environment without what a child must not inherit (n8n settings, the package's secrets). */
function inheritedEnv() {
	const base = {};
	for (const [k, v] of Object.entries(process.env)) {
		if (!STRIP_ENV.some((re) => re.test(k))) base[k] = v;
	}
	return base;
}

/**
 * The environment n8n is started with: loopback only, no telemetry / templates / banners / version checks.
 * @param {{runtime: string, userFolder: string, port: number, brokerPort: number, env?: Record<string,string|undefined>}} o
 */
function buildEnv({ runtime, userFolder, port, brokerPort, env = {} }) {
	const base = inheritedEnv();
	const n8nEnv = {
		N8N_USER_FOLDER: userFolder,
		// As deployed: error answers carry no server stack traces.
		NODE_ENV: 'production',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PORT: String(port),
		N8N_PROTOCOL: 'http',
		N8N_SECURE_COOKIE: 'false',
		WEBHOOK_URL: `http://127.0.0.1:${port}/`,
		N8N_EDITOR_BASE_URL: `http://127.0.0.1:${port}/`,
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		// offline
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_DIAGNOSTICS_CONFIG_FRONTEND: '',
		N8N_DIAGNOSTICS_CONFIG_BACKEND: '',
		EXTERNAL_FRONTEND_HOOKS_URLS: '',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_AI_ENABLED: 'false',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		// never reach npm / Strapi to "reinstall" community packages
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
	};
	// 2.41.x fetches https://api.n8n.io/api/mcp-servers unless this module is off; 2.8.4 has no such module
	// and exits with UnknownModuleError if it is named, so only set it where it exists.
	if (runtimeKnowsModule(runtime, 'mcp-registry')) n8nEnv.N8N_DISABLED_MODULES = 'mcp-registry';
	// A runtime that declares its Node ("khipuRuntime": {"node": "node-24"}, runtime/n8n-2.41) runs on it:
	// its bin dir first on PATH, so node_modules/.bin/n8n (#!/usr/bin/env node), `n8n execute` and the task
	// runner n8n spawns all get that Node. No change for runtimes without one.
	const merged = withRuntimeNode(runtime, { ...base, ...n8nEnv });
	for (const [k, v] of Object.entries(env)) {
		if (v === undefined || v === null) delete merged[k];
		else merged[k] = String(v);
	}
	return merged;
}

/** Kill a guard (and its group) left behind by an earlier crashed run in the same user folder. */
function killStale(userFolder) {
	const file = path.join(userFolder, PID_FILE);
	let pid;
	try {
		pid = Number(fs.readFileSync(file, 'utf8').trim());
	} catch {
		return;
	}
	if (pid > 1) {
		let cmdline = '';
		try {
			cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
		} catch {
			/* gone */
		}
		if (cmdline.includes(GUARD)) {
			try {
				process.kill(-pid, 'SIGKILL');
			} catch {
				/* ignore */
			}
		}
	}
	fs.rmSync(file, { force: true });
}

async function waitForGroupExit(pgid, ms) {
	const until = Date.now() + ms;
	while (Date.now() < until) {
		if (!groupAlive(pgid)) return true;
		await sleep(100);
	}
	return !groupAlive(pgid);
}

/**
 * Runs `command` under guard.js in its own process group (group id = the returned pgid), output appended
 * to logFile. The guard stops the group when stop() is called or when this process goes away (even by
 * SIGKILL: its stdin pipe closes), so nothing outlives the harness. Used for n8n and for the queue-mode
 * services (PostgreSQL, Redis).
 * @param {{command: string, args?: string[], cwd: string, env: object, logFile: string}} o
 * @returns {{pgid: number, exited: object|null, stop: () => Promise<void>}}
 */
function spawnGuarded({ command, args = [], cwd, env, logFile }) {
	const guard = spawn(process.execPath, [GUARD], {
		cwd,
		env: { ...env, KHIPU_N8N_GUARD: JSON.stringify({ command, args, cwd, logFile }) },
		detached: true, // own session + process group; the group id is guard.pid
		stdio: ['pipe', 'ignore', 'ignore'],
	});
	const pgid = guard.pid;
	let exited = null;
	guard.once('exit', (code, signal) => {
		exited = { code, signal };
	});
	guard.once('error', (err) => {
		exited = { code: null, signal: null, error: err };
	});
	// Don't keep the parent's event loop alive because of the child; when the parent exits the pipe
	// closes and the guard shuts the child down.
	guard.unref();
	guard.stdin.on('error', () => {});
	if (guard.stdin.unref) guard.stdin.unref();

	let stopped = false;
	const stop = async () => {
		if (stopped) return;
		stopped = true;
		if (!exited && pidAlive(pgid)) {
			try {
				process.kill(pgid, 'SIGTERM'); // the guard forwards one SIGTERM (a 2nd SIGTERM would kill n8n hard)
			} catch {
				/* gone */
			}
		}
		// the guard SIGKILLs the group 10 s after SIGTERM; give it a little longer, then do it ourselves
		if (!(await waitForGroupExit(pgid, 12_000))) {
			try {
				process.kill(-pgid, 'SIGKILL');
			} catch {
				/* gone */
			}
			await waitForGroupExit(pgid, 2_000);
		}
		try {
			guard.stdin.destroy();
		} catch {
			/* ignore */
		}
	};
	return {
		pgid,
		get exited() {
			return exited;
		},
		stop,
	};
}

/**
 * Starts `n8n start` (or `n8n worker` / `n8n webhook`) and resolves once the log says it is ready
 * ("Editor is now accessible via", "n8n worker is now ready", "Webhook listener waiting for requests.").
 * @param {object} [opts]
 * @param {string} [opts.runtime='n8n-2.8']   folder under runtime/
 * @param {'start'|'worker'|'webhook'} [opts.command='start']
 * @param {string[]} [opts.args]              extra arguments, e.g. ['--concurrency=10']
 * @param {string} [opts.userFolder]          N8N_USER_FOLDER (created if missing; a temp dir when omitted)
 * @param {number} [opts.port=0]              0 picks a free port
 * @param {number} [opts.brokerPort=0]        task-broker port; 0 picks a free port
 * @param {Record<string,string|undefined>} [opts.env]  extra/overriding env (undefined deletes)
 * @param {string} [opts.logFile]             default <userFolder>/n8n.log (appended)
 * @param {number} [opts.timeoutMs=120000]
 * @returns {Promise<N8nInstance>}
 *
 * @typedef {object} N8nInstance
 * @property {string} baseUrl      e.g. http://127.0.0.1:34567 (no trailing slash)
 * @property {number} port
 * @property {number} brokerPort
 * @property {string} userFolder
 * @property {string} logFile
 * @property {number} pid          pid of the guard = process-group id (n8n and its task runner are in it)
 * @property {number} startupMs
 * @property {() => Promise<void>} stop
 * @property {(lines?: number) => string} logTail
 */
async function startN8n(opts = {}) {
	const runtime = opts.runtime || DEFAULT_RUNTIME;
	const bin = n8nBin(runtime);
	const node = runtimeNode(runtime);
	for (const f of [bin, ...(node ? [node.node] : [])]) {
		if (!fs.existsSync(f)) {
			throw new Error(
				`n8n runtime "${runtime}" is not installed (${f} missing). Run: node tools/runtime/install-runtime.js --runtime ${runtime}`,
			);
		}
	}
	const userFolder = path.resolve(opts.userFolder || fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-n8n-')));
	fs.mkdirSync(userFolder, { recursive: true });
	const logFile = path.resolve(opts.logFile || path.join(userFolder, 'n8n.log'));
	fs.mkdirSync(path.dirname(logFile), { recursive: true });
	killStale(userFolder);

	const autoPorts = !opts.port || !opts.brokerPort;
	let lastErr;
	for (let attempt = 1; attempt <= (autoPorts ? 3 : 1); attempt++) {
		const [p1, p2] = await getFreePorts(2);
		const port = opts.port || p1;
		const brokerPort = opts.brokerPort || (p2 === port ? p1 : p2);
		try {
			return await startOnce({
				runtime,
				bin,
				userFolder,
				logFile,
				port,
				brokerPort,
				env: opts.env,
				timeoutMs: opts.timeoutMs || 120_000,
				command: opts.command || 'start',
				args: opts.args || [],
			});
		} catch (err) {
			lastErr = err;
			if (!err.addressInUse) throw err;
		}
	}
	throw lastErr;
}

async function startOnce({
	runtime,
	bin,
	userFolder,
	logFile,
	port,
	brokerPort,
	env,
	timeoutMs,
	command: n8nCommand,
	args,
}) {
	const started = Date.now();
	const readyLine = READY_LINES[n8nCommand];
	if (!readyLine) throw new Error(`unknown n8n command ${JSON.stringify(n8nCommand)} (start, worker, webhook)`);
	const logStart = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
	fs.appendFileSync(
		logFile,
		`\n===== ${new Date().toISOString()} starting n8n ${n8nCommand} (${runtime}) on 127.0.0.1:${port}, broker ${brokerPort} =====\n`,
	);
	const childEnv = buildEnv({ runtime, userFolder, port, brokerPort, env });
	// declared Node: run the n8n script with it explicitly (PATH already points there too)
	const node = runtimeNode(runtime);
	const command = node
		? { command: node.node, args: [bin, n8nCommand, ...args] }
		: { command: bin, args: [n8nCommand, ...args] };
	const guarded = spawnGuarded({ ...command, cwd: userFolder, env: childEnv, logFile });
	const pgid = guarded.pgid;
	fs.writeFileSync(path.join(userFolder, PID_FILE), `${pgid}\n`);
	const stop = async () => {
		await guarded.stop();
		const pidFile = path.join(userFolder, PID_FILE);
		try {
			if (fs.readFileSync(pidFile, 'utf8').trim() === String(pgid)) fs.rmSync(pidFile, { force: true });
		} catch {
			/* ignore */
		}
	};

	const readNew = () => {
		try {
			const fd = fs.openSync(logFile, 'r');
			try {
				const size = fs.fstatSync(fd).size;
				const buf = Buffer.alloc(Math.max(0, size - logStart));
				fs.readSync(fd, buf, 0, buf.length, logStart);
				return buf.toString('utf8');
			} finally {
				fs.closeSync(fd);
			}
		} catch {
			return '';
		}
	};

	const deadline = started + timeoutMs;
	for (;;) {
		const text = readNew();
		if (text.includes(readyLine)) break;
		const inUse = /EADDRINUSE|already in use/i.test(text);
		const exited = guarded.exited;
		if (exited || Date.now() > deadline) {
			const guardNote = /n8n exited code=(\S+) signal=(\S+)/.exec(text);
			const how =
				exited && exited.error
					? exited.error.message
					: guardNote
						? `exit code ${guardNote[1]}, signal ${guardNote[2]}`
						: `code ${exited && exited.code}, signal ${exited && exited.signal}`;
			const why = exited
				? `n8n exited during startup (${how})${inUse ? ': a port was already in use' : ''}`
				: `n8n did not report "${readyLine}" within ${Math.round(timeoutMs / 1000)} s`;
			await stop();
			const err = new Error(`${why}. Log ${logFile}, last lines:\n${readTail(logFile, 40)}`);
			err.addressInUse = !!exited && inUse;
			throw err;
		}
		await sleep(150);
	}
	return {
		baseUrl: `http://127.0.0.1:${port}`,
		command: n8nCommand,
		port,
		brokerPort,
		userFolder,
		logFile,
		runtime,
		pid: pgid,
		startupMs: Date.now() - started,
		stop,
		logTail: (lines = 60) => readTail(logFile, lines),
		get exited() {
			return guarded.exited;
		},
	};
}

/**
 * The n8n process itself (not the guard, not its task runner) in a guard's process group, or null.
 * @param {number} pgid  the `pid` startN8n returned
 */
function n8nProcessPid(pgid) {
	for (const name of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (Number(fields[2]) !== pgid) continue; // pgrp
			const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
			if (
				cmd.some((arg) => /\.bin\/n8n$|n8n\/bin\/n8n$/.test(arg)) &&
				cmd.some((arg) => Object.hasOwn(READY_LINES, arg))
			)
				return Number(name);
		} catch {
			/* gone */
		}
	}
	return null;
}

module.exports = { n8nProcessPid, spawnGuarded, startN8n, buildEnv, inheritedEnv, READY_LINE };

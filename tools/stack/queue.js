'use strict';
// The processes of n8n's queue mode, as users deploy it: PostgreSQL, Redis, one main, N workers and M webhook
// processors, each n8n process with its own N8N_USER_FOLDER (stack.js installs the package into each), all on
// 127.0.0.1. With more than one webhook processor a round-robin proxy stands in for the load balancer, or
// nginx / HAProxy configured by docs/QUEUE-MODE.md's recipe (balancers.js), and WEBHOOK_URL points at it.
// startStack({ mode: 'queue' }) in stack.js is the way in.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { startN8n, n8nProcessPid } = require('./n8n');
const { getFreePorts } = require('./ports');
const { startPostgres, startRedis } = require('./services');
const { startRoundRobinProxy } = require('./round-robin-proxy');
const { startBalancer, BALANCERS } = require('./balancers');

/** The environment every process of the stack shares (see README "Running in queue mode"). */
function sharedEnv({ postgres, redis, encryptionKey, webhookUrl, editorUrl }) {
	return {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: postgres.host,
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: postgres.database,
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_PASSWORD: '',
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		N8N_ENCRYPTION_KEY: encryptionKey,
		// the pause mode's resume URL is built where the node runs (a worker): every process gets it
		WEBHOOK_URL: `${webhookUrl}/`,
		N8N_EDITOR_BASE_URL: `${editorUrl}/`,
		// every execution is kept with its data so suites can count and read them
		EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
		EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
		EXECUTIONS_DATA_PRUNE: 'false',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
	};
}

/** The user folder of every n8n process of a queue stack in `dir` (created). */
function queueFolders(dir, { workers = 2, webhooks = 2 } = {}) {
	const folder = (name) => {
		const f = path.join(dir, name);
		fs.mkdirSync(f, { recursive: true });
		return f;
	};
	return {
		main: folder('main'),
		workers: Array.from({ length: workers }, (_, i) => folder(`worker-${i + 1}`)),
		webhooks: Array.from({ length: webhooks }, (_, i) => folder(`webhook-${i + 1}`)),
	};
}

/**
 * Starts the services and n8n processes into `stack` (its stop() stops whatever started, newest first).
 * @param {object} stack            filled in: postgres, redis, proxy, main, workers, webhooks, env, webhookUrl, ...
 * @param {object} o
 * @param {string} o.runtime
 * @param {string} o.dir            where the services keep their data and logs
 * @param {{main: string, workers: string[], webhooks: string[]}} o.folders  from queueFolders(), package installed
 * @param {boolean|'round-robin'|'nginx-hash'|'haproxy-hash'} [o.proxy]  the load balancer in front of the webhook
 *                                  processors: true/'round-robin' the round-robin proxy (default with more than
 *                                  one processor), 'nginx-hash'/'haproxy-hash' docs/QUEUE-MODE.md's recipe
 * @param {number} [o.mainPort=0]
 * @param {number} [o.webhookPort=0]       first webhook processor's port (others: free ports)
 * @param {number} [o.workerConcurrency=10]
 * @param {string} [o.encryptionKey]       default: a random one
 * @param {Record<string,string>} [o.env]  extra env for every n8n process
 * @param {number} [o.timeoutMs=180000]    per n8n process
 * @param {(msg: string) => void} [o.log]
 */
async function startQueue(stack, o) {
	const { runtime, dir, folders } = o;
	const proxy = o.proxy === true ? 'round-robin' : (o.proxy ?? (folders.webhooks.length > 1 ? 'round-robin' : false));
	if (proxy && proxy !== 'round-robin' && !BALANCERS.includes(proxy))
		throw new Error(
			`proxy must be true, false, 'round-robin' or one of ${BALANCERS.join(', ')}; got ${JSON.stringify(o.proxy)}`,
		);
	const log = o.log || (() => {});
	const stoppers = [];
	stack.stopQueue = async () => {
		// n8n first (they hold connections), then the services, newest first
		const n8ns = [...stack.webhooks, ...stack.workers, stack.main].filter(Boolean);
		await Promise.all(n8ns.map((p) => p.stop().catch(() => {})));
		for (const stop of stoppers.reverse()) await stop().catch(() => {});
	};
	attachProcessHelpers(stack, runtime, o.timeoutMs || 180_000);

	const started = Date.now();
	const [postgres, redis] = await Promise.all([startPostgres({ dir }), startRedis({ dir })]);
	stack.postgres = postgres;
	stack.redis = redis;
	stoppers.push(postgres.stop, redis.stop);
	log(`PostgreSQL 127.0.0.1:${postgres.port}, Redis 127.0.0.1:${redis.port} (${Date.now() - started} ms)`);

	const webhookCount = folders.webhooks.length;
	const [mainPort, ...webhookPorts] = await getFreePorts(1 + webhookCount);
	const ports = {
		main: o.mainPort || mainPort,
		webhooks: webhookPorts.map((p, i) => (i === 0 && o.webhookPort ? o.webhookPort : p)),
	};
	if (proxy === 'round-robin') stack.proxy = await startRoundRobinProxy();
	// the recipe's balancers name the processors by address, so a restarted processor keeps its place
	else if (proxy)
		stack.proxy = await startBalancer(proxy, { dir, upstreams: ports.webhooks.map((p) => `127.0.0.1:${p}`) });
	if (stack.proxy) stoppers.push(stack.proxy.close);
	const webhookUrl = stack.proxy ? stack.proxy.url : `http://127.0.0.1:${ports.webhooks[0]}`;
	const editorUrl = `http://127.0.0.1:${ports.main}`;
	stack.encryptionKey = o.encryptionKey || crypto.randomBytes(24).toString('base64url');
	stack.env = {
		...sharedEnv({ postgres, redis, encryptionKey: stack.encryptionKey, webhookUrl, editorUrl }),
		...(o.env || {}),
	};
	stack.webhookUrl = webhookUrl;
	stack.folders = folders;
	stack.ports = ports;
	stack.workerConcurrency = o.workerConcurrency || 10;

	// main first: it runs the database migrations the others expect
	stack.main = await startN8n({
		runtime,
		userFolder: folders.main,
		port: ports.main,
		env: stack.env,
		timeoutMs: o.timeoutMs || 180_000,
	});
	stack.main.role = 'main';
	log(`main ${stack.main.baseUrl} ready (${stack.main.startupMs} ms)`);
	await Promise.all([
		...folders.workers.map((f, i) => stack.startWorker(i, f)),
		...folders.webhooks.map((f, i) => stack.startWebhook(i, f)),
	]);
	log(
		`${stack.workers.length} worker(s), ${stack.webhooks.length} webhook processor(s) ready (${Date.now() - started} ms in all)`,
	);
	return stack;
}

/** start/kill helpers for single processes (the fault tests restart workers and webhook processors). */
function attachProcessHelpers(stack, runtime, timeoutMs) {
	stack.startWorker = async (index, userFolder = stack.folders.workers[index]) => {
		const [healthPort] = await getFreePorts(1);
		const worker = await startN8n({
			runtime,
			command: 'worker',
			args: [`--concurrency=${stack.workerConcurrency}`],
			userFolder,
			// /healthz/readiness answers 503 while the worker has lost its database or Redis
			env: {
				...stack.env,
				QUEUE_HEALTH_CHECK_ACTIVE: 'true',
				QUEUE_HEALTH_CHECK_PORT: String(healthPort),
				N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
			},
			timeoutMs,
		});
		worker.role = `worker-${index + 1}`;
		worker.healthUrl = `http://127.0.0.1:${healthPort}/healthz`;
		stack.workers[index] = worker;
		return worker;
	};
	stack.startWebhook = async (index, userFolder = stack.folders.webhooks[index]) => {
		const webhook = await startN8n({
			runtime,
			command: 'webhook',
			userFolder,
			port: stack.ports.webhooks[index],
			env: stack.env,
			timeoutMs,
		});
		webhook.role = `webhook-${index + 1}`;
		stack.webhooks[index] = webhook;
		if (stack.proxy && stack.proxy.setUpstreams)
			stack.proxy.setUpstreams(stack.webhooks.filter(Boolean).map((w) => w.baseUrl));
		return webhook;
	};
	/** SIGKILL to the n8n process itself (no graceful shutdown); its guard then clears the group. */
	stack.kill = async (instance) => {
		const pid = n8nProcessPid(instance.pid);
		if (pid) process.kill(pid, 'SIGKILL');
		await instance.stop();
		return pid;
	};
	/** Every process's log file, with its role. */
	stack.logFiles = () =>
		[
			...[stack.main, ...stack.workers, ...stack.webhooks]
				.filter(Boolean)
				.map((p) => ({ role: p.role, file: p.logFile })),
			{ role: 'postgres', file: stack.postgres && stack.postgres.logFile },
			{ role: 'redis', file: stack.redis && stack.redis.logFile },
		].filter((l) => l.file);
}

module.exports = { startQueue, queueFolders };

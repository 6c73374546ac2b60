'use strict';
// The one way to start n8n with this package, for everything that needs a real one: the suites, the bench
// and `npm start`. mode 'single': one n8n process (SQLite) in one user folder; mode 'queue': PostgreSQL,
// Redis, a main, workers and webhook processors (queue.js). Each step is skipped when its inputs are
// unchanged (runtime installed, dist/ built, package installed) and reported through `step`, which is how
// npm start shows its progress lines.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { REPO_ROOT } = require('../lib/repo');
const { DEFAULT_RUNTIME } = require('../runtime/paths');
const { ensureRuntime } = require('../runtime/install');
const { preparePackage } = require('../package/build');
const { n8nClient, OWNER_FILE } = require('../n8n-client/client');
const { startSandbox } = require('../sandbox/server');
const { startN8n, n8nProcessPid } = require('./n8n');
const { startQueue, queueFolders } = require('./queue');

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * @param {object} [o]
 * @param {'single'|'queue'} [o.mode='single']
 * @param {string} [o.runtime]      folder under runtime/ (default: KHIPU_N8N_RUNTIME, else n8n-2.8)
 * @param {string} [o.dir]          single: the N8N_USER_FOLDER; queue: holds every process's user folder and the
 *                                  services' data. A temp folder when omitted, removed by stop() unless KHIPU_KEEP_N8N is set
 * @param {string} [o.packageDir]   an already built package to install instead of this repository (built when needed)
 * @param {object|false|(() => Promise<{url: string, close: () => Promise<void>}>)} [o.sandbox=false]
 *                                  options for an in-process Khipu sandbox, or a function that starts one
 * @param {number} [o.port=0]       n8n's port (queue: the main's); 0 picks a free one
 * @param {Record<string, string|undefined>} [o.n8nEnv]  extra environment for every n8n process (undefined deletes)
 * @param {number} [o.timeoutMs]    start-up limit per n8n process (single 120 s, queue 180 s)
 * @param {{email?: string}} [o.owner]  the owner created on a first start; later the saved owner logs in
 * @param {string} [o.apiKey]       a saved API key, reused while n8n accepts it
 * @param {string} [o.apiKeyLabel]
 * @param {number} [o.workers=2]    queue mode, like webhooks (2), workerConcurrency (10), proxy (round-robin
 *                                  proxy, default with more than one webhook processor; 'nginx-hash' or
 *                                  'haproxy-hash' for docs/QUEUE-MODE.md's recipe), webhookPort, encryptionKey
 * @param {(title: string, fn: (note: (msg: string) => void) => Promise<any>) => Promise<any>} [o.step]
 *                                  runs and reports one step (npm start's progress.step); default: silent
 * @param {(msg: string) => void} [o.log]  notes of the steps when no `step` is given
 * @param {string} [o.installLog]   where npm's output goes (runtime install, build); named only when one fails
 */
async function startStack(o = {}) {
	const mode = o.mode || 'single';
	if (mode !== 'single' && mode !== 'queue')
		throw new Error(`startStack: mode must be 'single' or 'queue', not ${JSON.stringify(mode)}`);
	const runtime = o.runtime || process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME;
	const log = o.log || (() => {});
	const step = o.step || ((title, fn) => fn(log));
	const installLog = o.installLog || path.join(REPO_ROOT, 'artifacts', 'install.log');
	const ownDir = !o.dir;
	const dir = path.resolve(
		o.dir || fs.mkdtempSync(path.join(os.tmpdir(), mode === 'queue' ? 'khipu-queue-' : 'khipu-n8n-')),
	);
	fs.mkdirSync(dir, { recursive: true });

	const stack = { mode, runtime, dir, sandbox: null, n8n: null, main: null, workers: [], webhooks: [], client: null };
	stack.processes = () => [stack.main || stack.n8n, ...stack.workers, ...stack.webhooks].filter(Boolean);
	stack.n8nLog = () =>
		stack.n8n && fs.existsSync(stack.n8n.logFile) ? fs.readFileSync(stack.n8n.logFile, 'utf8') : '';
	let stopping = null;
	stack.stop = () => {
		stopping ||= (async () => {
			if (stack.stopQueue) await stack.stopQueue();
			else if (stack.n8n) await stack.n8n.stop();
			if (stack.sandbox) await stack.sandbox.close();
			if (ownDir && !process.env.KHIPU_KEEP_N8N) fs.rmSync(dir, { recursive: true, force: true });
		})();
		return stopping;
	};

	try {
		await step(`Checking the n8n runtime (runtime/${runtime})`, async (note) => {
			const r = await ensureRuntime({ runtime, log: note, logFile: installLog });
			return { summary: r.cached ? 'installed already' : `installed in ${Math.round(r.seconds)}s` };
		});
		const folders = mode === 'queue' ? queueFolders(dir, { workers: o.workers ?? 2, webhooks: o.webhooks ?? 2 }) : null;
		const userFolders = folders ? [folders.main, ...folders.workers, ...folders.webhooks] : [dir];
		const where = folders ? `each of the ${userFolders.length} n8n user folders` : "n8n's user folder";
		await step(`Building the package and installing it into ${where} as a community package`, async (note) => {
			const prepared = await preparePackage({ userFolders, packageDir: o.packageDir, note, logFile: installLog });
			stack.package = prepared.installed;
			return prepared;
		});
		if (o.sandbox) {
			await step('Starting the Khipu sandbox', async (note) => {
				stack.sandbox = typeof o.sandbox === 'function' ? await o.sandbox(note) : await startSandbox(o.sandbox);
				return { summary: stack.sandbox.url };
			});
		}
		if (mode === 'single') {
			stack.databaseFile = path.join(dir, '.n8n', 'database.sqlite');
			stack.firstStart = !fs.existsSync(stack.databaseFile);
			const start = (port) =>
				startN8n({ runtime, userFolder: dir, port, env: o.n8nEnv || {}, timeoutMs: o.timeoutMs || 120_000 });
			await step(stack.firstStart ? 'Starting n8n (first start: creating the database)' : 'Starting n8n', async () => {
				stack.n8n = await start(o.port || 0);
				return { summary: `${stack.n8n.baseUrl} (log: ${stack.n8n.logFile})` };
			});
			/** Stops n8n (with `kill`, the hard way: SIGKILL, nothing saved on the way out) and starts it again on its port. */
			stack.restartN8n = async ({ kill = false } = {}) => {
				const killedPid = kill ? n8nProcessPid(stack.n8n.pid) : null;
				if (killedPid) process.kill(killedPid, 'SIGKILL');
				await stack.n8n.stop();
				const started = Date.now();
				stack.n8n = await start(stack.n8n.port);
				return { killedPid, startupMs: Date.now() - started };
			};
			stack.userFolder = dir;
			stack.webhookUrl = stack.n8n.baseUrl;
		} else {
			const title = `Starting PostgreSQL, Redis and n8n (main, ${plural(folders.workers.length, 'worker')}, ${plural(folders.webhooks.length, 'webhook processor')})`;
			await step(title, async (note) => {
				await startQueue(stack, { ...o, runtime, dir, folders, mainPort: o.port, env: o.n8nEnv, log: note });
				return { summary: `main ${stack.main.baseUrl}, webhooks ${stack.webhookUrl}` };
			});
			stack.n8n = stack.main;
			stack.userFolder = folders.main;
		}
		stack.baseUrl = stack.n8n.baseUrl;
		await step('Setting up the owner account and API key', (note) => setUpOwner(stack, o, note));
		return stack;
	} catch (error) {
		await stack.stop().catch(() => {});
		throw error;
	}
}

/**
 * The owner account (created on a first start, else the owner saved in the user folder logs in) and an API key
 * (the saved one while n8n accepts it). An instance whose owner's password is not saved: error.ownerUnknown.
 */
async function setUpOwner(stack, o, note) {
	const client = await n8nClient(stack.n8n, { userFolder: stack.userFolder, apiKey: o.apiKey });
	let saved = null;
	try {
		saved = JSON.parse(fs.readFileSync(path.join(stack.userFolder, OWNER_FILE), 'utf8'));
	} catch {
		/* first start */
	}
	const wanted = o.owner && o.owner.email;
	if (saved && saved.email && wanted && saved.email !== wanted)
		note(`the owner is already ${saved.email}; the owner email setting applies to a new data folder only`);
	let owner;
	try {
		owner = await client.setupOwner(saved && saved.email ? {} : { ...(o.owner || {}) });
	} catch (err) {
		err.ownerUnknown = /already has an owner|-> HTTP 401/.test(err.message);
		throw err;
	}
	let key = o.apiKey ? 'reused' : null;
	if (key) {
		try {
			await client.api('GET', '/workflows?limit=1');
		} catch (err) {
			if (err.status !== 401 && err.status !== 403) throw err;
			note('the stored API key is no longer accepted: creating a new one');
			key = null;
		}
	}
	if (!key) {
		await client.createApiKey(o.apiKeyLabel ? { label: o.apiKeyLabel } : {});
		key = 'created';
	}
	stack.client = client;
	stack.owner = { ...owner, file: path.join(stack.userFolder, OWNER_FILE) };
	stack.apiKey = client.apiKey;
	return {
		summary: `${owner.created ? `owner ${owner.email} created` : `logged in as ${owner.email}`}, API key ${key}`,
	};
}

module.exports = { startStack };

'use strict';
// The bench's stack: startStack() (one n8n process, or queue mode) with a clean build of the package in a temp
// dir (what `npm publish` ships, since prepublishOnly cleans and rebuilds) instead of the shared dist/, the
// Khipu sandbox answering at once, and what the bench reads of the processes from /proc: the CPU time of every
// n8n process (each in its own process group with its task runner), of PostgreSQL and Redis, and n8n's memory.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');

const { runtimeDir } = require('../../runtime/paths');
const { buildCopy } = require('../../package/build');
const { startStack } = require('../../stack/stack');
const { n8nProcessPid: findN8nPid } = require('../../stack/n8n');
const { jwtCredential } = require('../../workflows/credentials');
const { uniquePath } = require('../../workflows/workflows');
const { DEFAULT_JWT, ENDPOINT_PATH } = require('../../sandbox/server');
const { groupCpuMs, benchCpuMs } = require('./meter');

function rssKb(pid) {
	try {
		const m = /VmRSS:\s+(\d+)\s*kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
		return m ? Number(m[1]) : null;
	} catch {
		return null;
	}
}

// n8n prunes executions beyond 10,000 by default; the bench counts every execution it started
const BENCH_ENV = { EXECUTIONS_DATA_PRUNE: 'false' };

/**
 * @param {object} [o]
 * @param {'single'|'queue'} [o.mode='single']   queue: one main, `workers` workers, `webhooks` webhook processors
 *                                               (no proxy: the bench spreads callbacks over the processors itself)
 * @param {string} [o.runtime]
 * @param {string} [o.pkgDir]    install this prepared package directory instead of building the current source
 * @param {Record<string, string|undefined>} [o.n8nEnv]  extra environment for n8n (e.g. NODE_OPTIONS)
 * @param {Function} [o.log]
 */
async function startBenchStack({
	mode = 'single',
	log = () => {},
	runtime,
	pkgDir: givenPkgDir,
	n8nEnv = {},
	workers = 1,
	webhooks = 2,
} = {}) {
	const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-bench-'));
	const cleanups = [() => fs.rmSync(tmpRoot, { recursive: true, force: true })];
	const cleanup = async () => {
		while (cleanups.length) {
			try {
				await cleanups.pop()();
			} catch {
				/* best effort */
			}
		}
	};
	try {
		let t = Date.now();
		const pkgDir = givenPkgDir || buildCopy(tmpRoot);
		if (!givenPkgDir) log(`built a clean copy of the package in ${Date.now() - t} ms`);
		t = Date.now();
		const stack = await startStack({
			mode,
			runtime,
			dir: path.join(tmpRoot, 'n8n'),
			packageDir: pkgDir,
			sandbox: { host: '127.0.0.1', latencyMs: 0, callbackDelayMs: 20 },
			n8nEnv: { ...BENCH_ENV, ...n8nEnv },
			...(mode === 'queue' ? { workers, webhooks, proxy: false } : {}),
			log,
		});
		cleanups.push(stack.stop);
		log(
			`${mode === 'queue' ? `queue mode (main, ${workers} worker(s), ${webhooks} webhook processor(s))` : 'n8n'} ${stack.n8n.baseUrl} ready in ${Date.now() - t} ms`,
		);
		const credential = await jwtCredential(stack.client, {
			name: 'Khipu sandbox (JWT)',
			jwt: DEFAULT_JWT,
			baseUrl: stack.sandbox.url,
		});
		// for the HTTP Request variant that keeps the JWT in a credential rather than in the workflow
		const headerAuth = await stack.client.createCredential({
			name: 'Khipu sandbox JWT (Header Auth)',
			type: 'httpHeaderAuth',
			data: { name: 'Authorization', value: `Bearer ${DEFAULT_JWT}` },
		});
		const n8nPid = findN8nPid(stack.n8n.pid);
		const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
		cleanups.push(() => agent.destroy());
		// every n8n process is the leader of its own process group (n8n, its task runner, its guard)
		const n8nGroups = () => stack.processes().map((p) => p.pid);
		const serviceGroups = () => [stack.postgres, stack.redis].filter(Boolean).map((s) => s.pgid);
		return Object.assign(stack, {
			tmpRoot,
			pkgDir,
			installedDir: stack.package.dir,
			runtimeDir: runtimeDir(stack.runtime),
			n8nPid,
			credential,
			headerAuth,
			agent,
			endpointUrl: `${stack.sandbox.url}${ENDPOINT_PATH}`,
			jwt: DEFAULT_JWT,
			cpuCount: os.cpus().length,
			// where production webhooks are taken: n8n itself, or each webhook processor
			webhookBases: mode === 'queue' ? stack.webhooks.map((w) => w.baseUrl) : [stack.n8n.baseUrl],
			rssKb: () => (n8nPid ? rssKb(n8nPid) : null),
			/** CPU ms so far of every n8n process of the stack (main, workers, webhook processors, task runners). */
			cpuMs: () => groupCpuMs(n8nGroups()),
			/** CPU ms so far of PostgreSQL and Redis (queue mode; 0 with SQLite, which runs inside n8n). */
			servicesCpuMs: () => groupCpuMs(serviceGroups()),
			/** Everything the bench runs: the stack, the bench process itself (load generator, sandbox). */
			ownCpuMs: () => groupCpuMs([...n8nGroups(), ...serviceGroups()]) + benchCpuMs(),
			uniquePath,
			stop: cleanup,
		});
	} catch (error) {
		await cleanup();
		throw error;
	}
}

module.exports = { startBenchStack, findN8nPid, rssKb };

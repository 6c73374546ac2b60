'use strict';
// The bench's stack: startStack() with a clean build of the package in a temp dir (what `npm publish` ships,
// since prepublishOnly cleans and rebuilds) instead of the shared dist/, the Khipu sandbox answering at once,
// and what the bench reads of n8n's process: its CPU time and memory.
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

function rssKb(pid) {
	try {
		const m = /VmRSS:\s+(\d+)\s*kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
		return m ? Number(m[1]) : null;
	} catch {
		return null;
	}
}

/** CPU time used so far by every thread of the process (ms, summed over /proc/<pid>/task/<tid>/schedstat, ns precision). */
function cpuMs(pid) {
	let ns = 0;
	try {
		for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
			try {
				ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
			} catch {
				/* thread ended */
			}
		}
	} catch {
		return null;
	}
	return ns / 1e6;
}

/**
 * @param {{log?: Function, runtime?: string, pkgDir?: string, n8nEnv?: Record<string, string|undefined>}} [o]
 *        pkgDir: install this prepared package directory instead of building the current source
 *        (for experiments with a patched copy); n8nEnv: extra environment for n8n (e.g. NODE_OPTIONS)
 */
async function startBenchStack({ log = () => {}, runtime, pkgDir: givenPkgDir, n8nEnv = {} } = {}) {
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
		// n8n's defaults otherwise (executions saved, SQLite); the stack already keeps it offline.
		const stack = await startStack({
			mode: 'single',
			runtime,
			dir: path.join(tmpRoot, 'n8n'),
			packageDir: pkgDir,
			sandbox: { host: '127.0.0.1', latencyMs: 0, callbackDelayMs: 20 },
			n8nEnv,
			log,
		});
		cleanups.push(stack.stop);
		log(`n8n ${stack.n8n.baseUrl} ready in ${Date.now() - t} ms`);
		const credential = await jwtCredential(stack.client, { name: 'Khipu sandbox (JWT)', jwt: DEFAULT_JWT, baseUrl: stack.sandbox.url });
		// for the HTTP Request variant that keeps the JWT in a credential rather than in the workflow
		const headerAuth = await stack.client.createCredential({
			name: 'Khipu sandbox JWT (Header Auth)',
			type: 'httpHeaderAuth',
			data: { name: 'Authorization', value: `Bearer ${DEFAULT_JWT}` },
		});
		const n8nPid = findN8nPid(stack.n8n.pid);
		const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
		cleanups.push(() => agent.destroy());
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
			rssKb: () => (n8nPid ? rssKb(n8nPid) : null),
			cpuMs: () => (n8nPid ? cpuMs(n8nPid) : null),
			uniquePath,
			stop: cleanup,
		});
	} catch (error) {
		await cleanup();
		throw error;
	}
}

module.exports = { startBenchStack, findN8nPid, rssKb, cpuMs };

'use strict';
// The bench's own stack: a clean build of the package in a temp dir (what `npm publish` ships, since
// prepublishOnly cleans and rebuilds), installed into a fresh n8n user folder as a community package,
// one real n8n 2.8.4 and the Khipu sandbox, all on 127.0.0.1.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { spawnSync } = require('node:child_process');

const { REPO_ROOT, DEFAULT_RUNTIME, runtimeDir } = require('../../runtime/paths');
const { installPackageInto } = require('../../package/pack');
const { isRuntimeReady } = require('../../runtime/install');
const { startN8n, n8nClient, n8nProcessPid: findN8nPid } = require('../../stack/n8n');
const { startSandbox, DEFAULT_JWT, ENDPOINT_PATH } = require('../../sandbox/server');

const PKG = 'n8n-nodes-khipu-santander-ar';

function copyTree(from, to, filter) {
	for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
		const src = path.join(from, entry.name);
		const dst = path.join(to, entry.name);
		if (entry.isDirectory()) copyTree(src, dst, filter);
		else if (filter(entry.name)) {
			fs.mkdirSync(to, { recursive: true });
			fs.copyFileSync(src, dst);
		}
	}
}

/**
 * tsc + the gulp asset copy into <tmp>/pkg/dist, with package.json, README and LICENSE beside it, so
 * the bench measures the current source without touching the shared dist/ other engineers use.
 * @returns {string} the package directory
 */
function buildPrivateCopy(tmpRoot) {
	const pkgDir = path.join(tmpRoot, 'pkg');
	fs.mkdirSync(pkgDir, { recursive: true });
	const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
	const r = spawnSync(process.execPath, [tsc, '-p', path.join(REPO_ROOT, 'tsconfig.json'), '--outDir', path.join(pkgDir, 'dist')], {
		cwd: REPO_ROOT,
		encoding: 'utf8',
	});
	if (r.status !== 0) throw new Error(`tsc failed:\n${r.stdout}\n${r.stderr}`);
	copyTree(path.join(REPO_ROOT, 'icons'), path.join(pkgDir, 'dist', 'icons'), (n) => /\.(png|svg)$/.test(n));
	copyTree(path.join(REPO_ROOT, 'nodes'), path.join(pkgDir, 'dist', 'nodes'), (n) => n.endsWith('.node.json'));
	for (const f of ['package.json', 'README.md', 'LICENSE', 'LICENSE.md']) {
		if (fs.existsSync(path.join(REPO_ROOT, f))) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(pkgDir, f));
	}
	return pkgDir;
}

function ensureRuntime(runtime) {
	if (isRuntimeReady(runtime)) return;
	const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'tools', 'runtime', 'install-runtime.js'), '--runtime', runtime], {
		cwd: REPO_ROOT,
		stdio: 'inherit',
	});
	if (r.status !== 0) throw new Error('install-runtime.js failed');
}

function rssKb(pid) {
	try {
		const m = /VmRSS:\s+(\d+)\s*kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
		return m ? Number(m[1]) : null;
	} catch {
		return null;
	}
}

/**
 * @param {{log?: Function, runtime?: string, pkgDir?: string, n8nEnv?: Record<string, string|undefined>}} [o]
 *        pkgDir: install this prepared package directory instead of building the current source
 *        (for experiments with a patched copy); n8nEnv: extra environment for n8n (e.g. NODE_OPTIONS)
 */
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

async function startBenchStack({ log = () => {}, runtime = process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME, pkgDir: givenPkgDir, n8nEnv = {} } = {}) {
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
		ensureRuntime(runtime);
		const pkgDir = givenPkgDir || buildPrivateCopy(tmpRoot);
		if (!givenPkgDir) log(`built a clean copy of the package in ${Date.now() - t} ms`);
		const sandbox = await startSandbox({ host: '127.0.0.1', latencyMs: 0, callbackDelayMs: 20 });
		cleanups.push(() => sandbox.close());
		const userFolder = path.join(tmpRoot, 'n8n');
		fs.mkdirSync(userFolder);
		const installed = installPackageInto(userFolder, { packageDir: pkgDir });
		t = Date.now();
		const n8n = await startN8n({
			runtime,
			userFolder,
			// n8n's defaults otherwise (executions saved, SQLite); the harness already keeps it offline.
			env: n8nEnv,
		});
		cleanups.push(() => n8n.stop());
		log(`n8n ${n8n.baseUrl} ready in ${Date.now() - t} ms`);
		const client = await n8nClient(n8n);
		await client.setupOwner();
		await client.createApiKey();
		const credential = await client.createCredential({
			name: 'Khipu sandbox (JWT)',
			type: 'khipuApi',
			data: { authType: 'jwt', jwtToken: DEFAULT_JWT, baseUrl: sandbox.url, allowedHttpRequestDomains: 'all' },
		});
		// for the HTTP Request variant that keeps the JWT in a credential rather than in the workflow
		const headerAuth = await client.createCredential({
			name: 'Khipu sandbox JWT (Header Auth)',
			type: 'httpHeaderAuth',
			data: { name: 'Authorization', value: `Bearer ${DEFAULT_JWT}` },
		});
		const n8nPid = findN8nPid(n8n.pid);
		const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
		cleanups.push(() => agent.destroy());
		return {
			tmpRoot,
			pkgDir,
			installedDir: installed.dir,
			runtime,
			runtimeDir: runtimeDir(runtime),
			sandbox,
			n8n,
			n8nPid,
			client,
			credential,
			headerAuth,
			agent,
			endpointUrl: `${sandbox.url}${ENDPOINT_PATH}`,
			jwt: DEFAULT_JWT,
			rssKb: () => (n8nPid ? rssKb(n8nPid) : null),
			cpuMs: () => (n8nPid ? cpuMs(n8nPid) : null),
			uniquePath: (prefix) => `${prefix}-${crypto.randomBytes(4).toString('hex')}`,
			stop: cleanup,
		};
	} catch (error) {
		await cleanup();
		throw error;
	}
}

/**
 * POST JSON to an n8n webhook over a keep-alive socket and time it (ms, from write to last byte).
 * @returns {Promise<{status: number, ms: number, body: string}>}
 */
function postJson(agent, url, body, { timeoutMs = 120_000 } = {}) {
	const payload = typeof body === 'string' ? body : JSON.stringify(body);
	return new Promise((resolve, reject) => {
		const started = process.hrtime.bigint();
		const req = http.request(
			url,
			{
				method: 'POST',
				agent,
				headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
				timeout: timeoutMs,
			},
			(res) => {
				const chunks = [];
				res.on('data', (c) => chunks.push(c));
				res.on('end', () => {
					const ms = Number(process.hrtime.bigint() - started) / 1e6;
					resolve({ status: res.statusCode, ms, body: Buffer.concat(chunks).toString('utf8') });
				});
				res.on('error', reject);
			},
		);
		req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out after ${timeoutMs} ms`)));
		req.on('error', reject);
		req.end(payload);
	});
}

module.exports = { startBenchStack, buildPrivateCopy, postJson, findN8nPid, rssKb, cpuMs, PKG };

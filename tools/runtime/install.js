'use strict';
// Installs / verifies a pinned n8n runtime under runtime/<name>/ (its own package root).
// Plain CommonJS, node builtins only. npm's output goes to a log file (see lib/run-logged.js).
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { REPO_ROOT } = require('../lib/repo');
const { withLock } = require('../lib/lock');
const { runLogged } = require('../lib/run-logged');
const { DEFAULT_RUNTIME, runtimeDir, n8nBin, isNodeRuntime, runtimeNode, nodeRuntimeDist, withRuntimeNode } = require('./paths');

const STAMP_NAME = '.khipu-runtime-stamp';
const TICK_MS = 30_000; // a progress note while npm installs (its output goes to the log)

function readIfExists(file) {
	try {
		return fs.readFileSync(file);
	} catch (err) {
		if (err.code === 'ENOENT') return null;
		throw err;
	}
}

/**
 * Hash of what determines the installed tree: package.json, package-lock.json, and the Node ABI
 * (sqlite3 is compiled from source for the running Node). A runtime that declares its Node
 * ("khipuRuntime": {"node": "node-24"}) is built with that Node, whatever Node checks the stamp: its
 * package.json + lockfile stand in for the ABI. A Node runtime (runtime/node-24) depends on the platform only.
 */
function computeStamp(runtime = DEFAULT_RUNTIME) {
	const dir = runtimeDir(runtime);
	const pkg = readIfExists(path.join(dir, 'package.json'));
	if (!pkg) throw new Error(`runtime ${runtime}: ${path.join(dir, 'package.json')} not found`);
	const lock = readIfExists(path.join(dir, 'package-lock.json'));
	const h = crypto.createHash('sha256');
	h.update('package.json\0').update(pkg).update('\0package-lock.json\0').update(lock || '');
	const node = runtimeNode(runtime);
	if (node) {
		h.update(`\0node-runtime:${node.runtime}\0`);
		h.update(readIfExists(path.join(node.dir, 'package.json')) || '').update('\0');
		h.update(readIfExists(path.join(node.dir, 'package-lock.json')) || '');
		h.update(`\0${process.platform}-${process.arch}`);
	} else if (isNodeRuntime(runtime)) {
		h.update(`\0${process.platform}-${process.arch}`);
	} else {
		h.update(`\0${process.platform}-${process.arch}-abi${process.versions.modules}`);
	}
	return h.digest('hex');
}

function stampFile(runtime = DEFAULT_RUNTIME) {
	// Inside node_modules on purpose: deleting node_modules invalidates it.
	return path.join(runtimeDir(runtime), 'node_modules', STAMP_NAME);
}

/**
 * Files a working install must have (the sqlite3 binding is compiled from source on Node 20);
 * plus the declared Node binary; for a Node runtime, just its binary.
 */
function missingEssentials(runtime = DEFAULT_RUNTIME) {
	if (isNodeRuntime(runtime)) return [nodeRuntimeDist(runtime).node].filter((f) => !fs.existsSync(f));
	const nm = path.join(runtimeDir(runtime), 'node_modules');
	const files = [n8nBin(runtime), path.join(nm, 'sqlite3', 'build', 'Release', 'node_sqlite3.node')];
	const node = runtimeNode(runtime);
	if (node) files.push(node.node);
	return files.filter((f) => !fs.existsSync(f));
}

/** true when the n8n binary exists and the stamp matches package.json + package-lock.json */
function isRuntimeReady(runtime = DEFAULT_RUNTIME) {
	if (missingEssentials(runtime).length) return false;
	const stamp = readIfExists(stampFile(runtime));
	return !!stamp && stamp.toString('utf8').trim() === computeStamp(runtime);
}

/**
 * An install made without this script (e.g. a plain `npm install`) has no stamp. Adopt it when npm's
 * own record of the tree (node_modules/.package-lock.json) matches package-lock.json: same version for
 * every installed package, and only optional (other-platform) packages absent.
 * @returns {string|null} null when adoptable, else the reason it is not
 */
function whyNotAdoptable(runtime = DEFAULT_RUNTIME) {
	const dir = runtimeDir(runtime);
	const missing = missingEssentials(runtime);
	if (missing.length) return `missing ${missing.join(', ')}`;
	let lock;
	let hidden;
	try {
		lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8')).packages;
		hidden = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', '.package-lock.json'), 'utf8')).packages;
	} catch (err) {
		return `cannot compare lockfiles (${err.code || err.message})`;
	}
	if (!lock || !hidden) return 'lockfile without "packages"';
	const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
	const root = lock[''] || {};
	for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
		if (JSON.stringify(root[field] || {}) !== JSON.stringify(pkg[field] || {})) {
			return `package-lock.json ${field} differ from package.json`;
		}
	}
	for (const [key, entry] of Object.entries(hidden)) {
		if (!lock[key]) return `extraneous ${key}`;
		if (lock[key].version !== entry.version) return `${key}: ${entry.version} installed, ${lock[key].version} locked`;
	}
	for (const [key, entry] of Object.entries(lock)) {
		if (key === '' || hidden[key]) continue;
		if (!entry.optional && !entry.devOptional && !entry.dev && !entry.peer) return `${key} not installed`;
	}
	return null;
}

function countPackages(dir) {
	try {
		let n = 0;
		for (const e of fs.readdirSync(path.join(dir, 'node_modules'))) {
			if (e.startsWith('.')) continue;
			if (e.startsWith('@')) {
				try {
					n += fs.readdirSync(path.join(dir, 'node_modules', e)).length;
				} catch {
					/* racing with npm */
				}
			} else n++;
		}
		return n;
	} catch {
		return 0;
	}
}

/** Where an install's npm output goes when the caller names no log: artifacts/install-<runtime>.log (CI keeps artifacts/). */
function defaultLogFile(runtime) {
	return path.join(REPO_ROOT, 'artifacts', `install-${runtime}.log`);
}

/**
 * Ensures runtime/<runtime>/node_modules/.bin/n8n exists and matches the lockfile.
 * @param {{runtime?: string, force?: boolean, log?: (msg: string) => void, logFile?: string}} [opts]
 *        logFile: where npm's output goes (default artifacts/install-<runtime>.log); named only on failure
 * @returns {Promise<{cached: boolean, seconds: number, command?: string, logFile?: string}>}
 */
async function ensureRuntime({ runtime = DEFAULT_RUNTIME, force = false, log = (m) => console.log(`[install-runtime] ${m}`), logFile } = {}) {
	const dir = runtimeDir(runtime);
	if (!fs.existsSync(path.join(dir, 'package.json'))) {
		throw new Error(`runtime ${runtime}: no package.json in ${dir}`);
	}
	const what = isNodeRuntime(runtime) ? `Node runtime ${runtime}` : 'n8n runtime';
	// A runtime that declares its Node ("khipuRuntime": {"node": "node-24"}) gets that Node first (cached
	// like any runtime), then is installed with it on PATH and npm_config_nodedir at its headers.
	const node = runtimeNode(runtime);
	let nodeResult;
	if (node) nodeResult = await ensureRuntime({ runtime: node.runtime, force: false, log, logFile });
	if (!force && isRuntimeReady(runtime)) {
		log(`${what} ready (cached)`);
		return { cached: true, seconds: 0, node: nodeResult };
	}
	const lock = { name: 'n8n-runtime', key: runtimeDir(runtime), what: `another install of runtime ${runtime}`, note: log };
	return withLock(lock, async () => {
		if (!force && isRuntimeReady(runtime)) {
			log(`${what} ready (cached)`);
			return { cached: true, seconds: 0, node: nodeResult };
		}
		if (!force && fs.existsSync(path.join(dir, 'package-lock.json')) && !fs.existsSync(stampFile(runtime))) {
			const why = whyNotAdoptable(runtime);
			if (!why) {
				fs.writeFileSync(stampFile(runtime), computeStamp(runtime) + '\n');
				log(`${what} ready (existing install matches package-lock.json; stamp written)`);
				return { cached: true, seconds: 0, adopted: true, node: nodeResult };
			}
			if (fs.existsSync(n8nBin(runtime))) log(`existing install not reused: ${why}`);
		}
		const hasLock = fs.existsSync(path.join(dir, 'package-lock.json'));
		const args = hasLock ? ['ci', '--yes', '--no-audit', '--no-fund'] : ['install', '--yes', '--no-audit', '--no-fund'];
		const label = `npm ${args[0]} (${runtime})`;
		const expect = isNodeRuntime(runtime) ? 'about 10 seconds' : node ? 'about 10 minutes and ~4 GB RAM' : 'about 5 minutes on a cold cache';
		log(`${label} in ${dir}${node ? ` with Node ${node.runtime} (${node.binDir} first on PATH)` : ''} — this takes ${expect}`);
		try {
			fs.rmSync(stampFile(runtime), { force: true });
		} catch {
			/* ignore */
		}
		const file = logFile || defaultLogFile(runtime);
		const tick = { everyMs: TICK_MS, note: log, detail: () => `${countPackages(dir)} top-level packages in node_modules` };
		// n8n's native modules build in their install scripts; under `npm test`/`npm start` npm passes the
		// repository's ignore-scripts=true (.npmrc) down as npm_config_ignore_scripts, so it is turned back off.
		const env = { ...withRuntimeNode(runtime), npm_config_ignore_scripts: 'false' };
		const { seconds, lines } = await runLogged('npm', args, { cwd: dir, env, logFile: file, label, tick });
		const missing = missingEssentials(runtime);
		if (missing.length) throw new Error(`${label} finished but ${missing.join(', ')} missing. Log: ${file}`);
		fs.writeFileSync(stampFile(runtime), computeStamp(runtime) + '\n');
		log(`${what} ready (${label} took ${seconds.toFixed(0)}s; npm's ${lines} lines of output kept in its log)`);
		return { cached: false, seconds, command: `npm ${args.join(' ')}`, node: nodeResult, logFile: file };
	});
}

module.exports = { ensureRuntime, isRuntimeReady, whyNotAdoptable, computeStamp, stampFile };

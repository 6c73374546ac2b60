'use strict';
// Well-known locations inside the repository.
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
// KHIPU_RUNTIME_ROOT: testing hook (install a runtime copy elsewhere); normally <repo>/runtime
const RUNTIME_ROOT = process.env.KHIPU_RUNTIME_ROOT
	? path.resolve(process.env.KHIPU_RUNTIME_ROOT)
	: path.join(REPO_ROOT, 'runtime');
const DEFAULT_RUNTIME = 'n8n-2.8';
const PACKAGE_NAME = 'n8n-nodes-khipu-santander-ar';

function runtimeDir(runtime = DEFAULT_RUNTIME) {
	if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runtime)) {
		throw new Error(`invalid runtime name: ${JSON.stringify(runtime)}`);
	}
	return path.join(RUNTIME_ROOT, runtime);
}

function n8nBin(runtime = DEFAULT_RUNTIME) {
	return path.join(runtimeDir(runtime), 'node_modules', '.bin', 'n8n');
}

module.exports = { REPO_ROOT, RUNTIME_ROOT, DEFAULT_RUNTIME, PACKAGE_NAME, runtimeDir, n8nBin };

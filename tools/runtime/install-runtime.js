#!/usr/bin/env node
'use strict';
// Usage: node tools/runtime/install-runtime.js [--runtime n8n-2.8] [--force] [--check]
//   Installs the pinned n8n runtime under runtime/<name>/ unless it is already installed and its
//   stamp matches package.json + package-lock.json. --check: only report (exit 0 ready, 1 not).
const { ensureRuntime, isRuntimeReady } = require('./install');
const { DEFAULT_RUNTIME } = require('./paths');

function parseArgs(argv) {
	const opts = { runtime: DEFAULT_RUNTIME, force: false, check: false };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--runtime') opts.runtime = argv[++i];
		else if (a.startsWith('--runtime=')) opts.runtime = a.slice('--runtime='.length);
		else if (a === '--force') opts.force = true;
		else if (a === '--check') opts.check = true;
		else if (a === '-h' || a === '--help') opts.help = true;
		else throw new Error(`unknown argument: ${a}`);
	}
	if (!opts.runtime) throw new Error('--runtime needs a value');
	return opts;
}

async function main() {
	const opts = parseArgs(process.argv.slice(2));
	if (opts.help) {
		console.log('usage: node tools/runtime/install-runtime.js [--runtime n8n-2.8] [--force] [--check]');
		return;
	}
	if (opts.check) {
		const ready = isRuntimeReady(opts.runtime);
		console.log(ready ? 'n8n runtime ready' : 'n8n runtime not installed or out of date');
		process.exitCode = ready ? 0 : 1;
		return;
	}
	await ensureRuntime({ runtime: opts.runtime, force: opts.force });
}

main().catch((err) => {
	console.error(`[install-runtime] ERROR: ${err.message}`);
	process.exitCode = 1;
});

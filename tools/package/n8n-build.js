#!/usr/bin/env node
'use strict';
// `npm run build`: n8n's own build, `n8n-node build` (@n8n/node-cli: empties dist/, runs tsc, copies every
// .png/.svg and __schema__ JSON under the current folder into dist/), then gulp for the codex files
// (nodes/**/*.node.json), which n8n-node build leaves out. n8n-node build runs on a copy that holds only what
// the package is built from: run in the repository itself it would also copy the ~1,800 images inside the
// pinned n8n runtimes (runtime/*/node_modules) into dist/, and `files: ["dist"]` would publish them.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const SOURCES = ['package.json', 'tsconfig.json', 'nodes', 'credentials', 'icons'];

function run(command, args, cwd) {
	// CI=true: the CLI's prompt library prints each line once instead of animating a spinner.
	const r = spawnSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, CI: 'true' } });
	if (r.status !== 0)
		throw new Error(`${path.basename(args[0] || command)} ${args.slice(1).join(' ')} failed (${r.status ?? r.signal})`);
}

const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-build-'));
try {
	for (const entry of SOURCES) fs.cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
	fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
	run(process.execPath, [path.join(root, 'node_modules', '@n8n', 'node-cli', 'bin', 'n8n-node.mjs'), 'build'], stage);
	fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
	fs.cpSync(path.join(stage, 'dist'), path.join(root, 'dist'), { recursive: true });
} finally {
	fs.rmSync(stage, { recursive: true, force: true });
}
run(process.execPath, [path.join(root, 'node_modules', 'gulp', 'bin', 'gulp.js'), 'build:icons'], root);

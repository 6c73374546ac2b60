'use strict';
// 5. Package weight: what `npm pack` would ship, and how long n8n takes to require the modules.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { summary, ratio, median } = require('./stats');

function packInfo(pkgDir) {
	const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
		cwd: pkgDir,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
		env: { ...process.env, npm_config_update_notifier: 'false' },
	});
	const info = JSON.parse(out.slice(out.indexOf('[')))[0];
	const jsFiles = info.files.filter((f) => f.path.endsWith('.js'));
	return {
		tarballBytes: info.size,
		unpackedBytes: info.unpackedSize,
		files: info.entryCount,
		jsFiles: jsFiles.length,
		jsBytes: jsFiles.reduce((a, f) => a + f.size, 0),
		runtimeDependencies: Object.keys(
			JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).dependencies || {},
		).length,
	};
}

// In a fresh process: n8n-workflow first (n8n has it loaded long before any node), then the modules,
// each class instantiated as n8n does. Times in ms from process.hrtime.
const LOADER = `
const t = () => Number(process.hrtime.bigint()) / 1e6;
const files = JSON.parse(process.argv[1]);
const t0 = t();
require('n8n-workflow');
const t1 = t();
for (const [file, cls] of files) new (require(file)[cls])();
const t2 = t();
process.stdout.write(JSON.stringify({ workflowMs: t1 - t0, modulesMs: t2 - t1, sinceStartMs: performance.now() }));
`;

function loadOnce(files, runtimeDir) {
	const started = process.hrtime.bigint();
	const r = spawnSync(process.execPath, ['-e', LOADER, JSON.stringify(files)], {
		encoding: 'utf8',
		env: { PATH: process.env.PATH, NODE_PATH: path.join(runtimeDir, 'node_modules') },
		cwd: runtimeDir,
	});
	if (r.status !== 0) throw new Error(`load failed: ${r.stderr}`);
	const j = JSON.parse(r.stdout);
	j.processMs = Number(process.hrtime.bigint() - started) / 1e6;
	return j;
}

function runWeight(stack, { loads }) {
	const ours = [
		[path.join(stack.installedDir, 'dist/nodes/KhipuSantanderAr/KhipuSantanderAr.node.js'), 'KhipuSantanderAr'],
		[
			path.join(stack.installedDir, 'dist/nodes/KhipuSantanderArTrigger/KhipuSantanderArTrigger.node.js'),
			'KhipuSantanderArTrigger',
		],
		[path.join(stack.installedDir, 'dist/credentials/KhipuApi.credentials.js'), 'KhipuApi'],
	];
	const base = path.join(stack.runtimeDir, 'node_modules', 'n8n-nodes-base', 'dist');
	const theirs = [[path.join(base, 'nodes/HttpRequest/HttpRequest.node.js'), 'HttpRequest']];
	const samples = { khipu: [], httpRequest: [] };
	for (let i = 0; i < loads; i++) {
		// alternate which goes first so disk cache and CPU frequency favour neither
		const order = i % 2 ? ['httpRequest', 'khipu'] : ['khipu', 'httpRequest'];
		for (const key of order) samples[key].push(loadOnce(key === 'khipu' ? ours : theirs, stack.runtimeDir));
	}
	const sum = (key) => ({
		modulesMs: summary(samples[key].map((s) => s.modulesMs)),
		withN8nWorkflowMs: summary(samples[key].map((s) => s.modulesMs + s.workflowMs)),
		processMs: summary(
			samples[key].map((s) => s.processMs),
			{ digits: 0 },
		),
	});
	return {
		package: packInfo(stack.pkgDir),
		packedFrom: 'clean build of the current source (tsc + icons + codex), as prepublishOnly produces',
		loads,
		load: {
			khipu: { label: 'Khipu node + trigger + credential', ...sum('khipu') },
			httpRequest: { label: "n8n-nodes-base's HTTP Request node (all versions)", ...sum('httpRequest') },
			khipuVsHttpRequest: ratio(
				median(samples.khipu.map((s) => s.modulesMs)),
				median(samples.httpRequest.map((s) => s.modulesMs)),
			),
		},
	};
}

module.exports = { runWeight, packInfo };

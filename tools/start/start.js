#!/usr/bin/env node
'use strict';
// `npm start`: n8n (2.8.4 by default, 2.41.1 with --n8n 2.41) with this package (installed as a community package), the Khipu sandbox, an owner
// account, a "Khipu (sandbox)" credential and the example workflows, all on 127.0.0.1 with n8n's
// telemetry, templates and version checks off. Ctrl-C stops everything it started.
// Flags and environment variables: node tools/start/start.js --help (also docs/START.md).
const path = require('node:path');
const { parseOptions, HELP, UsageError } = require('./options');
const { createProgress } = require('./progress');
const { startEnvironment, StartError } = require('./environment');
const { REPO_ROOT } = require('../lib/repo');
const { DEFAULT_RUNTIME } = require('../runtime/paths');

function summary(env, opts, progress) {
	const rel = (p) => {
		const r = path.relative(REPO_ROOT, p);
		return r.startsWith('..') ? p : r;
	};
	const lines = [
		'',
		'='.repeat(72),
		` n8n is ready (started in ${progress.fmt(progress.elapsedMs())}${env.firstStart ? ', first start' : ''})`,
		'',
		`   n8n:       ${env.n8nVersion} (runtime/${env.runtime}${env.runtime === DEFAULT_RUNTIME ? ', the default; --n8n 2.41 for the newest' : ''})`,
		`   Editor:    ${env.n8n.baseUrl}/`,
		`   Login:     ${env.owner.email}`,
		`   Password:  ${env.owner.password}`,
		`              (kept in ${rel(env.owner.file)})`,
		'',
		opts.khipu.mode === 'sandbox'
			? `   Khipu:     sandbox at ${env.sandbox.url}${env.sandbox.owned ? '' : ' (already running, not ours)'}, credential "${env.credential.name}"`
			: `   Khipu:     ${opts.khipu.baseUrl} (real Khipu), credential "${env.credential.name}"`,
		`   Callbacks: credential "${env.callbackCredential.name}" (generated token, never printed)${env.dataTable ? `, data table "${env.dataTable.name}"` : ''}`,
	];
	if (env.workflows.length) {
		lines.push('', '   Example workflows:');
		for (const wf of env.workflows) {
			lines.push(`     - ${wf.name}${wf.active ? ' [active]' : ''}`, `       ${env.n8n.baseUrl}/workflow/${wf.id}`);
		}
	}
	lines.push(
		'',
		`   Data:      ${rel(env.dataDir)}/ (n8n.log${opts.khipu.mode === 'sandbox' && env.sandbox.owned ? ', sandbox.log' : ''})`,
		'',
		opts.exitAfterReady ? '   --exit-after-ready: stopping again now.' : '   Press Ctrl-C to stop n8n and the sandbox.',
		'='.repeat(72),
		'',
	);
	return lines.join('\n');
}

function queueSummary(env, opts, progress) {
	const queue = env.stack;
	const lines = [
		'',
		'='.repeat(72),
		` n8n is ready in queue mode (started in ${progress.fmt(progress.elapsedMs())})`,
		'',
		`   Editor (main):        ${queue.main.baseUrl}/`,
		`   Login:                ${queue.owner.email}`,
		`   Password:             ${queue.owner.password}`,
		`   Webhooks (give Khipu): ${queue.webhookUrl}/webhook/…  (n8n webhook processor; also the resume URLs)`,
		`   Worker:               runs the executions (log ${queue.workers[0].logFile})`,
		`   PostgreSQL:           127.0.0.1:${queue.postgres.port} database ${queue.postgres.database}`,
		`   Redis:                127.0.0.1:${queue.redis.port}`,
		opts.khipu.mode === 'sandbox'
			? `   Khipu:                sandbox at ${env.sandbox.url}, credential "${env.credential.name}"`
			: `   Khipu:                ${opts.khipu.baseUrl}, credential "${env.credential.name}"`,
	];
	if (env.workflows.length) {
		lines.push('', '   Example workflows:');
		for (const wf of env.workflows)
			lines.push(`     - ${wf.name}${wf.active ? ' [active]' : ''}`, `       ${queue.main.baseUrl}/workflow/${wf.id}`);
	}
	lines.push(
		'',
		`   Data and logs: ${env.dir}`,
		'',
		opts.exitAfterReady ? '   --exit-after-ready: stopping again now.' : '   Press Ctrl-C to stop all of it.',
		'='.repeat(72),
		'',
	);
	return lines.join('\n');
}

async function main() {
	let opts;
	try {
		opts = parseOptions(process.argv.slice(2), process.env);
	} catch (err) {
		if (err instanceof UsageError) {
			process.stderr.write(`npm start: ${err.message}\n`);
			process.exitCode = 2;
			return;
		}
		throw err;
	}
	if (opts.help) {
		process.stdout.write(HELP);
		return;
	}

	const progress = createProgress();
	let env = null;
	let stopping = null;
	const stopAll = (reason, code) => {
		if (stopping) return stopping;
		progress.log(`${reason}: stopping n8n${env && env.sandbox && env.sandbox.owned ? ' and the sandbox' : ''} …`);
		stopping = (env ? env.stop() : Promise.resolve()).then(
			() => {
				progress.log('stopped');
				process.exit(code);
			},
			(err) => {
				process.stderr.write(`error while stopping: ${err.message}\n`);
				process.exit(code || 1);
			},
		);
		return stopping;
	};
	let interrupted = false;
	for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
		process.on(sig, () => {
			if (interrupted) {
				// second Ctrl-C: don't wait for a graceful shutdown (the n8n guard still SIGKILLs its group)
				process.stderr.write('\nforced exit\n');
				process.exit(130);
			}
			interrupted = true;
			if (!env) {
				// still starting: the n8n guard notices our exit (its stdin pipe closes) and stops n8n
				progress.log(`${sig} during start-up: exiting`);
				process.exit(130);
			}
			stopAll(sig === 'SIGINT' ? 'Ctrl-C' : sig, 0);
		});
	}

	progress.log(
		`npm start — data folder ${opts.dataDir}, n8n port ${opts.port || 'any'}, ${opts.khipu.mode === 'sandbox' ? `sandbox port ${opts.sandboxPort || 'any'}` : `real Khipu ${opts.khipu.baseUrl}`}`,
	);
	try {
		env = await startEnvironment(opts, { progress });
	} catch (err) {
		const expected = err instanceof StartError;
		process.stderr.write(`\nnpm start failed: ${expected ? err.message : err.stack || err.message}\n`);
		process.exitCode = 1;
		return;
	}
	process.stdout.write(opts.queue ? queueSummary(env, opts, progress) : summary(env, opts, progress));

	if (opts.exitAfterReady) {
		await stopAll('--exit-after-ready', 0);
		return;
	}
	// n8n dying on its own (crash, killed) ends npm start too, with its last log lines
	const watch = setInterval(() => {
		const gone = env.stack.processes().find((p) => p.exited);
		if (gone) {
			clearInterval(watch);
			process.stderr.write(`\nn8n exited unexpectedly. Last lines of ${gone.logFile}:\n${gone.logTail(30)}\n`);
			stopAll('n8n exited', 1);
		}
	}, 1000);
}

main().catch((err) => {
	process.stderr.write(`npm start failed: ${err.stack || err.message}\n`);
	process.exit(1);
});

'use strict';
// Process-group guardian for an n8n started by tools/stack/n8n.js. Not meant to be run by hand.
//
// The parent spawns this file detached (new session + process group, this process is the leader) with
// a pipe on stdin. This process starts n8n in the same group with stdout/stderr appended to the log file.
// n8n's JS task runner is a plain (non-detached) child of n8n, so it is in the group too.
//   * parent closes stdin or dies (even by SIGKILL: the pipe hits EOF) -> SIGTERM n8n, SIGKILL the group after 10 s
//   * SIGTERM/SIGINT/SIGHUP to this process                              -> same
//   * n8n exits on its own                                              -> SIGKILL whatever is left in the group
// Config arrives as JSON in KHIPU_N8N_GUARD (removed from n8n's environment).
const fs = require('node:fs');
const { spawn } = require('node:child_process');

const cfg = JSON.parse(process.env.KHIPU_N8N_GUARD || '{}');
delete process.env.KHIPU_N8N_GUARD;
const KILL_AFTER_MS = cfg.killAfterMs || 10_000;

const logFd = fs.openSync(cfg.logFile, 'a');
const note = (msg) => {
	try {
		fs.writeSync(logFd, `[harness-guard ${new Date().toISOString()}] ${msg}\n`);
	} catch {
		/* ignore */
	}
};

const killGroup = (signal) => {
	try {
		process.kill(-process.pid, signal);
	} catch {
		/* ignore */
	}
};

const child = spawn(cfg.command, cfg.args || [], {
	cwd: cfg.cwd || process.cwd(),
	env: process.env,
	stdio: ['ignore', logFd, logFd],
});
note(`started ${cfg.command} ${(cfg.args || []).join(' ')} pid=${child.pid} pgid=${process.pid}`);

let stopping = false;
function shutdown(reason) {
	if (stopping) return;
	stopping = true;
	note(`stopping (${reason})`);
	if (child.exitCode === null && child.signalCode === null) {
		try {
			child.kill('SIGTERM');
		} catch {
			/* ignore */
		}
	}
	setTimeout(() => {
		note(`still running ${KILL_AFTER_MS} ms after SIGTERM: SIGKILL to the process group`);
		killGroup('SIGKILL');
	}, KILL_AFTER_MS).unref();
}

child.once('error', (err) => {
	note(`could not start: ${err.message}`);
	process.exitCode = 127;
	killGroup('SIGKILL');
	process.exit(127);
});
child.once('exit', (code, signal) => {
	note(`n8n exited code=${code} signal=${signal}`);
	// Anything left in the group (a task runner whose parent is gone) gets SIGTERM, then SIGKILL.
	// This guard ignores SIGTERM (handlers below), then takes itself down with the group.
	killGroup('SIGTERM');
	setTimeout(() => {
		fs.closeSync(logFd);
		killGroup('SIGKILL');
		process.exit(code ?? 1);
	}, 300);
});

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => shutdown(sig));
process.stdin.on('data', () => {});
process.stdin.on('end', () => shutdown('parent closed stdin / parent gone'));
process.stdin.on('error', () => shutdown('stdin error (parent gone)'));

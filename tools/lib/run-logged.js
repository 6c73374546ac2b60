'use strict';
// Runs an installer or build command with its output in a log file instead of the terminal: npm's peer and
// engine warnings for the pinned n8n's own dependencies would otherwise bury the progress lines. The caller
// shows progress and one summary line; the log's path and its last lines appear only when the command fails.
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { readTail } = require('./processes');

const TAIL_LINES = 40;

/** npm settings for every install and build the tools run: no prompts, no network chatter, no telemetry. */
const NPM_ENV = {
	npm_config_yes: 'true', // ~/.npmrc may have yes=false; npx-based lifecycle scripts would fail
	npm_config_update_notifier: 'false',
	npm_config_fund: 'false',
	npm_config_audit: 'false',
	// @scarf/scarf (an n8n dependency) phones home from its postinstall unless told not to
	SCARF_ANALYTICS: 'false',
	DO_NOT_TRACK: '1',
};

/**
 * Runs `command args` with stdout and stderr appended to `logFile`.
 * @param {{cwd: string, env?: object, logFile: string, label: string, tick?: {everyMs: number, note: (msg: string) => void, detail?: () => string}}} o
 *        tick: a progress note every `everyMs` while it runs ("<label>: 45s elapsed, <detail()>")
 * @returns {Promise<{seconds: number, lines: number}>} lines: how many output lines went to the log
 * @throws Error naming the log file, with its last lines, when the command fails
 */
function runLogged(command, args, { cwd, env = process.env, logFile, label, tick }) {
	fs.mkdirSync(path.dirname(logFile), { recursive: true });
	const startOffset = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
	fs.appendFileSync(
		logFile,
		`\n===== ${new Date().toISOString()} ${label}: ${command} ${args.join(' ')} (in ${cwd}) =====\n`,
	);
	const fd = fs.openSync(logFile, 'a');
	const started = Date.now();
	const seconds = () => (Date.now() - started) / 1000;
	return new Promise((resolve, reject) => {
		// Through pipes, not the file itself: if this process dies, the command's next write fails and it stops
		// too, instead of installing on beside whoever takes the install lock over.
		const child = spawn(command, args, { cwd, env: { ...env, ...NPM_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
		for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => fs.writeSync(fd, chunk));
		const timer = tick
			? setInterval(
					() => tick.note(`${label}: ${Math.round(seconds())}s elapsed${tick.detail ? `, ${tick.detail()}` : ''}`),
					tick.everyMs,
				)
			: null;
		const done = (error) => {
			if (timer) clearInterval(timer);
			fs.closeSync(fd);
			if (error) {
				error.message += `\nLog: ${logFile}, last lines:\n${readTail(logFile, TAIL_LINES)}`;
				error.logFile = logFile;
				return reject(error);
			}
			const output = fs.readFileSync(logFile, 'utf8').slice(startOffset);
			resolve({ seconds: seconds(), lines: output.split('\n').filter((l) => l.trim()).length - 1 });
		};
		child.once('error', (err) => done(new Error(`${label}: could not run ${command}: ${err.message}`)));
		child.once('close', (code, signal) => {
			if (code === 0) return done(null);
			const error = new Error(
				`${label} failed (${code === null ? `signal ${signal}` : `exit ${code}`}) after ${seconds().toFixed(0)}s in ${cwd}.`,
			);
			error.exitCode = code;
			done(error);
		});
	});
}

module.exports = { runLogged, NPM_ENV };

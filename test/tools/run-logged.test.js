'use strict';
// Installer output goes to a log file, not to the terminal; a failure names the log and shows its last lines.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { runLogged } = require('../../tools/lib/run-logged');

let dir;
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-run-logged-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs fn while recording what this process writes to stdout and stderr. */
async function printed(fn) {
	const seen = [];
	const writes = [process.stdout, process.stderr].map((stream) => {
		const original = stream.write;
		stream.write = function write(chunk, ...rest) {
			seen.push(String(chunk));
			return original.call(this, chunk, ...rest);
		};
		return () => (stream.write = original);
	});
	try {
		return { result: await fn(), text: seen.join('') };
	} finally {
		writes.forEach((restore) => restore());
	}
}

const script = (body) => [process.execPath, ['-e', body]];

test('a command that succeeds prints nothing; its output (stdout and stderr) is in the log, counted', async () => {
	const logFile = path.join(dir, 'logs', 'install.log');
	const [command, args] = script(
		"for (let i = 0; i < 70; i++) console.error('npm warn peer dep ' + i); console.log('added 1 package');",
	);
	const { result, text } = await printed(() => runLogged(command, args, { cwd: dir, logFile, label: 'fake install' }));
	expect(text).toBe('');
	expect(result.lines).toBe(71);
	const log = fs.readFileSync(logFile, 'utf8');
	expect(log).toContain('fake install');
	expect(log).toContain('npm warn peer dep 69');
	expect(log).toContain('added 1 package');
});

test('a command that fails rejects with the log path and its last lines; earlier runs stay in the log', async () => {
	const logFile = path.join(dir, 'install.log');
	const [ok, okArgs] = script("console.log('first run')");
	await runLogged(ok, okArgs, { cwd: dir, logFile, label: 'first' });
	const [command, args] = script(
		"for (let i = 0; i < 100; i++) console.log('line ' + i); console.error('npm error ERESOLVE'); process.exit(3);",
	);
	const { text, result } = await printed(() =>
		runLogged(command, args, { cwd: dir, logFile, label: 'npm ci (fake)' }).catch((error) => error),
	);
	expect(text).toBe('');
	expect(result.message).toMatch(/^npm ci \(fake\) failed \(exit 3\) after \d+s/);
	expect(result.message).toContain(`Log: ${logFile}, last lines:`);
	expect(result.message).toContain('npm error ERESOLVE');
	expect(result.message).not.toContain('line 50\n'); // only the tail
	expect(result.logFile).toBe(logFile);
	expect(fs.readFileSync(logFile, 'utf8')).toContain('first run');
});

test('progress notes arrive while it runs, without the command output', async () => {
	const notes = [];
	const [command, args] = script("console.log('secret-looking npm output'); setTimeout(() => {}, 400);");
	await runLogged(command, args, {
		cwd: dir,
		logFile: path.join(dir, 'x.log'),
		label: 'slow',
		tick: { everyMs: 100, note: (m) => notes.push(m), detail: () => '3 packages' },
	});
	expect(notes.length).toBeGreaterThanOrEqual(2);
	expect(notes[0]).toMatch(/^slow: \d+s elapsed, 3 packages$/);
	expect(notes.join('\n')).not.toContain('npm output');
});

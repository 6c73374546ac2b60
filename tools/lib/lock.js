'use strict';
// A lock shared by the processes of this machine (jest files, npm start, scripts): mkdir is atomic, the
// owner writes its pid inside, and a lock whose owner died is taken over.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pidAlive, sleep } = require('./processes');

const NOTE_EVERY_MS = 15_000;

/**
 * Runs fn() holding the lock named `name` + `key` (a path, hashed).
 * @param {{name: string, key: string, what: string, note?: (msg: string) => void, takeOverAfterMs?: number}} o
 *        what: what the waiting note says the other process is doing; takeOverAfterMs: take the lock over
 *        after waiting that long even from a live owner (none when omitted)
 */
async function withLock({ name, key, what, note = () => {}, takeOverAfterMs }, fn) {
	const hash = crypto.createHash('sha1').update(key).digest('hex').slice(0, 12);
	const lockDir = path.join(os.tmpdir(), `khipu-${name}-${hash}.lock`);
	const pidFile = path.join(lockDir, 'pid');
	const started = Date.now();
	let lastNote = 0;
	for (;;) {
		try {
			fs.mkdirSync(lockDir);
			fs.writeFileSync(pidFile, String(process.pid));
			break;
		} catch (err) {
			if (err.code !== 'EEXIST') throw err;
			let owner = 0;
			try {
				owner = Number(fs.readFileSync(pidFile, 'utf8')) || 0;
			} catch {
				/* being created or removed */
			}
			const waited = Date.now() - started;
			// no pid after 10 s: the owner crashed between mkdir and writing it
			if ((owner && !pidAlive(owner)) || (!owner && waited > 10_000) || (takeOverAfterMs && waited > takeOverAfterMs)) {
				fs.rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (Date.now() - lastNote >= NOTE_EVERY_MS) {
				lastNote = Date.now();
				note(`waiting for ${what} (pid ${owner || '?'}) … ${Math.round(waited / 1000)}s`);
			}
			await sleep(250);
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(lockDir, { recursive: true, force: true });
	}
}

module.exports = { withLock };

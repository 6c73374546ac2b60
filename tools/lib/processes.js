'use strict';
// Small facts about local processes and their log files, shared by the runtime installer, the build lock and the stack.
const fs = require('node:fs');
const { setTimeout: sleep } = require('node:timers/promises');

/** true while a process with this pid exists (EPERM: it exists but belongs to another user). */
function pidAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		return err.code === 'EPERM';
	}
}

/** true while any process of the process group `pgid` exists. */
function groupAlive(pgid) {
	return pidAlive(-pgid);
}

/** The last `maxLines` lines of a text file ('(no log)' when it cannot be read). */
function readTail(file, maxLines = 60) {
	try {
		return fs.readFileSync(file, 'utf8').split('\n').slice(-maxLines).join('\n');
	} catch {
		return '(no log)';
	}
}

module.exports = { pidAlive, groupAlive, readTail, sleep };

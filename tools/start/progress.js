'use strict';
// Step-by-step progress for `npm start`: every line says how long the whole start has taken so far,
// and a long step prints "still <doing X> (Ns)" after 5 s, then at doubling intervals up to a minute, so a quiet terminal
// never looks stuck.

function fmt(ms) {
	const s = ms / 1000;
	if (s < 60) return `${s.toFixed(1)}s`;
	return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/**
 * @param {{write?: (line: string) => void, tickMs?: number, prefix?: string}} [opts]
 */
function createProgress({
	write = (line) => process.stdout.write(`${line}\n`),
	tickMs = 5000,
	prefix = 'khipu-start',
} = {}) {
	const started = Date.now();
	const stamp = () => `[${prefix} ${fmt(Date.now() - started).padStart(6)}]`;
	const log = (msg) => write(`${stamp()} ${msg}`);
	let stepNo = 0;

	/**
	 * Runs one named step, logging its start, a heartbeat while it runs, and its duration.
	 * fn gets a `note(msg)` to log sub-progress under the step.
	 */
	async function step(title, fn) {
		stepNo += 1;
		const t0 = Date.now();
		log(`(${stepNo}) ${title} …`);
		// "still …" after tickMs, then at doubling intervals up to a minute: a long install stays visibly alive
		// without a line every few seconds
		let timer;
		const heartbeat = (waitMs) => {
			timer = setTimeout(() => {
				log(`    still ${title.charAt(0).toLowerCase()}${title.slice(1)} (${fmt(Date.now() - t0)})`);
				heartbeat(Math.min(waitMs * 2, 60_000));
			}, waitMs);
			timer.unref();
		};
		heartbeat(tickMs);
		try {
			const result = await fn((msg) => log(`    ${msg}`));
			clearTimeout(timer);
			const detail =
				result && typeof result === 'object' && typeof result.summary === 'string' ? `: ${result.summary}` : '';
			log(`(${stepNo}) done in ${fmt(Date.now() - t0)}${detail}`);
			return result;
		} catch (error) {
			clearTimeout(timer);
			log(`(${stepNo}) FAILED after ${fmt(Date.now() - t0)}: ${title}`);
			throw error;
		}
	}

	return { log, step, elapsedMs: () => Date.now() - started, fmt };
}

module.exports = { createProgress, fmt };

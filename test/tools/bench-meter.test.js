'use strict';
// The bench's CPU meter: what every "n8n CPU per callback" figure is read with.
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const { processCpuMs } = require('../../tools/bench/lib/meter');

// On "go", a worker thread spends 300 ms of CPU and ends; the process then idles until killed, as n8n 2.41
// spends CPU on expression-isolate threads that come and go. It prints the CPU the process used meanwhile
// (its main thread is idle, so that is the worker's).
const SCRIPT = `
const { Worker } = require('node:worker_threads');
process.stdout.write('ready\\n');
process.stdin.once('data', () => {
	const start = process.cpuUsage();
	const w = new Worker('const s = process.cpuUsage(); for (;;) { const u = process.cpuUsage(s); if (u.user + u.system >= 300000) break; }', { eval: true });
	w.on('exit', () => {
		const used = process.cpuUsage(start);
		process.stdout.write(\`done \${(used.user + used.system) / 1000}\\n\`);
	});
});
setInterval(() => {}, 1000);
`;

async function line(stream) {
	const [chunk] = await once(stream, 'data');
	return String(chunk).trim();
}

describe('bench CPU meter', () => {
	test("counts the CPU of a process's threads that ended after the first reading", async () => {
		const child = spawn(process.execPath, ['-e', SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
		try {
			expect(await line(child.stdout)).toBe('ready');
			const before = processCpuMs(child.pid);
			child.stdin.write('go\n');
			const [word, used] = (await line(child.stdout)).split(' ');
			expect(word).toBe('done');
			expect(Number(used)).toBeGreaterThanOrEqual(300);
			// the worker thread is gone; what it used stays in the process's account, counted once: the meter
			// leaves the first 40 ms of ended threads out and /proc's ticks truncate up to 20 ms at each reading,
			// so it counts 20 to 60 ms less than the worker used
			const counted = processCpuMs(child.pid) - before;
			expect(counted).toBeGreaterThanOrEqual(Number(used) - 80);
			expect(counted).toBeLessThanOrEqual(Number(used) + 60);
		} finally {
			child.kill('SIGKILL');
		}
	});

	test('a process that does not exist costs nothing', () => {
		expect(processCpuMs(2 ** 22 + 7)).toBe(0);
	});
});

'use strict';
// The bench's CPU meter: what every "n8n CPU per callback" figure is read with.
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const { processCpuMs } = require('../../tools/bench/lib/meter');

// A process whose CPU is spent on a worker thread that ends, then idles until told to exit: as n8n 2.41 spends
// CPU on isolate threads that come and go.
const SCRIPT = `
const { Worker } = require('node:worker_threads');
const w = new Worker('const t = Date.now(); while (Date.now() - t < 400) {}', { eval: true });
w.on('exit', () => { process.stdout.write('done\\n'); setInterval(() => {}, 1000); });
`;

describe('bench CPU meter', () => {
	test("counts the CPU of a process's threads that have ended", async () => {
		const child = spawn(process.execPath, ['-e', SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
		try {
			const [chunk] = await once(child.stdout, 'data');
			expect(String(chunk)).toBe('done\n');
			// the worker thread is gone; its 400 ms stay in the process's account
			expect(processCpuMs(child.pid)).toBeGreaterThanOrEqual(350);
		} finally {
			child.kill('SIGKILL');
		}
	});

	test('a process that does not exist costs nothing', () => {
		expect(processCpuMs(2 ** 22 + 7)).toBe(0);
	});
});

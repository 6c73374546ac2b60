'use strict';
// What the bench reads from /proc: CPU time of whole process groups (every n8n process is started in its own
// group with its task runner; PostgreSQL and Redis likewise), and how busy the rest of the machine was while a
// row ran, so each row carries its own load.
const fs = require('node:fs');
const os = require('node:os');

// USER_HZ: the unit of /proc's CPU times (100 on Linux x86-64, `getconf CLK_TCK`)
const TICK_MS = 1000 / 100;

function readText(file) {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch {
		return null;
	}
}

/** The ids of every process whose process group is one of `pgids`. */
function processesInGroups(pgids) {
	const wanted = new Set(pgids.filter(Boolean).map(Number));
	const pids = [];
	for (const name of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		const stat = readText(`/proc/${name}/stat`);
		if (!stat) continue;
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		if (wanted.has(Number(fields[2]))) pids.push(Number(name));
	}
	return pids;
}

/** CPU time so far of the threads a process has now, ms (schedstat: ns on a CPU, exact). */
function liveThreadsCpuMs(pid) {
	let ns = 0;
	let tids;
	try {
		tids = fs.readdirSync(`/proc/${pid}/task`);
	} catch {
		return 0;
	}
	for (const tid of tids) {
		const text = readText(`/proc/${pid}/task/${tid}/schedstat`);
		if (text) ns += Number(text.split(' ')[0]);
	}
	return ns / 1e6;
}

/**
 * CPU time so far of all a process's threads, ended ones included, and of its waited-for children, ms (in 10 ms
 * ticks), with the process's start time.
 */
function wholeProcessCpuMs(pid) {
	const stat = readText(`/proc/${pid}/stat`);
	if (!stat) return null;
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
	// field 22, the start time, tells a reused pid from the process the meter saw before
	return { ms: (utime + stime + cutime + cstime) * TICK_MS, started: fields[19] };
}

// per process (pid and start time): what /proc/<pid>/stat counted beyond the live threads at the first reading
const endedBefore = new Map();
// /proc/<pid>/stat truncates each of its four times to a tick
const TRUNCATION_MS = 4 * TICK_MS;

/**
 * CPU time of a process so far, ms: its live threads' schedstat, exact to the nanosecond, plus what its threads
 * that ended since the meter first saw it had used. A thread that ends takes its schedstat with it, and n8n
 * 2.41 runs its expression isolates on threads that come and go: on 2026-12-04 a probe of the trigger counted
 * 93.5 ms per callback in the live threads where the machine's counters showed 132.5 (Webhook node 43.1 of
 * 51.6; equal on n8n 2.8.4). The ended threads' part is /proc/<pid>/stat's whole-process time less the live
 * threads', over its value at the first reading. /proc/<pid>/stat is in 10 ms ticks: a process whose threads
 * all live keeps its exact figure, but once threads have ended (every n8n 2.41 process after its first
 * expressions) the reading is the whole-process time, exact to about 20 ms per reading, so short rounds on
 * n8n 2.41 are coarse. The first 40 ms of ended threads per process go uncounted (the warm-up absorbs them).
 */
function processCpuMs(pid) {
	const live = liveThreadsCpuMs(pid);
	const whole = wholeProcessCpuMs(pid);
	if (whole === null) return live;
	const key = `${pid}:${whole.started}`;
	const beyondLive = whole.ms - live;
	if (!endedBefore.has(key)) endedBefore.set(key, beyondLive);
	const ended = beyondLive - endedBefore.get(key) - TRUNCATION_MS;
	return live + Math.max(0, ended);
}

/** CPU time (ms) of every process in the given process groups, read now. */
function groupCpuMs(pgids) {
	let ms = 0;
	for (const pid of processesInGroups(pgids)) ms += processCpuMs(pid);
	return ms;
}

/** The machine's CPU counters (/proc/stat, first line), in ms. */
function machineCpu() {
	const line = readText('/proc/stat').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
	const [user, nice, system, idle, iowait, irq, softirq, steal] = line;
	return {
		busyMs: (user + nice + system + irq + softirq) * TICK_MS,
		stealMs: (steal || 0) * TICK_MS,
		idleMs: (idle + iowait) * TICK_MS,
	};
}

const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;

/**
 * Starts watching the machine for one row: `own()` returns the CPU ms used so far by everything the bench runs
 * (its own process and the stack's). stop() gives the 1-minute load average at both ends and the share of
 * the machine's CPU (all cores, %) used by other processes and stolen by the hypervisor meanwhile.
 */
function watchMachine(own) {
	const cpus = os.cpus().length;
	const t0 = Date.now();
	const m0 = machineCpu();
	const own0 = own();
	const l0 = load1();
	return () => {
		const wallMs = Date.now() - t0;
		const m1 = machineCpu();
		const ownMs = own() - own0;
		const capacity = wallMs * cpus;
		const pct = (ms) => (capacity > 0 ? Math.round((Math.max(0, ms) / capacity) * 1000) / 10 : null);
		return {
			load1Start: l0,
			load1End: load1(),
			seconds: Math.round(wallMs / 100) / 10,
			othersCpuPct: pct(m1.busyMs - m0.busyMs - ownMs),
			stealPct: pct(m1.stealMs - m0.stealMs),
		};
	};
}

/** CPU ms of this Node process (the bench, its sandbox and proxy), all threads. */
function benchCpuMs() {
	const u = process.cpuUsage();
	return (u.user + u.system) / 1000;
}

module.exports = { groupCpuMs, processesInGroups, processCpuMs, machineCpu, watchMachine, benchCpuMs, load1 };

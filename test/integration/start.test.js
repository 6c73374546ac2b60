'use strict';
// `npm start` as a user runs it (node tools/start/start.js, CI=true, no stdin), in a temp data folder on free
// ports: first start, second start (reuses everything), Ctrl-C, the switch to a real Khipu, bad settings.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const { REPO_ROOT } = require('../../tools/lib/repo');
const { DEFAULT_RUNTIME } = require('../../tools/runtime/paths');
const { N8N_RUNTIMES, pinnedN8n } = require('../../tools/runtime/runtimes');
const { getFreePorts, isPortFree } = require('../../tools/stack/ports');
const { startSandbox, DEFAULT_JWT } = require('../../tools/sandbox/server');
const { startTimeoutMs } = require('./support/examples-stack');

jest.setTimeout(120_000);

const START = path.join(REPO_ROOT, 'tools', 'start', 'start.js');
// The runtime this run tests, chosen the way a user chooses it: `npm start -- --n8n 2.41`.
const RUNTIME = process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME;
const N8N_FLAG = ['--n8n', RUNTIME.slice('n8n-'.length)];
const EXAMPLE_NAMES = [
	'Khipu example: receive balances (trigger)',
	'Khipu example: request balances by callback',
	'Khipu example: overdue callbacks',
	'Khipu example: pause until Khipu calls back',
	'Khipu example: scheduled balance alert',
	'Khipu balances for AI assistants (MCP)',
];

// KHIPU_RUNTIME_ROOT says where the pinned runtimes are installed (a shared copy): kept, or every run from a
// checkout without its own runtimes would install them anew.
function cleanEnv(extra = {}) {
	const env = { ...process.env, CI: 'true' };
	for (const k of Object.keys(env)) if (/^(KHIPU_|N8N_)/.test(k) && k !== 'KHIPU_RUNTIME_ROOT') delete env[k];
	delete env.NODE_ENV;
	return { ...env, ...extra };
}

/**
 * Runs tools/start/start.js with no stdin. `until(output)` returning true sends SIGINT (a user's Ctrl-C).
 * @returns {Promise<{code: number|null, signal: string|null, out: string, ms: number}>}
 */
function runStart(args, { env = {}, until, timeoutMs = 150_000 } = {}) {
	return new Promise((resolve, reject) => {
		const t0 = Date.now();
		const child = spawn(process.execPath, [START, ...N8N_FLAG, ...args], {
			cwd: REPO_ROOT,
			env: cleanEnv(env),
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		let signalled = false;
		const onData = (b) => {
			out += b;
			if (until && !signalled && until(out)) {
				signalled = true;
				child.kill('SIGINT');
			}
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`start.js did not finish within ${timeoutMs} ms:\n${out.slice(-3000)}`));
		}, timeoutMs);
		child.once('error', reject);
		child.once('close', (code, signal) => {
			clearTimeout(timer);
			resolve({ code, signal, out, ms: Date.now() - t0 });
		});
	});
}

function field(out, label) {
	const m = new RegExp(`^\\s+${label}:\\s+(.+)$`, 'm').exec(out);
	return m ? m[1].trim() : null;
}

function expectOk(run) {
	expect({ code: run.code, tail: run.code === 0 ? '' : run.out.slice(-3000) }).toEqual({ code: 0, tail: '' });
}

describe('npm start (tools/start/start.js)', () => {
	let dataDir;
	let n8nPort;
	let sandboxPort;
	const runs = {};

	beforeAll(async () => {
		dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-start-'));
		[n8nPort, sandboxPort] = await getFreePorts(2);
		// the first start may have to install the runtime; that is not what the later timings measure
		runs.first = await runStart(
			['--exit-after-ready', '--data-dir', dataDir, '--port', String(n8nPort), '--sandbox-port', String(sandboxPort)],
			{
				timeoutMs: startTimeoutMs(),
			},
		);
	}, startTimeoutMs() + 10_000);

	afterAll(() => {
		if (dataDir && !process.env.KHIPU_KEEP_N8N) fs.rmSync(dataDir, { recursive: true, force: true });
	});

	test('first start: everything set up, editor URL and login printed, then stopped (--exit-after-ready)', async () => {
		const { out } = runs.first;
		expectOk(runs.first);
		expect(out).toContain('n8n is ready');
		expect(out).toContain('first start');
		expect(field(out, 'Editor')).toBe(`http://127.0.0.1:${n8nPort}/`);
		expect(field(out, 'Login')).toBe('owner@example.com');
		expect(field(out, 'n8n')).toMatch(
			new RegExp(`^${pinnedN8n(RUNTIME).replace(/\./g, '\\.')} \\(runtime/${RUNTIME}[,)]`),
		);
		const password = field(out, 'Password');
		expect(password).toMatch(/^\S{8,64}$/);
		// the password is kept in the data folder (only the owner can read it)
		const ownerFile = path.join(dataDir, '.n8n-harness-owner.json');
		expect(JSON.parse(fs.readFileSync(ownerFile, 'utf8')).password).toBe(password);
		expect(fs.statSync(ownerFile).mode & 0o077).toBe(0);
		expect(out).toContain(`sandbox at http://127.0.0.1:${sandboxPort}, credential "Khipu (sandbox)"`);
		for (const name of EXAMPLE_NAMES) expect(out).toContain(`${name}: created`);
		expect(out).toContain('Khipu example: receive balances (trigger) [active]');
		// the callback token: generated once, saved only in its credential, never printed
		expect(out).toMatch(/Saving the "Khipu callback token" credential \(generated token\)[\s\S]*created \(id /);
		expect(out).toMatch(/khipu_callbacks: created \(id /);
		expect(out).toContain(
			'Callbacks: credential "Khipu callback token" (generated token, never printed), data table "khipu_callbacks"',
		);
		const { callbackToken } = JSON.parse(fs.readFileSync(path.join(dataDir, 'khipu-start-state.json'), 'utf8'));
		expect(callbackToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
		expect(out).not.toContain(callbackToken);
		// progress: numbered steps with the elapsed time
		expect(out).toMatch(/\[khipu-start\s+\d+\.\ds\] \(1\) Checking/);
		expect(out).toMatch(/Starting n8n \(first start: creating the database\)/);
		// stopped: nothing left listening, no guard pid file
		expect(await isPortFree(n8nPort)).toBe(true);
		expect(await isPortFree(sandboxPort)).toBe(true);
		expect(fs.existsSync(path.join(dataDir, '.n8n-harness.pid'))).toBe(false);
	});

	test('second start reuses runtime, build, package, owner, API key, credential and workflows', async () => {
		const run = await runStart([
			'--exit-after-ready',
			'--data-dir',
			dataDir,
			'--port',
			String(n8nPort),
			'--sandbox-port',
			String(sandboxPort),
		]);
		expectOk(run);
		const { out } = run;
		expect(out).not.toContain('first start');
		expect(out).toContain('installed already');
		expect(out).toContain('sources unchanged, dist/ reused');
		expect(out).toContain('already installed');
		expect(out).toContain('logged in as owner@example.com, API key reused');
		expect(out).toMatch(/Saving the "Khipu \(sandbox\)" credential[\s\S]*updated \(id /);
		for (const name of EXAMPLE_NAMES) expect(out).toContain(`${name}: unchanged`);
		expect(field(out, 'Password')).toBe(field(runs.first.out, 'Password'));
		expect(run.ms).toBeLessThan(30_000);
		console.log(`npm start timings: first ${runs.first.ms} ms, second ${run.ms} ms`);
	});

	test('Ctrl-C stops n8n and the sandbox and exits 0', async () => {
		const run = await runStart(
			['--data-dir', dataDir, '--port', String(n8nPort), '--sandbox-port', String(sandboxPort)],
			{
				until: (out) => out.includes('Press Ctrl-C'),
			},
		);
		expectOk(run);
		expect(run.out).toContain('Ctrl-C: stopping n8n and the sandbox');
		expect(run.out).toMatch(/\] stopped\n/);
		expect(await isPortFree(n8nPort)).toBe(true);
		expect(await isPortFree(sandboxPort)).toBe(true);
	});

	test('KHIPU_BASE_URL + KHIPU_JWT: no sandbox, a credential named after the host, examples use it', async () => {
		const khipu = await startSandbox({ port: 0 }); // stands in for the real Khipu
		try {
			const host = new URL(khipu.url).host;
			const run = await runStart(
				['--exit-after-ready', '--data-dir', dataDir, '--port', String(n8nPort), '--sandbox-port', String(sandboxPort)],
				{
					env: { KHIPU_BASE_URL: khipu.url, KHIPU_JWT: DEFAULT_JWT },
				},
			);
			expectOk(run);
			expect(run.out).not.toContain('Starting the Khipu sandbox');
			expect(run.out).toContain(`real Khipu at ${khipu.url}: no sandbox started`);
			expect(run.out).toContain(`Saving the "Khipu (${host})" credential`);
			expect(run.out).toContain(`Khipu:     ${khipu.url} (real Khipu), credential "Khipu (${host})"`);
			// every workflow with a Khipu node now uses the new credential; the trigger and the overdue list need none
			const withoutKhipuApi = ['Khipu example: receive balances (trigger)', 'Khipu example: overdue callbacks'];
			for (const name of EXAMPLE_NAMES.filter((n) => !withoutKhipuApi.includes(n)))
				expect(run.out).toContain(`${name}: updated`);
			for (const name of withoutKhipuApi) expect(run.out).toContain(`${name}: unchanged`);
			expect(run.out).toMatch(/khipu_callbacks: kept \(id /);
			expect(run.out).not.toContain(DEFAULT_JWT); // secrets are never printed
			expect(await isPortFree(sandboxPort)).toBe(true);
		} finally {
			await khipu.close();
		}
	});

	test('--queue: PostgreSQL, Redis, main, worker and webhook processor of the chosen n8n, with the callback credential, data table and examples', async () => {
		const queueDir = fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-start-queue-'));
		const [mainPort, queueSandboxPort] = await getFreePorts(2);
		try {
			const run = await runStart(
				[
					'--queue',
					'--exit-after-ready',
					'--data-dir',
					queueDir,
					'--port',
					String(mainPort),
					'--sandbox-port',
					String(queueSandboxPort),
				],
				{
					timeoutMs: startTimeoutMs(),
				},
			);
			expectOk(run);
			expect(run.out).toContain('n8n is ready in queue mode');
			expect(run.out).toContain(`Checking the n8n runtime (runtime/${RUNTIME})`);
			expect(field(run.out, 'Editor \\(main\\)')).toBe(`http://127.0.0.1:${mainPort}/`);
			expect(run.out).toMatch(/Saving the "Khipu callback token" credential \(generated token\)[\s\S]*created \(id /);
			expect(run.out).toMatch(/khipu_callbacks: created \(id /);
			for (const name of EXAMPLE_NAMES) expect(run.out).toContain(`- ${name}`);
			expect(run.out).toContain('Khipu example: receive balances (trigger) [active]');
			expect(await isPortFree(mainPort)).toBe(true);
			expect(await isPortFree(queueSandboxPort)).toBe(true);
		} finally {
			if (!process.env.KHIPU_KEEP_N8N) fs.rmSync(queueDir, { recursive: true, force: true });
		}
	});

	test('bad settings fail at once with exit code 2 and a message', async () => {
		const badPort = await runStart(['--port', 'nope']);
		expect(badPort.code).toBe(2);
		expect(badPort.out).toContain('--port / N8N_PORT must be a port number');
		const apiKeyOnly = await runStart(['--exit-after-ready'], { env: { KHIPU_API_KEY: 'k' } });
		expect(apiKeyOnly.code).toBe(2);
		expect(apiKeyOnly.out).toContain('KHIPU_API_KEY needs a per-account credential');
		const unknown = await runStart(['--frobnicate']);
		expect(unknown.code).toBe(2);
		// a data folder one n8n has migrated is refused by the other, before anything starts
		const other = N8N_RUNTIMES.find((r) => r !== RUNTIME);
		const wrongRuntime = await runStart([
			'--exit-after-ready',
			'--data-dir',
			dataDir,
			'--n8n',
			other.slice('n8n-'.length),
		]);
		expect(wrongRuntime.code).toBe(1);
		expect(wrongRuntime.out).toContain(`belongs to runtime/${RUNTIME}, not runtime/${other}`);
		const help = await runStart(['--help']);
		expect(help.code).toBe(0);
		expect(help.out).toContain('--exit-after-ready');
	});
});

'use strict';
// Everything `npm start` runs, as a library (the examples and browser suites use it too): the repo's dev
// dependencies, startStack() (runtime, build, package, Khipu sandbox, n8n in one process or in queue mode, owner
// and API key), then the Khipu credential, the callback credential, the data table and the example workflows.
// Returns handles and a stop().
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { DEFAULT_RUNTIME } = require('../runtime/paths');
const { pinnedN8n } = require('../runtime/runtimes');
const { startStack } = require('../stack/stack');
const { isPortFree } = require('../stack/ports');
const { OWNER_FILE } = require('../n8n-client/client');
const { startSandbox, DEFAULT_JWT } = require('../sandbox/server');
const { createProgress } = require('./progress');
const { ensureDevDependencies } = require('./prepare');
const {
	importExamples,
	EXAMPLE_CREDENTIAL_NAME,
	CALLBACK_CREDENTIAL_NAME,
	CALLBACK_CREDENTIAL_TYPE,
	CREDENTIAL_TYPE,
} = require('./examples');
const { ensureDataTable } = require('./dataTable');

const STATE_FILE = 'khipu-start-state.json';
const MIN_NODE = [20, 19]; // n8n 2.8.4: engines node >=20.19

function readState(dataDir) {
	try {
		return JSON.parse(fs.readFileSync(path.join(dataDir, STATE_FILE), 'utf8'));
	} catch {
		return {};
	}
}

function writeState(dataDir, state) {
	fs.mkdirSync(dataDir, { recursive: true });
	const file = path.join(dataDir, STATE_FILE);
	fs.writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
	fs.renameSync(`${file}.tmp`, file);
}

function checkNode() {
	const [major, minor] = process.versions.node.split('.').map(Number);
	if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
		throw new Error(`Node ${process.versions.node} is too old: n8n 2.8.4 needs Node >= ${MIN_NODE.join('.')}`);
	}
}

class StartError extends Error {}

const firstStartOf = (dataDir) => !fs.existsSync(path.join(dataDir, '.n8n', 'database.sqlite'));

async function sandboxAlreadyThere(port) {
	try {
		const res = await fetch(`http://127.0.0.1:${port}/__sandbox/health`, { signal: AbortSignal.timeout(2000) });
		const body = await res.json();
		return res.ok && body && body.status === 'ok';
	} catch {
		return false;
	}
}

async function startOrReuseSandbox({ port, dataDir, note }) {
	const logFile = path.join(dataDir, 'sandbox.log');
	const jwt = process.env.KHIPU_SANDBOX_JWT || DEFAULT_JWT;
	const stream = fs.createWriteStream(logFile, { flags: 'a' });
	stream.write(`\n===== ${new Date().toISOString()} sandbox starting on 127.0.0.1:${port} =====\n`);
	// Real Khipu reads the bank for seconds before it calls back. A callback within milliseconds would
	// reach n8n before it has saved a paused execution as waiting (409, see README "Early callbacks"),
	// which on n8n 2.41 can take a few hundred ms; the pause example would then wait out its limit.
	const callbackDelayMs = Number(process.env.KHIPU_SANDBOX_CALLBACK_DELAY_MS || 2000);
	const sandboxOptions = {
		port,
		host: '127.0.0.1',
		quiet: false,
		callbackDelayMs,
		log: (line) => stream.write(`${line}\n`),
	};
	if (process.env.KHIPU_SANDBOX_JWT) sandboxOptions.jwt = process.env.KHIPU_SANDBOX_JWT;
	if (process.env.KHIPU_SANDBOX_API_KEY) sandboxOptions.apiKey = process.env.KHIPU_SANDBOX_API_KEY;
	try {
		const sandbox = await startSandbox(sandboxOptions);
		return {
			url: sandbox.url,
			port: sandbox.port,
			jwt,
			logFile,
			owned: true,
			sandbox,
			close: async () => {
				await sandbox.close();
				stream.end();
			},
		};
	} catch (err) {
		stream.end();
		if (err.code !== 'EADDRINUSE') throw err;
		if (await sandboxAlreadyThere(port)) {
			note(
				`a Khipu sandbox is already listening on 127.0.0.1:${port} (npm run sandbox?): using it, not stopping it on exit`,
			);
			return { url: `http://127.0.0.1:${port}`, port, jwt, logFile: null, owned: false, close: async () => {} };
		}
		throw new StartError(
			`port ${port} (Khipu sandbox) is in use by something else: stop it or pick another with --sandbox-port / KHIPU_SANDBOX_PORT`,
		);
	}
}

/** Creates the credential, or updates the one of the same name (the sandbox port may have changed). */
async function upsertCredential(client, { name, type = CREDENTIAL_TYPE, data: given }) {
	// n8n 2.8.4 adds "Allowed HTTP Request Domains" to credentials with an authenticate() and its public-API
	// schema then demands allowedDomains unless allowedHttpRequestDomains is set: send the UI's default.
	const data = type === CREDENTIAL_TYPE ? { allowedHttpRequestDomains: 'all', ...given } : given;
	const existing = (await client.listAll('/credentials', { limit: '250' })).find(
		(c) => c.name === name && c.type === type,
	);
	if (existing) {
		await client.api('PATCH', `/credentials/${encodeURIComponent(existing.id)}`, { data });
		return { credential: { id: String(existing.id), name }, action: 'updated' };
	}
	const created = await client.createCredential({ name, type, data });
	return { credential: { id: String(created.id), name }, action: 'created' };
}

/**
 * @param {object} opts   see options.js (port, sandboxPort, dataDir, ownerEmail, examples, resetExamples, reset, queue, khipu)
 * @param {{progress?: ReturnType<typeof createProgress>, runtime?: string, n8nEnv?: object, skipDevDependencies?: boolean}} [extra]
 */
async function startEnvironment(opts, extra = {}) {
	const progress = extra.progress || createProgress();
	const runtime = extra.runtime || opts.runtime || process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME;
	const { step } = progress;
	checkNode();
	let stack = null;
	const stop = async () => {
		const running = stack;
		stack = null;
		if (running) await running.stop();
	};

	try {
		if (opts.reset && fs.existsSync(opts.dataDir)) {
			await step(`Deleting the data folder ${opts.dataDir} (--reset)`, async () =>
				fs.rmSync(opts.dataDir, { recursive: true, force: true }),
			);
		}
		fs.mkdirSync(opts.dataDir, { recursive: true });
		// queue mode: a fresh folder (new database, new owner) under the data folder each start, so nothing is kept
		const dir = opts.queue
			? path.join(opts.dataDir, 'queue', new Date().toISOString().replace(/[:.]/g, '-'))
			: opts.dataDir;
		const state = opts.queue ? {} : readState(opts.dataDir);
		const saveState = opts.queue ? () => {} : () => writeState(opts.dataDir, state);
		// n8n migrates its database on start: a folder one runtime has used is not safe for another
		if (state.runtime && state.runtime !== runtime && !firstStartOf(dir)) {
			throw new StartError(
				`the data folder ${opts.dataDir} belongs to runtime/${state.runtime}, not runtime/${runtime}: use another --data-dir, or --reset to start it afresh`,
			);
		}
		state.runtime = runtime;
		saveState();
		// npm's output of every install and build goes here; its path is printed only when one fails
		const installLog = path.join(opts.dataDir, 'install.log');

		if (!extra.skipDevDependencies)
			await step("Checking the repo's dev dependencies", (note) => ensureDevDependencies(note, installLog));
		// ports: fail early and clearly rather than deep inside n8n's log
		if (opts.port && !(await isPortFree(opts.port))) {
			throw new StartError(
				`port ${opts.port} (n8n) is in use: is another n8n or npm start running? Stop it or use --port / N8N_PORT`,
			);
		}
		const sandbox =
			opts.khipu.mode === 'sandbox' &&
			((note) => startOrReuseSandbox({ port: opts.sandboxPort, dataDir: opts.dataDir, note }));
		if (!sandbox) progress.log(`real Khipu at ${opts.khipu.baseUrl}: no sandbox started`);

		try {
			stack = await startStack({
				mode: opts.queue ? 'queue' : 'single',
				runtime,
				dir,
				port: opts.port,
				sandbox,
				workers: 1,
				webhooks: 1,
				// buildEnv keeps KHIPU_* (the secrets npm start may read) out of n8n's environment
				n8nEnv: extra.n8nEnv || {},
				timeoutMs: 180_000,
				owner: { email: opts.ownerEmail },
				apiKey: state.apiKey,
				apiKeyLabel: `npm start ${new Date().toISOString()}`,
				step,
				installLog,
			});
		} catch (err) {
			if (!err.ownerUnknown) throw err;
			throw new StartError(
				`n8n in ${opts.dataDir} already has an owner whose password is not in ${OWNER_FILE} there (${err.message.split('\n')[0]}). Start over with --reset (deletes that data folder) or use another --data-dir.`,
			);
		}
		state.apiKey = stack.apiKey;
		saveState();

		const khipuCredential =
			opts.khipu.mode === 'sandbox'
				? {
						name: EXAMPLE_CREDENTIAL_NAME,
						data: { authType: 'jwt', jwtToken: stack.sandbox.jwt, baseUrl: stack.sandbox.url },
					}
				: { name: opts.khipu.credentialName, data: opts.khipu.data };
		const credentialResult = await step(`Saving the "${khipuCredential.name}" credential`, async () => {
			const r = await upsertCredential(stack.client, khipuCredential);
			return { ...r, summary: `${r.action} (id ${r.credential.id})` };
		});

		// Khipu calls the webhook URL (in queue mode a webhook processor's), so the callback examples get it
		const { callbackCredential, dataTable, workflows } = await provisionExamples(stack.client, step, {
			opts,
			state,
			credential: credentialResult.credential,
			baseUrl: stack.webhookUrl,
			saveState,
		});
		saveState();

		return {
			stack,
			n8n: stack.n8n,
			sandbox: stack.sandbox,
			client: stack.client,
			owner: stack.owner,
			credential: credentialResult.credential,
			callbackCredential,
			dataTable: dataTable && { id: dataTable.id, name: dataTable.name },
			workflows: [...workflows],
			callbackToken: state.callbackToken,
			dataDir: opts.dataDir,
			dir,
			runtime,
			n8nVersion: pinnedN8n(runtime),
			firstStart: stack.firstStart,
			stop,
		};
	} catch (err) {
		await stop().catch(() => {});
		throw err;
	}
}

/**
 * What the examples need next to the Khipu credential, on any n8n (single process or queue mode): the
 * callback-token credential (the token generated once per data folder, kept in `state`, never printed),
 * the bookkeeping data table, and the example workflows pointing at `baseUrl`.
 */
async function provisionExamples(api, step, { opts, state, credential, baseUrl, saveState }) {
	if (!state.callbackToken) {
		state.callbackToken = crypto.randomBytes(24).toString('base64url');
		saveState();
	}
	const callbackResult = await step(
		`Saving the "${CALLBACK_CREDENTIAL_NAME}" credential (generated token)`,
		async () => {
			const r = await upsertCredential(api, {
				name: CALLBACK_CREDENTIAL_NAME,
				type: CALLBACK_CREDENTIAL_TYPE,
				data: { token: state.callbackToken },
			});
			return { ...r, summary: `${r.action} (id ${r.credential.id})` };
		},
	);
	if (!opts.examples) return { callbackCredential: callbackResult.credential, dataTable: null, workflows: [] };
	const dataTable = await step('Creating the data table the bookkeeping examples use', async () => {
		const t = await ensureDataTable(api);
		return { ...t, summary: `${t.name}: ${t.action} (id ${t.id})` };
	});
	const workflows = await step('Importing the example workflows', async (note) => {
		const list = await importExamples(api, {
			credential,
			callbackCredential: callbackResult.credential,
			baseUrl,
			state,
			resetExamples: opts.resetExamples,
			note,
		});
		saveState();
		return Object.assign(list, { summary: `${list.length} workflows` });
	});
	return { callbackCredential: callbackResult.credential, dataTable, workflows };
}

module.exports = { startEnvironment, StartError, STATE_FILE, readState };

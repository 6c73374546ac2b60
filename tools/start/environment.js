'use strict';
// Everything `npm start` runs, as a library (the integration and browser tests use it too):
// install/build what is missing, start the Khipu sandbox and n8n on 127.0.0.1, owner + API key,
// the Khipu credential, the example workflows. Returns handles and a stop().
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { DEFAULT_RUNTIME } = require('../runtime/paths');
const { pinnedN8n } = require('../runtime/runtimes');
const { ensureRuntime } = require('../runtime/install');
const { startN8n, n8nClient } = require('../stack/n8n');
const { isPortFree } = require('../stack/ports');
const { OWNER_FILE } = require('../n8n-client/client');
const { startSandbox, DEFAULT_JWT } = require('../sandbox/server');
const { createProgress } = require('./progress');
const { ensureDevDependencies, ensureBuilt, ensurePackageInstalled, withBuildLock } = require('./prepare');
const { importExamples, EXAMPLE_CREDENTIAL_NAME, CALLBACK_CREDENTIAL_NAME, CALLBACK_CREDENTIAL_TYPE, CREDENTIAL_TYPE } = require('./examples');
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
	const sandboxOptions = { port, host: '127.0.0.1', quiet: false, callbackDelayMs, log: (line) => stream.write(`${line}\n`) };
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
			note(`a Khipu sandbox is already listening on 127.0.0.1:${port} (npm run sandbox?): using it, not stopping it on exit`);
			return { url: `http://127.0.0.1:${port}`, port, jwt, logFile: null, owned: false, close: async () => {} };
		}
		throw new StartError(`port ${port} (Khipu sandbox) is in use by something else: stop it or pick another with --sandbox-port / KHIPU_SANDBOX_PORT`);
	}
}

/** Creates the credential, or updates the one of the same name (the sandbox port may have changed). */
async function upsertCredential(client, { name, type = CREDENTIAL_TYPE, data: given }) {
	// n8n 2.8.4 adds "Allowed HTTP Request Domains" to credentials with an authenticate() and its public-API
	// schema then demands allowedDomains unless allowedHttpRequestDomains is set: send the UI's default.
	const data = type === CREDENTIAL_TYPE ? { allowedHttpRequestDomains: 'all', ...given } : given;
	const existing = (await client.listAll('/credentials', { limit: '250' })).find((c) => c.name === name && c.type === type);
	if (existing) {
		await client.api('PATCH', `/credentials/${encodeURIComponent(existing.id)}`, { data });
		return { credential: { id: String(existing.id), name }, action: 'updated' };
	}
	const created = await client.createCredential({ name, type, data });
	return { credential: { id: String(created.id), name }, action: 'created' };
}

/**
 * @param {object} opts   see options.js (port, sandboxPort, dataDir, ownerEmail, examples, resetExamples, reset, khipu)
 * @param {{progress?: ReturnType<typeof createProgress>, runtime?: string, n8nEnv?: object, skipDevDependencies?: boolean}} [extra]
 */
async function startEnvironment(opts, extra = {}) {
	const progress = extra.progress || createProgress();
	const runtime = extra.runtime || opts.runtime || process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME;
	const { step } = progress;
	checkNode();
	const handles = { sandbox: null, n8n: null };
	const stop = async () => {
		const n8n = handles.n8n;
		const sandbox = handles.sandbox;
		handles.n8n = null;
		handles.sandbox = null;
		if (n8n) await n8n.stop();
		if (sandbox) await sandbox.close();
	};

	try {
		if (opts.reset && fs.existsSync(opts.dataDir)) {
			await step(`Deleting the data folder ${opts.dataDir} (--reset)`, async () => fs.rmSync(opts.dataDir, { recursive: true, force: true }));
		}
		fs.mkdirSync(opts.dataDir, { recursive: true });
		const state = readState(opts.dataDir);
		// n8n migrates its database on start: a folder one runtime has used is not safe for another
		const firstStart = firstStartOf(opts.dataDir);
		if (state.runtime && state.runtime !== runtime && !firstStart) {
			throw new StartError(`the data folder ${opts.dataDir} belongs to runtime/${state.runtime}, not runtime/${runtime}: use another --data-dir, or --reset to start it afresh`);
		}
		state.runtime = runtime;

		if (!extra.skipDevDependencies) await step('Checking the repo\'s dev dependencies', (note) => ensureDevDependencies(note));
		await step(`Checking the n8n runtime (runtime/${runtime})`, async (note) => {
			const r = await ensureRuntime({ runtime, log: note });
			return { summary: r.cached ? 'installed already' : `installed in ${Math.round(r.seconds)}s` };
		});
		await step('Building the package and installing it into the data folder as a community package', (note) =>
			withBuildLock(note, async () => {
				let built = await ensureBuilt(note);
				let installed;
				try {
					installed = ensurePackageInstalled(state, opts.dataDir);
				} catch (err) {
					// dist/ changed under us (a clean or build running elsewhere in this checkout): build and pack once more
					note(`packing failed (${err.message.split('\n')[0]}): building again`);
					built = await ensureBuilt(note, { force: true });
					installed = ensurePackageInstalled(state, opts.dataDir);
				}
				return { summary: `${built.summary}; ${installed.summary}` };
			}),
		);
		writeState(opts.dataDir, state);

		// ports: fail early and clearly rather than deep inside n8n's log
		if (opts.port && !(await isPortFree(opts.port))) {
			throw new StartError(`port ${opts.port} (n8n) is in use: is another n8n or npm start running? Stop it or use --port / N8N_PORT`);
		}

		let khipuCredential;
		if (opts.khipu.mode === 'sandbox') {
			const sb = await step('Starting the Khipu sandbox', async (note) => {
				const s = await startOrReuseSandbox({ port: opts.sandboxPort, dataDir: opts.dataDir, note });
				s.summary = s.url;
				return s;
			});
			handles.sandbox = sb;
			khipuCredential = { name: EXAMPLE_CREDENTIAL_NAME, data: { authType: 'jwt', jwtToken: sb.jwt, baseUrl: sb.url } };
		} else {
			progress.log(`real Khipu at ${opts.khipu.baseUrl}: no sandbox started`);
			khipuCredential = { name: opts.khipu.credentialName, data: opts.khipu.data };
		}

		const n8n = await step(firstStart ? 'Starting n8n (first start: creating the database)' : 'Starting n8n', async () => {
			// the Khipu secrets went into the credential; n8n's own environment doesn't need them
			// buildEnv keeps KHIPU_* (the secrets npm start may read) out of n8n's environment
			const instance = await startN8n({ runtime, userFolder: opts.dataDir, port: opts.port, env: extra.n8nEnv || {}, timeoutMs: 180_000 });
			instance.summary = `${instance.baseUrl} (log: ${instance.logFile})`;
			return instance;
		});
		handles.n8n = n8n;

		const api = await n8nClient(n8n, { userFolder: opts.dataDir, apiKey: state.apiKey });
		const setup = await step('Setting up the owner account and API key', async (note) => {
			// an existing owner keeps its login: the saved one is what logs in
			let saved = null;
			try {
				saved = JSON.parse(fs.readFileSync(path.join(opts.dataDir, OWNER_FILE), 'utf8'));
			} catch {
				/* first start */
			}
			if (saved && saved.email && saved.email !== opts.ownerEmail) note(`the owner is already ${saved.email}; the owner email setting applies to a new data folder only`);
			let owner;
			try {
				owner = await api.setupOwner(saved && saved.email ? {} : { email: opts.ownerEmail });
			} catch (err) {
				if (/already has an owner|-> HTTP 401/.test(err.message)) {
					throw new StartError(`n8n in ${opts.dataDir} already has an owner whose password is not in ${OWNER_FILE} there (${err.message.split('\n')[0]}). Start over with --reset (deletes that data folder) or use another --data-dir.`);
				}
				throw err;
			}
			let key = 'reused';
			if (state.apiKey) {
				try {
					await api.api('GET', '/workflows?limit=1');
				} catch (err) {
					if (err.status !== 401 && err.status !== 403) throw err;
					note('the stored API key is no longer accepted: creating a new one');
					delete state.apiKey;
				}
			}
			if (!state.apiKey) {
				state.apiKey = await api.createApiKey({ label: `npm start ${new Date().toISOString()}` });
				key = 'created';
			}
			return { owner, summary: `${owner.created ? `owner ${owner.email} created` : `logged in as ${owner.email}`}, API key ${key}` };
		});
		writeState(opts.dataDir, state);

		const credentialResult = await step(`Saving the "${khipuCredential.name}" credential`, async () => {
			const r = await upsertCredential(api, khipuCredential);
			return { ...r, summary: `${r.action} (id ${r.credential.id})` };
		});

		const { callbackCredential, dataTable, workflows } = await provisionExamples(api, step, {
			opts,
			state,
			credential: credentialResult.credential,
			baseUrl: n8n.baseUrl,
			saveState: () => writeState(opts.dataDir, state),
		});
		writeState(opts.dataDir, state);

		return {
			n8n,
			sandbox: handles.sandbox,
			client: api,
			owner: { email: setup.owner.email, password: setup.owner.password, created: setup.owner.created, file: path.join(opts.dataDir, OWNER_FILE) },
			credential: credentialResult.credential,
			callbackCredential,
			dataTable: dataTable && { id: dataTable.id, name: dataTable.name },
			workflows: [...workflows],
			callbackToken: state.callbackToken,
			dataDir: opts.dataDir,
			runtime,
			n8nVersion: pinnedN8n(runtime),
			firstStart,
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
	const callbackResult = await step(`Saving the "${CALLBACK_CREDENTIAL_NAME}" credential (generated token)`, async () => {
		const r = await upsertCredential(api, { name: CALLBACK_CREDENTIAL_NAME, type: CALLBACK_CREDENTIAL_TYPE, data: { token: state.callbackToken } });
		return { ...r, summary: `${r.action} (id ${r.credential.id})` };
	});
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

module.exports = { startEnvironment, startOrReuseSandbox, upsertCredential, provisionExamples, checkNode, StartError, STATE_FILE, readState };

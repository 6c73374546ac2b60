'use strict';
// Settings for `npm start`, from flags (win) and environment variables. Secrets come from the
// environment only, so they never show up in `ps` output or shell history as flags.
const path = require('node:path');
const { REPO_ROOT } = require('../lib/repo');
const { DEFAULT_RUNTIME } = require('../runtime/paths');
const { runtimeForN8n, pinnedN8n, NEWEST_RUNTIME } = require('../runtime/runtimes');

const DEFAULTS = {
	port: 5678,
	sandboxPort: 8099,
	dataDir: '.n8n-data',
	ownerEmail: 'owner@example.com',
	khipuDefaultBaseUrl: 'https://api.khipu.com',
};

const HELP = `Usage: npm start [-- <flags>]      (or: node tools/start/start.js <flags>)

Starts the Khipu sandbox and n8n on 127.0.0.1 with this package installed as a community package, an
owner account, a Khipu credential and the example workflows. Ctrl-C stops everything.

Flags (environment variable in brackets):
  --n8n <version>       n8n to run: 2.8 = n8n ${pinnedN8n(DEFAULT_RUNTIME)} on     [KHIPU_N8N_RUNTIME]  default 2.8
                        this Node; 2.41 or newest = n8n ${pinnedN8n(NEWEST_RUNTIME)} on the registry's Node 24
  --port <n>            n8n port, 0 = any free port          [N8N_PORT]           default ${DEFAULTS.port}
  --sandbox-port <n>    Khipu sandbox port, 0 = any free     [KHIPU_SANDBOX_PORT] default ${DEFAULTS.sandboxPort}
  --data-dir <dir>      n8n user folder (database, logs,     [KHIPU_DATA_DIR]     default ${DEFAULTS.dataDir}
                        owner password), relative to the repo; (${DEFAULTS.dataDir}-2.41 for --n8n 2.41)
  --owner-email <addr>  login of the owner account created   [KHIPU_OWNER_EMAIL]  default ${DEFAULTS.ownerEmail}
                        on first start
  --khipu-base-url <u>  use a real Khipu (no sandbox) at     [KHIPU_BASE_URL]
                        this base URL; needs KHIPU_JWT or KHIPU_API_KEY
  --no-examples         do not import/update the example     [KHIPU_START_EXAMPLES=0]
                        workflows
  --reset-examples      overwrite example workflows even if  [KHIPU_START_RESET_EXAMPLES=1]
                        you edited them in n8n
  --reset               delete the data folder first (new owner password, empty database)
  --exit-after-ready    start everything, print the summary, [KHIPU_START_EXIT_AFTER_READY=1]
                        then stop it all and exit 0 (smoke test / CI)
  --queue               n8n in queue mode: PostgreSQL, Redis, [KHIPU_START_QUEUE=1]
                        main, one worker, one webhook processor
                        (fresh database under <data-dir>/queue/ each start;
                        needs PostgreSQL and Redis: bash tools/stack/install-services.sh)
  -h, --help            this text

A real Khipu (instead of the sandbox), secrets from the environment only:
  KHIPU_JWT                      JWT (recommended), or
  KHIPU_API_KEY                  API key, plus one per-account credential:
    KHIPU_ACCOUNT_LINK_TOKEN       Account Link token, or
    KHIPU_DOCUMENT_NUMBER, KHIPU_USERNAME, KHIPU_PIN   Santander online-banking login
  KHIPU_BASE_URL                 default ${DEFAULTS.khipuDefaultBaseUrl} when a secret is set
Setting any of KHIPU_BASE_URL, KHIPU_JWT, KHIPU_API_KEY switches to the real Khipu: no sandbox is started
and the credential is called "Khipu (<host>)" instead of "Khipu (sandbox)".
`;

class UsageError extends Error {}

function truthy(value) {
	return value !== undefined && value !== '' && !/^(0|false|no|off)$/i.test(String(value).trim());
}

function parsePort(name, raw) {
	const text = String(raw).trim();
	if (!/^\d+$/.test(text) || Number(text) > 65535)
		throw new UsageError(`${name} must be a port number 0..65535, not ${JSON.stringify(raw)}`);
	return Number(text);
}

/**
 * @param {string[]} argv   flags (process.argv.slice(2))
 * @param {Record<string, string|undefined>} env
 */
function parseOptions(argv = [], env = process.env) {
	const flags = {};
	const takesValue = new Set(['--n8n', '--port', '--sandbox-port', '--data-dir', '--owner-email', '--khipu-base-url']);
	const booleans = new Set([
		'--no-examples',
		'--reset-examples',
		'--reset',
		'--exit-after-ready',
		'--queue',
		'--help',
		'-h',
	]);
	for (let i = 0; i < argv.length; i++) {
		let arg = argv[i];
		let value;
		const eq = arg.indexOf('=');
		if (arg.startsWith('--') && eq > 0) {
			value = arg.slice(eq + 1);
			arg = arg.slice(0, eq);
		}
		if (takesValue.has(arg)) {
			if (value === undefined) {
				value = argv[++i];
				if (value === undefined) throw new UsageError(`${arg} needs a value`);
			}
			flags[arg] = value;
		} else if (booleans.has(arg) && value === undefined) {
			flags[arg] = true;
		} else {
			throw new UsageError(`unknown argument: ${argv[i]} (see --help)`);
		}
	}

	const pick = (flag, variable) =>
		flags[flag] !== undefined
			? flags[flag]
			: env[variable] !== undefined && env[variable] !== ''
				? env[variable]
				: undefined;

	const portRaw = pick('--port', 'N8N_PORT');
	const sandboxPortRaw = pick('--sandbox-port', 'KHIPU_SANDBOX_PORT');
	const runtime = runtimeChoice(flags['--n8n'], env.KHIPU_N8N_RUNTIME);
	// a database n8n 2.41 has migrated cannot go back to 2.8: each runtime gets its own default folder
	const dataDirRaw =
		pick('--data-dir', 'KHIPU_DATA_DIR') ||
		(runtime === DEFAULT_RUNTIME ? DEFAULTS.dataDir : `${DEFAULTS.dataDir}-${runtime.slice('n8n-'.length)}`);
	const opts = {
		help: !!(flags['--help'] || flags['-h']),
		runtime,
		port: portRaw === undefined ? DEFAULTS.port : parsePort('--port / N8N_PORT', portRaw),
		sandboxPort:
			sandboxPortRaw === undefined
				? DEFAULTS.sandboxPort
				: parsePort('--sandbox-port / KHIPU_SANDBOX_PORT', sandboxPortRaw),
		dataDir: path.resolve(REPO_ROOT, dataDirRaw),
		ownerEmail: pick('--owner-email', 'KHIPU_OWNER_EMAIL') || DEFAULTS.ownerEmail,
		examples: flags['--no-examples']
			? false
			: env.KHIPU_START_EXAMPLES === undefined || env.KHIPU_START_EXAMPLES === ''
				? true
				: truthy(env.KHIPU_START_EXAMPLES),
		resetExamples: !!flags['--reset-examples'] || truthy(env.KHIPU_START_RESET_EXAMPLES),
		reset: !!flags['--reset'],
		exitAfterReady: !!flags['--exit-after-ready'] || truthy(env.KHIPU_START_EXIT_AFTER_READY),
		queue: !!flags['--queue'] || truthy(env.KHIPU_START_QUEUE),
		khipu: khipuTarget(pick('--khipu-base-url', 'KHIPU_BASE_URL'), env),
	};
	if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(opts.ownerEmail))
		throw new UsageError(`owner email ${JSON.stringify(opts.ownerEmail)} is not an email address`);
	if (opts.dataDir === REPO_ROOT || REPO_ROOT.startsWith(opts.dataDir + path.sep)) {
		throw new UsageError(`the data folder must not be the repository or one of its parents: ${opts.dataDir}`);
	}
	return opts;
}

/** The runtime folder for --n8n (wins) or KHIPU_N8N_RUNTIME (the test harness's variable). */
function runtimeChoice(flag, variable) {
	try {
		if (flag !== undefined) return runtimeForN8n(flag);
		return variable ? runtimeForN8n(variable) : DEFAULT_RUNTIME;
	} catch (err) {
		throw new UsageError(`${flag !== undefined ? '--n8n' : 'KHIPU_N8N_RUNTIME'}: ${err.message}`);
	}
}

/**
 * Sandbox (default) or a real Khipu. Returns what the credential needs.
 * @returns {{mode: 'sandbox'} | {mode: 'real', baseUrl: string, host: string, data: object, credentialName: string}}
 */
function khipuTarget(baseUrlRaw, env) {
	const jwt = (env.KHIPU_JWT || '').trim();
	const apiKey = (env.KHIPU_API_KEY || '').trim();
	if (!baseUrlRaw && !jwt && !apiKey) return { mode: 'sandbox' };
	const baseUrl = String(baseUrlRaw || DEFAULTS.khipuDefaultBaseUrl)
		.trim()
		.replace(/\/+$/, '');
	let url;
	try {
		url = new URL(baseUrl);
	} catch {
		throw new UsageError(`KHIPU_BASE_URL / --khipu-base-url is not a URL: ${JSON.stringify(baseUrl)}`);
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:')
		throw new UsageError(`KHIPU_BASE_URL must be http(s): ${baseUrl}`);
	if (!jwt && !apiKey) {
		throw new UsageError(
			'a real Khipu base URL was given but no secret: set KHIPU_JWT (or KHIPU_API_KEY with KHIPU_ACCOUNT_LINK_TOKEN, or KHIPU_DOCUMENT_NUMBER + KHIPU_USERNAME + KHIPU_PIN)',
		);
	}
	let data;
	if (jwt) {
		data = { authType: 'jwt', jwtToken: jwt, baseUrl };
	} else if (env.KHIPU_ACCOUNT_LINK_TOKEN) {
		data = { authType: 'apiKeyAccountLink', apiKey, accountLinkToken: env.KHIPU_ACCOUNT_LINK_TOKEN.trim(), baseUrl };
	} else if (env.KHIPU_DOCUMENT_NUMBER || env.KHIPU_USERNAME || env.KHIPU_PIN) {
		const missing = ['KHIPU_DOCUMENT_NUMBER', 'KHIPU_USERNAME', 'KHIPU_PIN'].filter((k) => !env[k]);
		if (missing.length) throw new UsageError(`Santander login needs ${missing.join(', ')} too`);
		data = {
			authType: 'apiKeySantanderLogin',
			apiKey,
			documentNumberSecret: env.KHIPU_DOCUMENT_NUMBER.trim(),
			username: env.KHIPU_USERNAME.trim(),
			pinPassword: env.KHIPU_PIN.trim(),
			baseUrl,
		};
	} else {
		throw new UsageError(
			'KHIPU_API_KEY needs a per-account credential: KHIPU_ACCOUNT_LINK_TOKEN, or KHIPU_DOCUMENT_NUMBER + KHIPU_USERNAME + KHIPU_PIN',
		);
	}
	return { mode: 'real', baseUrl, host: url.host, data, credentialName: `Khipu (${url.host})` };
}

module.exports = { parseOptions, HELP, DEFAULTS, UsageError };

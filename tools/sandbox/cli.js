'use strict';

const DEFAULT_PORT = 8099;

function nonNegativeInteger(name, raw) {
	if (!/^\d+$/.test(String(raw).trim())) throw new Error(`${name} must be a non-negative integer`);
	return Number(raw);
}

function portFromArgs(argv) {
	for (let i = 0; i < argv.length; i += 1) {
		if (argv[i] === '--port') return argv[i + 1];
		if (argv[i].startsWith('--port=')) return argv[i].slice('--port='.length);
	}
	return undefined;
}

/** Options for startSandbox from the command line and KHIPU_SANDBOX_* variables. */
function optionsFrom(argv, env) {
	const options = { quiet: false, host: env.KHIPU_SANDBOX_HOST || '127.0.0.1' };
	const port = portFromArgs(argv) ?? env.KHIPU_SANDBOX_PORT;
	options.port = port === undefined || port === '' ? DEFAULT_PORT : nonNegativeInteger('port', port);
	if (options.port > 65535) throw new Error('port must be at most 65535');
	const numeric = {
		latencyMs: 'KHIPU_SANDBOX_LATENCY_MS',
		callbackDelayMs: 'KHIPU_SANDBOX_CALLBACK_DELAY_MS',
		slowMs: 'KHIPU_SANDBOX_SLOW_MS',
	};
	for (const [option, variable] of Object.entries(numeric)) {
		if (env[variable]) options[option] = nonNegativeInteger(variable, env[variable]);
	}
	if (env.KHIPU_SANDBOX_JWT) options.jwt = env.KHIPU_SANDBOX_JWT;
	if (env.KHIPU_SANDBOX_API_KEY) options.apiKey = env.KHIPU_SANDBOX_API_KEY;
	return options;
}

async function main(startSandbox, argv = process.argv.slice(2), env = process.env) {
	let sandbox;
	try {
		sandbox = await startSandbox(optionsFrom(argv, env));
	} catch (err) {
		process.stderr.write(`Khipu sandbox failed to start: ${err.code || err.message}\n`);
		process.exit(1);
	}
	process.stdout.write(`Khipu sandbox listening on ${sandbox.url}\n`);
	const stop = () => sandbox.close().then(() => process.exit(0));
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
}

module.exports = { main, optionsFrom };

'use strict';
// `npm start -- --queue`: the same package, sandbox and examples on n8n's queue mode: PostgreSQL, Redis,
// a main process, one worker and one webhook processor (tools/stack/queue.js), in a fresh folder
// under the data folder each time (a new database and owner password per start).
const fs = require('node:fs');
const path = require('node:path');

const { ensureRuntime } = require('../runtime/install');
const { startQueueStack } = require('../stack/queue');
const { ensureDevDependencies, ensureBuilt, withBuildLock } = require('./prepare');
const { EXAMPLE_CREDENTIAL_NAME } = require('./examples');
const { startOrReuseSandbox, upsertCredential, provisionExamples, checkNode } = require('./environment');

async function startQueueEnvironment(opts, { progress }) {
	const { step } = progress;
	const { runtime } = opts;
	checkNode();
	const dir = path.join(opts.dataDir, 'queue', new Date().toISOString().replace(/[:.]/g, '-'));
	fs.mkdirSync(dir, { recursive: true });
	const handles = { sandbox: null, queue: null };
	const stop = async () => {
		const { queue, sandbox } = handles;
		handles.queue = null;
		handles.sandbox = null;
		if (queue) await queue.stop();
		if (sandbox) await sandbox.close();
	};
	try {
		await step("Checking the repo's dev dependencies", (note) => ensureDevDependencies(note));
		await step(`Checking the n8n runtime (runtime/${runtime})`, async (note) => {
			const r = await ensureRuntime({ runtime, log: note });
			return { summary: r.cached ? 'installed already' : `installed in ${Math.round(r.seconds)}s` };
		});
		await step('Building the package', (note) => withBuildLock(note, async () => ensureBuilt(note)));
		let khipuCredential;
		if (opts.khipu.mode === 'sandbox') {
			handles.sandbox = await step('Starting the Khipu sandbox', async (note) => {
				const s = await startOrReuseSandbox({ port: opts.sandboxPort, dataDir: opts.dataDir, note });
				s.summary = s.url;
				return s;
			});
			khipuCredential = { name: EXAMPLE_CREDENTIAL_NAME, data: { authType: 'jwt', jwtToken: handles.sandbox.jwt, baseUrl: handles.sandbox.url } };
		} else {
			khipuCredential = { name: opts.khipu.credentialName, data: opts.khipu.data };
		}
		handles.queue = await step('Starting PostgreSQL, Redis and n8n (main, worker, webhook processor), the package installed in each', async (note) => {
			const queue = await startQueueStack({ runtime, dir, workers: 1, webhooks: 1, mainPort: opts.port || 0, log: note });
			queue.summary = `main ${queue.main.baseUrl}, webhooks ${queue.webhookUrl}`;
			return queue;
		});
		const queue = handles.queue;
		const credential = await step(`Saving the "${khipuCredential.name}" credential`, async () => {
			const r = await upsertCredential(queue.client, khipuCredential);
			return { ...r.credential, summary: `${r.action} (id ${r.credential.id})` };
		});
		// A fresh database each start, so the callback token is generated anew and kept only in its credential;
		// Khipu calls the webhook processor, so the callback examples get its URL.
		const { workflows } = await provisionExamples(queue.client, step, {
			opts,
			state: {},
			credential,
			baseUrl: queue.webhookUrl,
			saveState: () => {},
		});
		return { queue, sandbox: handles.sandbox, credential, workflows: [...workflows], dir, stop };
	} catch (err) {
		await stop().catch(() => {});
		throw err;
	}
}

function queueSummary(env, opts, progress) {
	const { queue } = env;
	const lines = [
		'',
		'='.repeat(72),
		` n8n is ready in queue mode (started in ${progress.fmt(progress.elapsedMs())})`,
		'',
		`   Editor (main):        ${queue.main.baseUrl}/`,
		`   Login:                ${queue.owner.email}`,
		`   Password:             ${queue.owner.password}`,
		`   Webhooks (give Khipu): ${queue.webhookUrl}/webhook/…  (n8n webhook processor; also the resume URLs)`,
		`   Worker:               runs the executions (log ${queue.workers[0].logFile})`,
		`   PostgreSQL:           127.0.0.1:${queue.postgres.port} database ${queue.postgres.database}`,
		`   Redis:                127.0.0.1:${queue.redis.port}`,
		opts.khipu.mode === 'sandbox' ? `   Khipu:                sandbox at ${env.sandbox.url}, credential "${env.credential.name}"` : `   Khipu:                ${opts.khipu.baseUrl}, credential "${env.credential.name}"`,
	];
	if (env.workflows.length) {
		lines.push('', '   Example workflows:');
		for (const wf of env.workflows) lines.push(`     - ${wf.name}${wf.active ? ' [active]' : ''}`, `       ${queue.main.baseUrl}/workflow/${wf.id}`);
	}
	lines.push('', `   Data and logs: ${env.dir}`, '', opts.exitAfterReady ? '   --exit-after-ready: stopping again now.' : '   Press Ctrl-C to stop all of it.', '='.repeat(72), '');
	return lines.join('\n');
}

module.exports = { startQueueEnvironment, queueSummary };

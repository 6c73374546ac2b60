'use strict';
// Starts what `npm start` starts (same code path: tools/start/environment.js) in a temp data folder on
// free ports, for the example-workflow and browser tests. Quiet: progress lines are kept, not printed.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { isRuntimeReady } = require('../../../tools/runtime/install');
const { DEFAULT_RUNTIME } = require('../../../tools/runtime/paths');
const { startEnvironment } = require('../../../tools/start/environment');
const { createProgress } = require('../../../tools/start/progress');

const RUNTIME = process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME;

/** beforeAll timeout: installing the runtime from scratch takes ~5 min, a warm start ~10 s. */
function startTimeoutMs() {
	return isRuntimeReady(RUNTIME) ? 150_000 : 900_000;
}

async function startExamplesStack({ prefix = 'khipu-examples-' } = {}) {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	const lines = [];
	const progress = createProgress({ write: (line) => lines.push(line), tickMs: 60_000 });
	let env;
	try {
		env = await startEnvironment(
			{
				port: 0,
				sandboxPort: 0,
				dataDir,
				ownerEmail: 'owner@example.com',
				examples: true,
				resetExamples: false,
				reset: false,
				exitAfterReady: false,
				khipu: { mode: 'sandbox' },
			},
			{ progress, runtime: RUNTIME },
		);
	} catch (error) {
		error.message += `\nstart-up log:\n${lines.join('\n')}`;
		fs.rmSync(dataDir, { recursive: true, force: true });
		throw error;
	}
	return {
		...env,
		progressLines: lines,
		workflowByName(name) {
			const wf = env.workflows.find((w) => w.name === name);
			if (!wf)
				throw new Error(
					`example workflow "${name}" was not imported (have: ${env.workflows.map((w) => w.name).join(', ')})`,
				);
			return wf;
		},
		n8nLog() {
			try {
				return fs.readFileSync(env.n8n.logFile, 'utf8');
			} catch {
				return '';
			}
		},
		async stop() {
			await env.stop();
			if (!process.env.KHIPU_KEEP_N8N) fs.rmSync(dataDir, { recursive: true, force: true });
		},
	};
}

/** Replaces the node called `name` (keeping name, id and position, so connections still hold). */
function swapNode(workflow, name, replacement) {
	const index = workflow.nodes.findIndex((n) => n.name === name);
	if (index < 0) throw new Error(`no node "${name}" in ${workflow.name}`);
	const old = workflow.nodes[index];
	workflow.nodes[index] = { ...replacement, id: old.id, name: old.name, position: old.position };
	return old;
}

const NO_OP = { type: 'n8n-nodes-base.noOp', typeVersion: 1, parameters: {} };

module.exports = { startExamplesStack, startTimeoutMs, swapNode, NO_OP, RUNTIME };

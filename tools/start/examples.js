'use strict';
// The example workflows in examples/*.json are plain n8n exports (importable into any n8n through
// "Import from File"). When `npm start` imports them through the public API it rewrites three things:
//   - every khipuApi credential reference         -> the credential it created ("Khipu (sandbox)" or the real one)
//   - every khipuCallbackApi credential reference -> the "Khipu callback token" credential (random token,
//                                                    generated once per data folder)
//   - EXAMPLE_BASE_URL in parameters              -> this n8n's base URL (the callback URL of the async pair)
// and upserts by name, so a second start updates the same workflows instead of adding copies. A workflow
// the user edited in n8n (its versionId moved on) is left alone unless resetExamples is set.
const crypto = require('node:crypto');
const path = require('node:path');
const { REPO_ROOT, TRIGGER_TYPE } = require('../lib/repo');
const {
	loadExamples,
	prepareWorkflow,
	EXAMPLES_DIR,
	EXAMPLE_BASE_URL,
	CREDENTIAL_TYPE,
	CALLBACK_CREDENTIAL_TYPE,
} = require('../workflows/examples');

const EXAMPLE_CREDENTIAL_NAME = 'Khipu (sandbox)';
const CALLBACK_CREDENTIAL_NAME = 'Khipu callback token';

function hasKhipuTrigger(workflow) {
	return workflow.nodes.some((n) => n.type === TRIGGER_TYPE && !n.disabled);
}

function contentHash(body) {
	return crypto.createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

async function findWorkflowByName(client, name) {
	const found = (await client.listAll('/workflows', { name, limit: '250' })).filter((w) => w.name === name);
	return found.sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)))[0] || null;
}

async function getWorkflowOrNull(client, id) {
	try {
		return await client.getWorkflow(id);
	} catch (err) {
		if (err.status === 404 || err.status === 400) return null;
		throw err;
	}
}

/**
 * Creates or updates every example in n8n.
 * @param {object} client  n8nClient with an API key
 * @param {{credential: {id: string, name: string}, callbackCredential: {id: string, name: string}, baseUrl: string,
 *          state: {workflows?: object}, resetExamples?: boolean, activateTriggers?: boolean,
 *          examples?: {file: string, workflow: object}[], note?: (msg: string) => void}} ctx
 * @returns {Promise<{name: string, id: string, file: string, action: string, active: boolean}[]>}
 */
async function importExamples(client, ctx) {
	const { state, note = () => {} } = ctx;
	state.workflows = state.workflows || {};
	const results = [];
	for (const { file, workflow } of ctx.examples || loadExamples()) {
		const body = prepareWorkflow(workflow, ctx);
		const hash = contentHash(body);
		const known = state.workflows[body.name];
		let existing = known && known.id ? await getWorkflowOrNull(client, known.id) : null;
		if (existing && existing.name !== body.name) existing = null; // renamed by the user: import a fresh copy
		if (!existing) existing = await findWorkflowByName(client, body.name);

		let saved;
		let action;
		if (!existing) {
			saved = await client.createWorkflow(body);
			action = 'created';
		} else {
			const ours = known && known.id === existing.id && known.versionId === existing.versionId;
			if (known && known.id === existing.id && !ours && !ctx.resetExamples) {
				action = 'kept (edited in n8n; --reset-examples overwrites it)';
				saved = existing;
			} else if (ours && known.hash === hash && !ctx.resetExamples) {
				action = 'unchanged';
				saved = existing;
			} else {
				saved = await client.api('PUT', `/workflows/${encodeURIComponent(existing.id)}`, body);
				action = 'updated';
			}
		}
		let active = !!saved.active;
		// a workflow we just created or rewrote gets activated; one left as it was keeps the user's choice
		if (
			ctx.activateTriggers !== false &&
			hasKhipuTrigger(workflow) &&
			!active &&
			(action === 'created' || action === 'updated')
		) {
			await client.activateWorkflow(saved.id);
			active = true;
			action += ', activated';
		}
		const current = action === 'unchanged' || action.startsWith('kept') ? saved : await client.getWorkflow(saved.id);
		if (!action.startsWith('kept')) state.workflows[body.name] = { id: current.id, versionId: current.versionId, hash };
		note(`${body.name}: ${action}`);
		results.push({ name: body.name, id: String(current.id), file: path.relative(REPO_ROOT, file), action, active });
	}
	return results;
}

module.exports = {
	loadExamples,
	prepareWorkflow,
	importExamples,
	hasKhipuTrigger,
	EXAMPLES_DIR,
	EXAMPLE_BASE_URL,
	EXAMPLE_CREDENTIAL_NAME,
	CALLBACK_CREDENTIAL_NAME,
	CREDENTIAL_TYPE,
	CALLBACK_CREDENTIAL_TYPE,
};

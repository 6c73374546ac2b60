'use strict';
// Workflow JSON as n8n's public API takes it, built from the nodes the suites, the bench and the measurements
// use: n8n's Webhook and Split Out, this package's node (and its AI-tool variant) and its trigger.
const crypto = require('node:crypto');
const { NODE_TYPE, TRIGGER_TYPE } = require('../lib/repo');

/** Every execution saved with its data, so callers can count and read them back. */
const SETTINGS = { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' };

const id = () => crypto.randomUUID();

/** { khipuApi: {id, name} }: a node's reference to a credential of `type`. */
function credentialRef(credential, type = 'khipuApi') {
	return { [type]: { id: String(credential.id), name: credential.name } };
}

/** n8n's Webhook node (POST); responseMode 'lastNode' answers with `responseData` of the last node. */
function webhookNode(
	path,
	{ responseMode = 'lastNode', responseData = 'allEntries', name = 'Webhook', position = [0, 0] } = {},
) {
	const parameters = { httpMethod: 'POST', path, responseMode, options: {} };
	if (responseMode === 'lastNode') parameters.responseData = responseData;
	return { id: id(), name, type: 'n8n-nodes-base.webhook', typeVersion: 2, position, webhookId: id(), parameters };
}

/** Split Out over the Webhook's body.accounts: one item per account. */
function splitOutNode() {
	return {
		id: id(),
		name: 'Split Out',
		type: 'n8n-nodes-base.splitOut',
		typeVersion: 1,
		position: [200, 0],
		parameters: { fieldToSplitOut: 'body.accounts', options: {} },
	};
}

/**
 * This package's balances node. `callbackCredential` (khipuCallbackApi) is attached for callback-URL delivery;
 * `nodeSettings` are the node's own settings (onError, retryOnFail, ...); `type` NODE_TYPE + 'Tool' is its AI-tool variant.
 */
function khipuNode({
	credential,
	callbackCredential,
	parameters = {},
	nodeSettings = {},
	name = 'Khipu',
	type = NODE_TYPE,
	position = [400, 0],
}) {
	const credentials = credentialRef(credential);
	if (callbackCredential) Object.assign(credentials, credentialRef(callbackCredential, 'khipuCallbackApi'));
	return {
		id: id(),
		name,
		type,
		typeVersion: 1,
		position,
		parameters: { resource: 'balance', operation: 'getPendingCurrentDayBalances', ...parameters },
		credentials,
		...nodeSettings,
	};
}

/** This package's trigger; its Production URL is /webhook/<webhookId>/khipu. */
function khipuTriggerNode({ credential, statuses = 'both', ipAllowlist = '', options = {}, webhookId = id() }) {
	return {
		id: id(),
		name: 'Khipu Trigger',
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		webhookId,
		parameters: { statuses, ipAllowlist, options },
		credentials: credentialRef(credential, 'khipuCallbackApi'),
	};
}

/** A workflow of `nodes` connected one after the other on their main output. */
function chain(name, nodes) {
	const connections = {};
	for (let i = 0; i < nodes.length - 1; i++) {
		connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	}
	return { name, nodes, connections, settings: SETTINGS };
}

module.exports = { SETTINGS, credentialRef, webhookNode, splitOutNode, khipuNode, khipuTriggerNode, chain };

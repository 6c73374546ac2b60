'use strict';
// Workflow builders for the bench: the same shape built with this package's nodes and with n8n's own.
const crypto = require('node:crypto');

const PKG = 'n8n-nodes-khipu-santander-ar';
const NODE_TYPE = `${PKG}.khipuSantanderAr`;
const TRIGGER_TYPE = `${PKG}.khipuSantanderArTrigger`;
const SETTINGS = { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' };

const id = () => crypto.randomUUID();

function webhookNode(path, { responseMode = 'lastNode', responseData = 'firstEntryJson' } = {}) {
	const parameters = { httpMethod: 'POST', path, responseMode, options: {} };
	if (responseMode === 'lastNode') parameters.responseData = responseData;
	return { id: id(), name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: id(), parameters };
}

function khipuNode({ credential, accountExpr, options = {} }) {
	return {
		id: id(),
		name: 'Call',
		type: NODE_TYPE,
		typeVersion: 1,
		position: [400, 0],
		parameters: {
			resource: 'balance',
			operation: 'getPendingCurrentDayBalances',
			accountNumber: accountExpr,
			delivery: 'sync',
			options,
		},
		credentials: { khipuApi: { id: String(credential.id), name: credential.name } },
	};
}

/**
 * What a user without this package builds: HTTP Request v4.2, POST JSON, Authorization set by hand.
 * `batching` is n8n's own option ({batchSize, batchInterval}).
 */
function httpNode({ endpointUrl, jwt, accountExpr, batching, headerAuth }) {
	const options = {};
	if (batching) options.batching = { batch: { batchSize: batching.batchSize, batchInterval: batching.batchInterval } };
	const inner = accountExpr.replace(/^=\{\{\s*/, '').replace(/\s*\}\}$/, '');
	const headers = [{ name: 'Accept', value: 'application/json' }];
	if (!headerAuth) headers.unshift({ name: 'Authorization', value: `Bearer ${jwt}` });
	const node = {
		id: id(),
		name: 'Call',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [400, 0],
		parameters: {
			method: 'POST',
			url: endpointUrl,
			authentication: 'none',
			sendHeaders: true,
			headerParameters: { parameters: headers },
			sendBody: true,
			contentType: 'json',
			specifyBody: 'json',
			jsonBody: `={{ JSON.stringify({ RequestData: { AccountNumber: ${inner} } }) }}`,
			options,
		},
	};
	if (headerAuth) {
		// the JWT kept in an n8n Header Auth credential instead of the workflow
		Object.assign(node.parameters, { authentication: 'genericCredentialType', genericAuthType: 'httpHeaderAuth' });
		node.credentials = { httpHeaderAuth: { id: String(headerAuth.id), name: headerAuth.name } };
	}
	return node;
}

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

function chain(name, nodes) {
	const connections = {};
	for (let i = 0; i < nodes.length - 1; i++) {
		connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	}
	return { name, nodes, connections, settings: SETTINGS };
}

/** Webhook {accountNumber} -> one call (or nothing: the floor). */
function singleCallWorkflow({ kind, path, stack, options }) {
	const hook = webhookNode(path);
	const accountExpr = '={{ $json.body.accountNumber }}';
	if (kind === 'webhook') return chain(`bench floor ${path}`, [hook]);
	const call =
		kind === 'http' || kind === 'httpCred'
			? httpNode({ endpointUrl: stack.endpointUrl, jwt: stack.jwt, accountExpr, headerAuth: kind === 'httpCred' ? stack.headerAuth : null })
			: khipuNode({ credential: stack.credential, accountExpr, options });
	return chain(`bench ${kind} ${path}`, [hook, call]);
}

/** Webhook {accounts: [{accountNumber}]} -> Split Out -> one call per item. */
function fanOutWorkflow({ kind, path, stack, options, batching }) {
	const accountExpr = '={{ $json.accountNumber }}';
	const call =
		kind === 'http'
			? httpNode({ endpointUrl: stack.endpointUrl, jwt: stack.jwt, accountExpr, batching })
			: khipuNode({ credential: stack.credential, accountExpr, options });
	return chain(`bench fan-out ${kind} ${path}`, [webhookNode(path), splitOutNode(), call]);
}

/**
 * Callback receivers: our trigger (its token in `credential`, a khipuCallbackApi credential), or
 * n8n's Webhook node answering at once.
 */
function intakeWorkflow({ kind, path, credential, options = {} }) {
	if (kind === 'webhook') return { ...chain(`bench intake webhook ${path}`, [webhookNode(path, { responseMode: 'onReceived' })]), path };
	const webhookId = id();
	const trigger = {
		id: id(),
		name: 'Khipu Trigger',
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		webhookId,
		parameters: { statuses: 'both', ipAllowlist: '', options },
		credentials: { khipuCallbackApi: { id: String(credential.id), name: credential.name } },
	};
	return { ...chain(`bench intake trigger ${path}`, [trigger]), path: `${webhookId}/khipu` };
}

module.exports = { singleCallWorkflow, fanOutWorkflow, intakeWorkflow, NODE_TYPE, TRIGGER_TYPE };

'use strict';
// Workflow builders for the bench: the same shape built with this package's nodes and with n8n's own
// (the nodes themselves come from tools/workflows).
const crypto = require('node:crypto');
const { webhookNode, splitOutNode, khipuNode, khipuTriggerNode, chain } = require('../../workflows/nodes');

const hook = (path, options) => webhookNode(path, { responseData: 'firstEntryJson', ...options });

function callNode({ credential, accountExpr, options = {} }) {
	return khipuNode({ credential, name: 'Call', parameters: { accountNumber: accountExpr, delivery: 'sync', options } });
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
		id: crypto.randomUUID(),
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

/** Webhook {accountNumber} -> one call (or nothing: the floor). */
function singleCallWorkflow({ kind, path, stack, options }) {
	const accountExpr = '={{ $json.body.accountNumber }}';
	if (kind === 'webhook') return chain(`bench floor ${path}`, [hook(path)]);
	const call =
		kind === 'http' || kind === 'httpCred'
			? httpNode({
					endpointUrl: stack.endpointUrl,
					jwt: stack.jwt,
					accountExpr,
					headerAuth: kind === 'httpCred' ? stack.headerAuth : null,
				})
			: callNode({ credential: stack.credential, accountExpr, options });
	return chain(`bench ${kind} ${path}`, [hook(path), call]);
}

/** Webhook {accounts: [{accountNumber}]} -> Split Out -> one call per item. */
function fanOutWorkflow({ kind, path, stack, options, batching }) {
	const accountExpr = '={{ $json.accountNumber }}';
	const call =
		kind === 'http'
			? httpNode({ endpointUrl: stack.endpointUrl, jwt: stack.jwt, accountExpr, batching })
			: callNode({ credential: stack.credential, accountExpr, options });
	return chain(`bench fan-out ${kind} ${path}`, [hook(path), splitOutNode(), call]);
}

/**
 * n8n's Webhook node in version 1 checking a Header Auth credential: on n8n 2.41 this start node gets the
 * same webhook-phase work as the trigger (an expression isolate for a start node n8n does not exempt, the
 * version-1 body expression, a credential read with its own isolate; docs/COMPAT.md row 26).
 */
function webhookV1AuthNode(path, headerAuth) {
	const node = webhookNode(path, { responseMode: 'onReceived' });
	Object.assign(node.parameters, { authentication: 'headerAuth' });
	return {
		...node,
		typeVersion: 1,
		credentials: { httpHeaderAuth: { id: String(headerAuth.id), name: headerAuth.name } },
	};
}

/**
 * Callback receivers: our trigger (its token in `credential`, a khipuCallbackApi credential), n8n's
 * Webhook node answering at once, or that node in version 1 with Header Auth (`headerAuth`).
 */
function intakeWorkflow({ kind, path, credential, headerAuth, options = {} }) {
	if (kind === 'webhook')
		return { ...chain(`bench intake webhook ${path}`, [hook(path, { responseMode: 'onReceived' })]), path };
	if (kind === 'webhookV1Auth')
		return { ...chain(`bench intake webhook v1 auth ${path}`, [webhookV1AuthNode(path, headerAuth)]), path };
	const trigger = khipuTriggerNode({ credential, options });
	return { ...chain(`bench intake trigger ${path}`, [trigger]), path: `${trigger.webhookId}/khipu` };
}

module.exports = { singleCallWorkflow, fanOutWorkflow, intakeWorkflow };

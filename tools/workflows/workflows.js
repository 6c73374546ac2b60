'use strict';
// The workflows the suites and the measurements run the package in, and how they are deployed.
const crypto = require('node:crypto');
const { webhookNode, splitOutNode, khipuNode, khipuTriggerNode, chain } = require('./nodes');
const { callbackCredential } = require('./credentials');

let counter = 0;
/** A webhook path no other workflow of this process uses. */
const uniquePath = (prefix) => `${prefix}-${process.pid}-${++counter}-${crypto.randomBytes(3).toString('hex')}`;

/**
 * Webhook (accounts in the body) -> Split Out -> Khipu Santander AR, answering with every item of the last
 * node, so a caller sees exactly what a user's next node would see.
 */
function balancesWorkflow({
	path: hookPath,
	credential,
	callbackCredential: callback,
	parameters = {},
	nodeSettings = {},
	name,
}) {
	const khipu = khipuNode({
		credential,
		callbackCredential: callback,
		parameters: { accountNumber: '={{ $json.accountNumber }}', ...parameters },
		nodeSettings,
	});
	return chain(name || `balances ${hookPath}`, [webhookNode(hookPath), splitOutNode(), khipu]);
}

/**
 * balancesWorkflow() in pause mode, answering as soon as the Webhook is called (responseMode onReceived): the
 * execution then waits for Khipu while the caller moves on.
 */
function pauseWorkflow({ path: hookPath, credential, options = {}, nodeSettings = {}, name }) {
	const workflow = balancesWorkflow({
		path: hookPath,
		credential,
		name: name || `pause ${hookPath}`,
		parameters: { delivery: 'resumeOnCallback', options },
		nodeSettings,
	});
	const webhook = workflow.nodes.find((node) => node.name === 'Webhook');
	webhook.parameters = { httpMethod: 'POST', path: hookPath, responseMode: 'onReceived', options: {} };
	return workflow;
}

/**
 * A workflow made of one Khipu Santander AR Trigger whose credential holds `token`; `url` is its Production URL
 * (without the token) where the stack takes webhooks, `credential` the khipuCallbackApi credential.
 */
async function triggerWorkflow(stack, { token, statuses = 'both', ipAllowlist = '', options = {}, name } = {}) {
	const credential = await callbackCredential(stack, token);
	const trigger = khipuTriggerNode({ credential, statuses, ipAllowlist, options });
	const workflow = chain(name || `khipu trigger ${trigger.webhookId.slice(0, 8)}`, [trigger]);
	return { workflow, credential, url: `${stack.webhookUrl}/webhook/${trigger.webhookId}/khipu` };
}

/** Creates and activates a workflow on the stack's n8n. */
async function deployWorkflow(stack, workflow) {
	const created = await stack.client.createWorkflow(workflow);
	await stack.client.activateWorkflow(created.id);
	return created;
}

module.exports = { uniquePath, balancesWorkflow, pauseWorkflow, triggerWorkflow, deployWorkflow };

'use strict';
// The example workflows in examples/*.json (plain n8n exports) as n8n's public API takes them: the credential
// references and the example base URL swapped for those of the n8n they go to. `npm start` imports them
// (tools/start/examples.js); the suites and the bench run them, e.g. the scheduled alert over many accounts.
const fs = require('node:fs');
const path = require('node:path');
const { REPO_ROOT } = require('../lib/repo');

const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');
const EXAMPLE_BASE_URL = 'http://127.0.0.1:5678';
const CREDENTIAL_TYPE = 'khipuApi';
const CALLBACK_CREDENTIAL_TYPE = 'khipuCallbackApi';

// What the public API accepts (openapi.yml of 2.8.4: additionalProperties: false)
const NODE_FIELDS = [
	'id',
	'name',
	'webhookId',
	'disabled',
	'notesInFlow',
	'notes',
	'type',
	'typeVersion',
	'executeOnce',
	'alwaysOutputData',
	'retryOnFail',
	'maxTries',
	'waitBetweenTries',
	'continueOnFail',
	'onError',
	'position',
	'parameters',
	'credentials',
];
const SETTINGS_FIELDS = [
	'saveExecutionProgress',
	'saveManualExecutions',
	'saveDataErrorExecution',
	'saveDataSuccessExecution',
	'executionTimeout',
	'errorWorkflow',
	'timezone',
	'executionOrder',
	'callerPolicy',
	'callerIds',
	'timeSavedPerExecution',
];

function pickFields(obj, fields) {
	const out = {};
	for (const f of fields) if (obj[f] !== undefined) out[f] = obj[f];
	return out;
}

/** @returns {{file: string, workflow: object}[]} every examples/*.json, sorted by file name */
function loadExamples(dir = EXAMPLES_DIR) {
	return fs
		.readdirSync(dir)
		.filter((f) => f.endsWith('.json'))
		.sort()
		.map((f) => ({ file: path.join(dir, f), workflow: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) }));
}

function replaceStrings(value, replacements) {
	if (typeof value === 'string') {
		let s = value;
		for (const [from, to] of replacements) if (from !== to) s = s.split(from).join(to);
		return s;
	}
	if (Array.isArray(value)) return value.map((v) => replaceStrings(v, replacements));
	if (value && typeof value === 'object') {
		const out = {};
		for (const [k, v] of Object.entries(value)) out[k] = replaceStrings(v, replacements);
		return out;
	}
	return value;
}

/**
 * The body sent to POST/PUT /api/v1/workflows for one example.
 * @param {object} workflow      parsed example export
 * @param {{credential: {id: string, name: string}, callbackCredential?: {id: string, name: string}, baseUrl: string}} ctx
 */
function prepareWorkflow(workflow, { credential, callbackCredential, baseUrl }) {
	const replacements = [[EXAMPLE_BASE_URL, String(baseUrl).replace(/\/+$/, '')]];
	const ours = { [CREDENTIAL_TYPE]: credential, [CALLBACK_CREDENTIAL_TYPE]: callbackCredential };
	const nodes = workflow.nodes.map((node) => {
		const n = pickFields(node, NODE_FIELDS);
		n.parameters = replaceStrings(n.parameters || {}, replacements);
		for (const [type, created] of Object.entries(ours)) {
			if (created && n.credentials && n.credentials[type]) {
				n.credentials = { ...n.credentials, [type]: { id: String(created.id), name: created.name } };
			}
		}
		return n;
	});
	return {
		name: workflow.name,
		nodes,
		connections: workflow.connections || {},
		settings: pickFields(workflow.settings || { executionOrder: 'v1' }, SETTINGS_FIELDS),
	};
}

const ALERT_NAME = 'Khipu example: scheduled balance alert';

/**
 * The shipped scheduled-alert example over `accounts` ({accountNumber, label, minimumBalance}), its schedule
 * replaced by `rule` (a Schedule Trigger interval, e.g. {field: 'seconds', secondsInterval: 10} or
 * {field: 'cronExpression', expression: '7 * * * * *'}), the Khipu credential swapped in, every execution saved.
 */
function scheduledAlertWorkflow({ credential, accounts, rule, name }) {
	const example = loadExamples().find((e) => e.workflow.name === ALERT_NAME);
	if (!example) throw new Error(`example "${ALERT_NAME}" not found`);
	const body = prepareWorkflow(example.workflow, {
		credential: { id: String(credential.id), name: credential.name },
		baseUrl: EXAMPLE_BASE_URL,
	});
	body.name = name || ALERT_NAME;
	body.nodes.find((n) => n.name === 'Accounts and minimums').parameters.jsonOutput = JSON.stringify({ accounts });
	body.nodes.find((n) => n.type === 'n8n-nodes-base.scheduleTrigger').parameters.rule = { interval: [rule] };
	body.settings = { ...body.settings, saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' };
	return body;
}

module.exports = {
	loadExamples,
	prepareWorkflow,
	scheduledAlertWorkflow,
	ALERT_NAME,
	EXAMPLES_DIR,
	EXAMPLE_BASE_URL,
	CREDENTIAL_TYPE,
	CALLBACK_CREDENTIAL_TYPE,
};

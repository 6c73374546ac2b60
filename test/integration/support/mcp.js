'use strict';
// The balances node as an AI tool: workflows that hand it to n8n's MCP Server Trigger or to the
// Tool Executor, what the running n8n offers of those, and an MCP client (the official SDK).
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { SSEClientTransport } = require('@modelcontextprotocol/sdk/client/sse.js');

// The SDK's exports map sends package.json to dist/cjs/; its root one holds the version.
const SDK_ROOT = path.resolve(path.dirname(require.resolve('@modelcontextprotocol/sdk/client/index.js')), '../../..');
const SDK_VERSION = JSON.parse(fs.readFileSync(path.join(SDK_ROOT, 'package.json'), 'utf8')).version;

const { NODE_TYPE } = require('../../../tools/lib/repo');
const { SETTINGS, webhookNode, khipuNode } = require('../../../tools/workflows/nodes');

const TOOL_TYPE = `${NODE_TYPE}Tool`;
const MCP_TRIGGER_TYPE = '@n8n/n8n-nodes-langchain.mcpTrigger';
const TOOL_EXECUTOR_TYPE = '@n8n/n8n-nodes-langchain.toolExecutor';
const TOOL_NODE_NAME = 'Khipu Santander AR';
/** n8n names a node's tool after the node: spaces become underscores. */
const TOOL_NAME = 'Khipu_Santander_AR';

const TRANSPORTS = {
	streamableHttp: { label: 'Streamable HTTP', Transport: StreamableHTTPClientTransport },
	sse: { label: 'SSE', Transport: SSEClientTransport },
};

const versionsOf = (type) => (Array.isArray(type.version) ? type.version : [type.version]);

/**
 * What this n8n offers for AI tools, read from its node types: the MCP Server Trigger (newest
 * version, the transports its activation message names), the Tool Executor, and the tool variant
 * n8n generated from the package's `usableAsTool`.
 */
async function aiPieces(client) {
	const types = await client.getNodeTypes();
	const byName = (name) => types.filter((t) => t.name === name);
	const trigger = byName(MCP_TRIGGER_TYPE);
	const triggerVersions = trigger.flatMap(versionsOf).sort((a, b) => a - b);
	const message = trigger.map((t) => t.activationMessage || '').join(' ');
	const transports = Object.keys(TRANSPORTS).filter((key) => message.includes(TRANSPORTS[key].label));
	return {
		mcpTrigger: trigger.length > 0 ? { versions: triggerVersions, newest: triggerVersions.at(-1), transports } : null,
		toolExecutor: byName(TOOL_EXECUTOR_TYPE).length > 0,
		tool: byName(TOOL_TYPE)[0] || null,
	};
}

// The account number and the tool description are left to the node's tool-mode defaults.
const toolNode = ({ credential, parameters = {} }) =>
	khipuNode({ credential, parameters, name: TOOL_NODE_NAME, type: TOOL_TYPE, position: [0, 240] });

/** MCP Server Trigger <- Khipu tool. With `bearerCredential` the trigger wants `Authorization: Bearer`. */
function mcpWorkflow({ path: triggerPath, credential, triggerVersion, bearerCredential, toolParameters, name }) {
	const trigger = {
		id: crypto.randomUUID(),
		name: 'MCP Server Trigger',
		type: MCP_TRIGGER_TYPE,
		typeVersion: triggerVersion,
		position: [0, 0],
		webhookId: crypto.randomUUID(),
		parameters: { path: triggerPath, authentication: bearerCredential ? 'bearerAuth' : 'none' },
	};
	if (bearerCredential) {
		trigger.credentials = { httpBearerAuth: { id: String(bearerCredential.id), name: bearerCredential.name } };
	}
	return {
		name: name || `mcp ${triggerPath}`,
		nodes: [trigger, toolNode({ credential, parameters: toolParameters })],
		connections: { [TOOL_NODE_NAME]: { ai_tool: [[{ node: trigger.name, type: 'ai_tool', index: 0 }]] } },
		settings: SETTINGS,
	};
}

/** Webhook {accountNumber} -> Tool Executor <- Khipu tool; the webhook answers with the tool's result. */
function toolExecutorWorkflow({ path: hookPath, credential, name }) {
	return {
		name: name || `tool executor ${hookPath}`,
		nodes: [
			webhookNode(hookPath, { position: [-240, 0] }),
			{
				id: crypto.randomUUID(),
				name: 'Tool Executor',
				type: TOOL_EXECUTOR_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters: {
					query: `={{ JSON.stringify({ ${TOOL_NAME}: { accountNumber: $json.body.accountNumber } }) }}`,
					toolName: TOOL_NAME,
				},
			},
			toolNode({ credential }),
		],
		connections: {
			Webhook: { main: [[{ node: 'Tool Executor', type: 'main', index: 0 }]] },
			[TOOL_NODE_NAME]: { ai_tool: [[{ node: 'Tool Executor', type: 'ai_tool', index: 0 }]] },
		},
		settings: SETTINGS,
	};
}

/** Production MCP endpoint of a trigger path (n8n serves MCP triggers under /mcp/). */
function mcpUrl(baseUrl, triggerPath) {
	return new URL(`/mcp/${triggerPath}`, baseUrl);
}

/** An SDK client connected over `transport` ('streamableHttp' | 'sse'). */
async function connectMcp(url, transport, { bearerToken } = {}) {
	const headers = bearerToken ? { Authorization: `Bearer ${bearerToken}` } : {};
	const client = new Client({ name: 'khipu-integration-test', version: '1.0.0' });
	await client.connect(new TRANSPORTS[transport].Transport(url, { requestInit: { headers } }));
	return client;
}

/** A tool result's text is n8n's JSON of the node's output items; the node answers with one. */
function toolAnswers(text) {
	const parsed = JSON.parse(text);
	if (!Array.isArray(parsed)) throw new Error(`tool text is not a JSON list: ${text.slice(0, 200)}`);
	return parsed;
}

module.exports = {
	aiPieces,
	mcpWorkflow,
	toolExecutorWorkflow,
	mcpUrl,
	connectMcp,
	toolAnswers,
	TRANSPORTS,
	TOOL_TYPE,
	TOOL_NAME,
	TOOL_NODE_NAME,
	MCP_TRIGGER_TYPE,
	TOOL_EXECUTOR_TYPE,
	SDK_VERSION,
};

'use strict';
// Issue 12 proof: the balances node as an AI tool inside a real n8n. An activated workflow
// MCP Server Trigger <- Khipu Santander AR tool is called by the official MCP TypeScript SDK over
// every transport the trigger offers, and the same calls go through n8n's Tool Executor. Answers are
// compact, failures carry advice (no stack trace), bad input never reaches the sandbox, and no
// secret appears in anything a client gets back or n8n stores.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { startTestStack, SECRETS } = require('./support/stack');
const { deployWorkflow } = require('../../tools/workflows/workflows');
const {
	aiPieces,
	mcpWorkflow,
	toolExecutorWorkflow,
	mcpUrl,
	connectMcp,
	toolAnswers,
	TRANSPORTS,
	TOOL_NAME,
	SDK_VERSION,
} = require('./support/mcp');
const { scanSources } = require('./support/secrets');
const { REPO_ROOT } = require('../../tools/lib/repo');
const { DEFAULT_RUNTIME } = require('../../tools/runtime/paths');

jest.setTimeout(120_000);

const RUNTIME = process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME;
const BEARER_TOKEN = `mcp-${crypto.randomBytes(18).toString('base64url')}`;
const ACCOUNT_21 = '123456789012345678901';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;
/** n8n answers a missing or wrong bearer token with 403 "Authorization data is wrong!". */
const REFUSED_BY_N8N = /Authorization data is wrong|\(403\)/;
const STACK_FRAME = /\n\s+at\s|\.(?:js|ts):\d+:\d+/;

let stack;
let pieces;
let mcpPath;
const clients = {};
/** Everything a client received, for the secret scan at the end. */
const received = [];
let executorPath;
/** Deployed workflows and how many tool calls each gets in this suite (the secret scan waits for them). */
const workflows = [];
/** The six `calls through every route` tests call each route once. */
const CALLS_PER_ROUTE = 6;

const ARTIFACT = path.join(REPO_ROOT, 'artifacts', `mcp-${RUNTIME}.json`);
/** What this runtime offered and what the scan covered, kept in artifacts/ for the README's prose. */
function writeArtifact(key, value) {
	fs.mkdirSync(path.dirname(ARTIFACT), { recursive: true });
	const current = fs.existsSync(ARTIFACT) ? JSON.parse(fs.readFileSync(ARTIFACT, 'utf8')) : {};
	fs.writeFileSync(ARTIFACT, `${JSON.stringify({ ...current, [key]: value }, null, 2)}\n`);
}

function endpointRequests(account) {
	return stack.sandbox.state
		.requests()
		.filter((r) => r.path.startsWith('/v1/') && (account === undefined || r.accountNumber === account));
}

/** One route = one way a caller reaches the tool; each returns the node's answers for an account. */
function routes() {
	const list = pieces.mcpTrigger.transports.map((transport) => ({
		name: `MCP over ${TRANSPORTS[transport].label}`,
		async call(accountNumber) {
			const result = await clients[transport].callTool({ name: TOOL_NAME, arguments: { accountNumber } });
			received.push(JSON.stringify(result));
			expect(result.content).toHaveLength(1);
			expect(result.content[0].type).toBe('text');
			// Failures are answers with advice, not MCP errors: n8n 2.8 would add the server's stack trace.
			expect(result.isError).toBeFalsy();
			expect(result.content[0].text).not.toMatch(STACK_FRAME);
			return toolAnswers(result.content[0].text);
		},
	}));
	if (pieces.toolExecutor) {
		list.push({
			name: 'Tool Executor',
			async call(accountNumber) {
				const response = await stack.client.callWebhook(executorPath, { accountNumber });
				received.push(JSON.stringify(response.body));
				expect(response.status).toBe(200);
				expect(response.body).toHaveLength(1);
				expect(response.body[0]).not.toMatch(STACK_FRAME);
				return toolAnswers(response.body[0]);
			},
		});
	}
	return list;
}

/** Calls the account through every route; each call must reach the sandbox exactly `requestsPerCall` times. */
async function callEverywhere(accountNumber, requestsPerCall = 1) {
	const answers = [];
	for (const route of routes()) {
		const before = endpointRequests(accountNumber).length;
		const answer = await route.call(accountNumber);
		expect({ route: route.name, requests: endpointRequests(accountNumber).length - before }).toEqual({
			route: route.name,
			requests: requestsPerCall,
		});
		expect({ route: route.name, count: answer.length }).toEqual({ route: route.name, count: 1 });
		answers.push({ route: route.name, answer: answer[0] });
	}
	return answers;
}

beforeAll(async () => {
	fs.rmSync(ARTIFACT, { force: true });
	stack = await startTestStack();
	pieces = await aiPieces(stack.client);
	// The Khipu API-key credential with the Santander login: the bank login travels with every
	// request, so the secret scan below has something to find if it leaked.
	const credential = stack.credentials.apiKeyLogin;
	const bearer = await stack.client.createCredential({
		name: 'MCP clients',
		type: 'httpBearerAuth',
		data: { token: BEARER_TOKEN, useCustomAuth: false },
	});
	if (pieces.mcpTrigger) {
		mcpPath = stack.uniquePath('mcp');
		workflows.push({
			workflow: await deployWorkflow(
				stack,
				mcpWorkflow({ path: mcpPath, credential, triggerVersion: pieces.mcpTrigger.newest, bearerCredential: bearer }),
			),
			calls: pieces.mcpTrigger.transports.length * CALLS_PER_ROUTE,
		});
		for (const transport of pieces.mcpTrigger.transports) {
			clients[transport] = await connectMcp(mcpUrl(stack.n8n.baseUrl, mcpPath), transport, {
				bearerToken: BEARER_TOKEN,
			});
		}
	}
	if (pieces.toolExecutor) {
		executorPath = stack.uniquePath('tool');
		workflows.push({
			workflow: await deployWorkflow(stack, toolExecutorWorkflow({ path: executorPath, credential })),
			calls: CALLS_PER_ROUTE,
		});
	}
}, 900_000);

afterAll(async () => {
	for (const client of Object.values(clients)) await client.close().catch(() => {});
	if (stack) await stack.stop();
}, 30_000);

beforeEach(async () => {
	await stack.sandbox.state.reset();
});

describe('what this n8n offers', () => {
	test('the tool variant, the MCP Server Trigger with its transports, and the Tool Executor', () => {
		const offered = {
			runtime: RUNTIME,
			mcpSdk: SDK_VERSION,
			mcpTrigger: pieces.mcpTrigger,
			toolExecutor: pieces.toolExecutor,
			routes: routes().map((r) => r.name),
		};
		writeArtifact('offered', offered);
		// n8n generated the tool variant from usableAsTool, with the node's own tool fields.
		expect(pieces.tool).toMatchObject({ displayName: 'Khipu Santander AR Tool', outputs: ['ai_tool'] });
		const toolFields = pieces.tool.properties.filter((p) => p.displayOptions?.show?.['@tool']);
		expect(toolFields.map((p) => p.name).sort()).toEqual(['accountNumber', 'toolDescription']);
		// Every version CI runs has the trigger; the proof depends on it.
		expect(pieces.mcpTrigger).not.toBeNull();
		expect(pieces.mcpTrigger.transports.length).toBeGreaterThan(0);
	});
});

describe('MCP Server Trigger with the official MCP SDK', () => {
	test('a client without the bearer token is refused', async () => {
		for (const transport of pieces.mcpTrigger.transports) {
			await expect(connectMcp(mcpUrl(stack.n8n.baseUrl, mcpPath), transport)).rejects.toThrow(REFUSED_BY_N8N);
			await expect(
				connectMcp(mcpUrl(stack.n8n.baseUrl, mcpPath), transport, { bearerToken: 'not-the-token' }),
			).rejects.toThrow(REFUSED_BY_N8N);
		}
		expect(endpointRequests()).toHaveLength(0);
	});

	test('lists the tool: name, a description that says what it returns, a schema requiring the account number', async () => {
		for (const transport of pieces.mcpTrigger.transports) {
			const listed = await clients[transport].listTools();
			received.push(JSON.stringify(listed));
			expect(listed.tools.map((t) => t.name)).toEqual([TOOL_NAME]);
			const [tool] = listed.tools;
			expect(tool.description).toMatch(/Banco Santander Argentina/);
			expect(tool.description).toMatch(/Returns .*balances/);
			expect(tool.description).toMatch(/negative for Debit/);
			expect(tool.description).toMatch(/at most 20 characters/);
			expect(tool.description).toMatch(/advice/);
			expect(tool.inputSchema.type).toBe('object');
			expect(tool.inputSchema.required).toEqual(['accountNumber']);
			expect(Object.keys(tool.inputSchema.properties)).toEqual(['accountNumber']);
			expect(tool.inputSchema.properties.accountNumber.type).toBe('string');
			expect(tool.inputSchema.properties.accountNumber.description).toMatch(/at most 20 characters/);
		}
	});
});

describe('calls through every route', () => {
	test('OK: compact answer with the simplified balance', async () => {
		for (const { route, answer } of await callEverywhere('000011887755')) {
			expect({ route, answer }).toEqual({
				route,
				answer: {
					status: 'OK',
					accountNumber: '000011887755',
					operationId: expect.stringMatching(UUID),
					balances: [
						{
							balanceType: 'InterimAvailable',
							creditDebitIndicator: 'Credit',
							amount: 125000,
							currency: 'ARS',
							dateTime: expect.stringMatching(ISO_DATE_TIME),
						},
					],
				},
			});
		}
		// The tool sent the bank login Khipu needs with an API key.
		expect(endpointRequests().map((r) => r.accountCredentialKind)).toEqual(routes().map(() => 'SantanderLogin'));
	});

	test('Debit: the amount is negative', async () => {
		for (const { route, answer } of await callEverywhere('1000000004')) {
			expect({ route, status: answer.status, balances: answer.balances }).toEqual({
				route,
				status: 'OK',
				balances: [expect.objectContaining({ creditDebitIndicator: 'Debit', amount: -1520.5, currency: 'ARS' })],
			});
		}
	});

	test('multi-currency: one balance entry per currency', async () => {
		for (const { route, answer } of await callEverywhere('1000000005')) {
			expect({ route, currencies: answer.balances.map((b) => b.currency).sort() }).toEqual({
				route,
				currencies: ['ARS', 'USD'],
			});
			for (const balance of answer.balances) expect(typeof balance.amount).toBe('number');
		}
	});

	test('DO_NOT_RETRY: an ERROR answer with the advice, sent once', async () => {
		for (const { route, answer } of await callEverywhere('2000000003')) {
			expect({ route, answer }).toEqual({
				route,
				answer: {
					status: 'ERROR',
					accountNumber: '2000000003',
					error: 'Khipu error E101 (DO_NOT_RETRY): Invalid bank credentials',
					type: 'DO_NOT_RETRY',
					code: 'E101',
					operationId: expect.stringMatching(UUID),
					advice: expect.stringMatching(/^Retrying will not help: fix the cause first/),
				},
			});
		}
	});

	test('WAIT_4_HOURS_BEFORE_RETRY: the advice names the earliest time to retry', async () => {
		for (const { route, answer } of await callEverywhere('2000000004')) {
			expect({ route, status: answer.status, type: answer.type }).toEqual({
				route,
				status: 'ERROR',
				type: 'WAIT_4_HOURS_BEFORE_RETRY',
			});
			const at = /Do not retry before (\S+) \(4 hours from now\)/.exec(answer.advice);
			expect(at).not.toBeNull();
			const hoursAhead = (Date.parse(at[1]) - Date.now()) / 3_600_000;
			expect(hoursAhead).toBeGreaterThan(3.9);
			expect(hoursAhead).toBeLessThanOrEqual(4);
		}
	});

	test('a 21-character account is refused and nothing reaches the sandbox', async () => {
		for (const { route, answer } of await callEverywhere(ACCOUNT_21, 0)) {
			expect({ route, answer }).toEqual({
				route,
				answer: {
					status: 'REFUSED',
					error: 'Account Number is 21 characters long; Khipu accepts at most 20',
					field: 'Account Number',
					advice: 'Nothing was sent to Khipu. Ask the user for the correct account number, then call the tool again.',
				},
			});
		}
		expect(endpointRequests()).toHaveLength(0);
	});
});

describe('pause delivery as a tool', () => {
	test('is refused with a clear message before any request', async () => {
		const pausePath = stack.uniquePath('mcp-pause');
		const workflow = await deployWorkflow(
			stack,
			mcpWorkflow({
				path: pausePath,
				credential: stack.credentials.jwt,
				triggerVersion: pieces.mcpTrigger.newest,
				toolParameters: { delivery: 'resumeOnCallback' },
			}),
		);
		workflows.push({ workflow, calls: 1 });
		const transport = pieces.mcpTrigger.transports[0];
		const client = await connectMcp(mcpUrl(stack.n8n.baseUrl, pausePath), transport);
		try {
			const result = await client.callTool({ name: TOOL_NAME, arguments: { accountNumber: '000011887755' } });
			received.push(JSON.stringify(result));
			expect(toolAnswers(result.content[0].text)).toEqual([
				{
					status: 'REFUSED',
					error: '"Pause This Workflow Until Khipu Calls Back" cannot run as an AI tool',
					field: 'Delivery',
					advice: expect.stringContaining('set this tool\'s Delivery to "Wait for the Response"'),
				},
			]);
		} finally {
			await client.close();
		}
		expect(endpointRequests()).toHaveLength(0);
	});
});

describe('secrets', () => {
	test('no JWT, API key, bank login or MCP token in MCP responses, tool output or stored executions', async () => {
		const secrets = { ...SECRETS, mcpBearerToken: BEARER_TOKEN };
		// The scanner finds a leaked value, so an empty result means something.
		expect(scanSources(secrets, { control: `{"Password":"${SECRETS.pin}","Jwt":"${SECRETS.jwt}"}` })).toEqual({
			pin: { control: 1 },
			jwt: { control: 1 },
		});
		const sources = { mcpAndToolExecutorResponses: received.join('\n'), n8nLog: stack.n8nLog() };
		let executionCount = 0;
		// n8n saves one execution per tool call (holding the tool's input and answer); wait for all.
		for (const { workflow, calls } of workflows) {
			const executions = await stack.client.waitForExecutions({
				workflowId: workflow.id,
				count: calls,
				includeData: true,
				timeoutMs: 30_000,
			});
			executionCount += executions.length;
			sources[`executions of ${workflow.name}`] = JSON.stringify(executions);
		}
		expect(received.length).toBeGreaterThanOrEqual(routes().length * CALLS_PER_ROUTE);
		expect(executionCount).toBe(workflows.reduce((sum, w) => sum + w.calls, 0));
		expect(scanSources(secrets, sources)).toEqual({});
		const bytes = Object.values(sources).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
		writeArtifact('secretScan', { responses: received.length, executions: executionCount, bytes, found: 0 });
	});
});

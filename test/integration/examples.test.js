'use strict';
// The example workflows in examples/ imported into a real n8n 2.8.4 the way `npm start` imports them
// (tools/start/environment.js, same code), then run against the Khipu sandbox. The notification step
// is swapped for a No-Op, and the Schedule / Manual triggers for Webhook triggers (n8n 2.8.4's API can't
// start those), in test copies; the shipped scheduled workflow also runs unchanged the way the editor's
// "Execute workflow" button runs it.
const crypto = require('node:crypto');
const { setTimeout: sleep } = require('node:timers/promises');

const { NODE_TYPE: KHIPU_NODE, TRIGGER_TYPE } = require('../../tools/lib/repo');
const { uniquePath } = require('../../tools/workflows/workflows');
const { nodeRun: runOf } = require('../../tools/n8n-client/executions');
const { importExamples, loadExamples, EXAMPLE_BASE_URL } = require('../../tools/start/examples');
const { BOOKKEEPING_TABLE } = require('../../tools/start/dataTable');
const { webhookNode } = require('../../tools/workflows/nodes');
const { startExamplesStack, startTimeoutMs, swapNode, NO_OP } = require('./support/examples-stack');
const { undefinedParameters, loadPackageNodeTypes, descriptionFor } = require('./support/node-parameters');
const { connectMcp, mcpUrl, toolAnswers, MCP_TRIGGER_TYPE, TOOL_NAME } = require('./support/mcp');
const { postRaw } = require('../../tools/n8n-client/http');
const { n8nBehaviours } = require('./support/n8n-version');

jest.setTimeout(120_000);

const NAMES = {
	alert: 'Khipu example: scheduled balance alert',
	request: 'Khipu example: request balances by callback',
	receiver: 'Khipu example: receive balances (trigger)',
	overdue: 'Khipu example: overdue callbacks',
	pause: 'Khipu example: pause until Khipu calls back',
	mcp: 'Khipu balances for AI assistants (MCP)',
};

let stack;

function outputOf(execution, nodeName, index = 0) {
	return (runOf(execution, nodeName)?.data?.main?.[index] ?? []).map((item) => item.json);
}

/** A copy of an imported example under a new name, modified by `change`, created (not activated). */
async function testCopy(name, change) {
	const original = await stack.client.getWorkflow(stack.workflowByName(name).id);
	const copy = {
		name: `test copy ${crypto.randomBytes(3).toString('hex')} of ${name}`,
		nodes: JSON.parse(JSON.stringify(original.nodes)),
		connections: original.connections,
		settings: {
			executionOrder: 'v1',
			saveDataSuccessExecution: 'all',
			saveDataErrorExecution: 'all',
			timezone: original.settings?.timezone,
		},
	};
	change(copy);
	return stack.client.createWorkflow(copy);
}

async function newExecutions(workflowId, known, { count = 1, timeoutMs = 60_000, status } = {}) {
	const all = await stack.client.waitForExecutions({
		workflowId,
		count: known.size + count,
		timeoutMs,
		includeData: true,
		status,
	});
	return all.filter((e) => !known.has(String(e.id))).sort((a, b) => Number(a.id) - Number(b.id));
}

/** The sandbox's test settings: GET reads them, POST changes them; answers the settings now in force. */
async function sandboxConfig(method, patch) {
	const res = await fetch(`${stack.sandbox.url}/__sandbox/config`, {
		method,
		headers: { 'content-type': 'application/json' },
		body: patch && JSON.stringify(patch),
	});
	expect(res.status).toBe(200);
	return res.json();
}

/** The sandbox's deliveries of one OperationId, once there are `count` of them (or the time is up). */
async function sandboxDeliveries(operationId, count, timeoutMs) {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const all = await (await fetch(`${stack.sandbox.url}/__sandbox/callbacks`)).json();
		const mine = all.filter((d) => d.operationId === operationId);
		if (mine.length >= count || Date.now() > until) return mine;
		await sleep(100);
	}
}

beforeAll(async () => {
	stack = await startExamplesStack();
}, startTimeoutMs());

afterAll(async () => {
	if (stack) await stack.stop();
}, 60_000);

describe('the examples match the nodes', () => {
	test('every parameter and option an example sets on a Khipu node is one the built node defines and shows', () => {
		const types = loadPackageNodeTypes();
		const checked = [];
		const problems = [];
		for (const { file, workflow } of loadExamples()) {
			for (const node of workflow.nodes.filter((n) => n.type.startsWith('n8n-nodes-khipu-santander-ar.'))) {
				const description = descriptionFor(types, node);
				const where = `${file.split('/').pop()} / ${node.name}`;
				if (!description) problems.push(`${where}: no ${node.type} version ${node.typeVersion} in dist/`);
				else problems.push(...undefinedParameters(description, node).map((problem) => `${where}: ${problem}`));
				checked.push(where);
			}
		}
		expect(problems).toEqual([]);
		// Every example but the overdue lister (it reads only the data table) has a Khipu node, so none slipped past the check.
		const withoutKhipuNode = ['callback-overdue.json'];
		const checkedFiles = [...new Set(checked.map((where) => where.split(' / ')[0]))].sort();
		const expectedFiles = loadExamples()
			.map(({ file }) => file.split('/').pop())
			.filter((name) => !withoutKhipuNode.includes(name))
			.sort();
		expect(checkedFiles).toEqual(expectedFiles);
	});
});

describe('importing the examples', () => {
	test('every example is imported once, Khipu credentials point at the created credential', async () => {
		const files = loadExamples();
		expect(files.map((f) => f.workflow.name).sort()).toEqual(Object.values(NAMES).sort());
		for (const { workflow } of files) {
			const imported = await stack.client.getWorkflow(stack.workflowByName(workflow.name).id);
			const khipuNodes = imported.nodes.filter(
				(n) => n.type.startsWith('n8n-nodes-khipu-santander-ar.') && n.type !== TRIGGER_TYPE,
			);
			for (const node of khipuNodes) {
				expect({ node: node.name, credential: node.credentials?.khipuApi }).toEqual({
					node: node.name,
					credential: { id: stack.credential.id, name: 'Khipu (sandbox)' },
				});
			}
			for (const node of imported.nodes.filter((n) => n.credentials?.khipuCallbackApi)) {
				expect({ node: node.name, credential: node.credentials.khipuCallbackApi }).toEqual({
					node: node.name,
					credential: { id: stack.callbackCredential.id, name: 'Khipu callback token' },
				});
			}
			// every sticky note explains something
			expect(imported.nodes.filter((n) => n.type === 'n8n-nodes-base.stickyNote').length).toBeGreaterThan(0);
			expect(JSON.stringify(imported)).not.toContain(stack.callbackToken);
		}
	});

	test('the callback pair is wired to this n8n: trigger URL without a token, one generated token in a shared credential, receiver active', async () => {
		const request = await stack.client.getWorkflow(stack.workflowByName(NAMES.request).id);
		const receiver = await stack.client.getWorkflow(stack.workflowByName(NAMES.receiver).id);
		const trigger = receiver.nodes.find((n) => n.type === TRIGGER_TYPE);
		const khipu = request.nodes.find((n) => n.type === KHIPU_NODE);
		expect(khipu.parameters.callbackUrl).toBe(`${stack.n8n.baseUrl}/webhook/${trigger.webhookId}/khipu`);
		expect(khipu.credentials.khipuCallbackApi.id).toBe(stack.callbackCredential.id);
		expect(trigger.credentials.khipuCallbackApi.id).toBe(stack.callbackCredential.id);
		expect(trigger.parameters).not.toHaveProperty('callbackToken');
		expect(stack.callbackToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
		expect(receiver.active).toBe(true);
		if (stack.n8n.baseUrl !== EXAMPLE_BASE_URL) expect(JSON.stringify(request.nodes)).not.toContain(EXAMPLE_BASE_URL);
		// The data table the bookkeeping uses exists with its columns.
		const tables = await stack.client.api('GET', '/data-tables?limit=100');
		const table = tables.data.find((t) => t.name === BOOKKEEPING_TABLE.name);
		expect(table).toBeDefined();
		expect(String(table.id)).toBe(stack.dataTable.id);
		expect(table.columns.map((c) => [c.name, c.type]).sort()).toEqual(
			BOOKKEEPING_TABLE.columns.map((c) => [c.name, c.type]).sort(),
		);
	});

	test('the scheduled alert is imported inactive and its notification step is disabled', async () => {
		const alert = await stack.client.getWorkflow(stack.workflowByName(NAMES.alert).id);
		expect(alert.active).toBe(false);
		const notify = alert.nodes.find((n) => n.name === 'Notify treasury');
		expect(notify).toMatchObject({ type: 'n8n-nodes-base.emailSend', disabled: true });
		expect(
			alert.nodes.find((n) => n.type === 'n8n-nodes-base.scheduleTrigger').parameters.rule.interval[0],
		).toMatchObject({
			field: 'weeks',
			triggerAtDay: [1, 2, 3, 4, 5],
			triggerAtHour: 8,
			triggerAtMinute: 30,
		});
		expect(alert.settings.timezone).toBe('America/Argentina/Buenos_Aires');
	});

	test('importing again updates in place (no duplicates) and keeps a workflow the user edited', async () => {
		const state = JSON.parse(JSON.stringify(require('../../tools/start/environment').readState(stack.dataDir)));
		const ctx = {
			credential: stack.credential,
			callbackCredential: stack.callbackCredential,
			baseUrl: stack.n8n.baseUrl,
			state,
		};
		const again = await importExamples(stack.client, ctx);
		expect(again.map((r) => r.action)).toEqual(again.map(() => 'unchanged'));

		// the user edits the pause workflow in n8n
		const pauseId = stack.workflowByName(NAMES.pause).id;
		const pause = await stack.client.getWorkflow(pauseId);
		pause.nodes.find((n) => n.name === 'Account').parameters.assignments.assignments[0].value = '000011887755';
		await stack.client.api('PUT', `/workflows/${pauseId}`, {
			name: pause.name,
			nodes: pause.nodes,
			connections: pause.connections,
			settings: { executionOrder: 'v1' },
		});
		const kept = await importExamples(stack.client, ctx);
		expect(kept.find((r) => r.name === NAMES.pause).action).toMatch(/^kept/);
		expect(
			(await stack.client.getWorkflow(pauseId)).nodes.find((n) => n.name === 'Account').parameters.assignments
				.assignments[0].value,
		).toBe('000011887755');

		const reset = await importExamples(stack.client, { ...ctx, resetExamples: true });
		expect(reset.find((r) => r.name === NAMES.pause).action).toBe('updated');
		expect(
			(await stack.client.getWorkflow(pauseId)).nodes.find((n) => n.name === 'Account').parameters.assignments
				.assignments[0].value,
		).toBe('1000000005');

		for (const name of Object.values(NAMES)) {
			const listed = await stack.client.api('GET', `/workflows?name=${encodeURIComponent(name)}`);
			expect({ name, count: listed.data.filter((w) => w.name === name).length }).toEqual({ name, count: 1 });
		}
	});
});

describe('scheduled balance alert', () => {
	test("webhook-started copy: IF splits balances by each account's minimum, summary item is readable", async () => {
		const hookPath = uniquePath('alert');
		const wf = await testCopy(NAMES.alert, (copy) => {
			swapNode(
				copy,
				'Every weekday at 08:30',
				webhookNode(hookPath, { responseMode: 'lastNode', responseData: 'firstEntryJson' }),
			);
			swapNode(copy, 'Notify treasury', NO_OP);
		});
		await stack.client.activateWorkflow(wf.id);
		const res = await stack.client.callWebhook(hookPath, {});
		expect(res.status).toBe(200);
		const summary = res.body;
		expect(summary).toMatchObject({
			title: 'Khipu balances: 3 of 4 below the minimum',
			balancesChecked: 4,
			belowMinimumCount: 3,
			belowMinimum: [
				'Operating account (000011887755): ARS 125000.00 is below the minimum of 200000.00',
				'Payroll account (1000000004): ARS -1520.50 is below the minimum of 0.00',
				'Treasury (ARS + USD) (1000000005): USD 1250.00 is below the minimum of 2000.00',
			],
			ok: ['Treasury (ARS + USD) (1000000005): ARS 843210.55'],
		});
		expect(summary.text.split('\n')).toEqual([
			'Khipu balances: 3 of 4 below the minimum',
			'! Operating account (000011887755): ARS 125000.00 is below the minimum of 200000.00',
			'! Payroll account (1000000004): ARS -1520.50 is below the minimum of 0.00',
			'! Treasury (ARS + USD) (1000000005): USD 1250.00 is below the minimum of 2000.00',
			'  Treasury (ARS + USD) (1000000005): ARS 843210.55',
		]);
		expect(Number.isNaN(Date.parse(summary.checkedAt))).toBe(false);

		const [execution] = await stack.client.waitForExecutions({
			workflowId: wf.id,
			count: 1,
			includeData: true,
			timeoutMs: 30_000,
		});
		expect(execution.status).toBe('success');
		const below = outputOf(execution, 'Below the minimum?', 0);
		const above = outputOf(execution, 'Below the minimum?', 1);
		expect(below.map((b) => [b.accountNumber, b.currency, b.amount, b.minimumBalance])).toEqual([
			['000011887755', 'ARS', 125000, 200000],
			['1000000004', 'ARS', -1520.5, 0],
			['1000000005', 'USD', 1250, 2000],
		]);
		expect(above.map((b) => [b.accountNumber, b.currency, b.amount, b.minimumBalance])).toEqual([
			['1000000005', 'ARS', 843210.55, 500000],
		]);
		// the notification step (here a No-Op) gets one item per alert, with the message in `line`
		expect(outputOf(execution, 'Notify treasury').map((i) => i.line)).toEqual(summary.belowMinimum);
		await stack.client.deactivateWorkflow(wf.id);
	});

	test('raising a minimum moves that balance to the alert branch; all OK gives an all-clear summary', async () => {
		const hookPath = uniquePath('alert-ok');
		const wf = await testCopy(NAMES.alert, (copy) => {
			swapNode(
				copy,
				'Every weekday at 08:30',
				webhookNode(hookPath, { responseMode: 'lastNode', responseData: 'firstEntryJson' }),
			);
			swapNode(copy, 'Notify treasury', NO_OP);
			const accounts = copy.nodes.find((n) => n.name === 'Accounts and minimums');
			accounts.parameters.jsonOutput = JSON.stringify({
				accounts: [
					{ accountNumber: '000011887755', label: 'Operating', minimumBalance: { ARS: 125000 } },
					{ accountNumber: '1000000005', label: 'Treasury', minimumBalance: { ARS: 843210.55 } },
				],
			});
		});
		await stack.client.activateWorkflow(wf.id);
		const res = await stack.client.callWebhook(hookPath, {});
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({
			title: 'Khipu balances: all 3 at or above the minimum',
			balancesChecked: 3,
			belowMinimumCount: 0,
			belowMinimum: [],
			ok: [
				'Operating (000011887755): ARS 125000.00',
				'Treasury (1000000005): ARS 843210.55',
				'Treasury (1000000005): USD 1250.00',
			],
		});
		const [execution] = await stack.client.waitForExecutions({
			workflowId: wf.id,
			count: 1,
			includeData: true,
			timeoutMs: 30_000,
		});
		expect(outputOf(execution, 'Below the minimum?', 0)).toEqual([]);
		expect(runOf(execution, 'Notify treasury')).toBeUndefined();
		await stack.client.deactivateWorkflow(wf.id);
	});

	test('the imported workflow as shipped runs from its Schedule Trigger like "Execute workflow" in the editor', async () => {
		// what the editor's "Execute workflow" button sends (POST /rest/workflows/:id/run, cookie auth);
		// the notification step is disabled as shipped, so nothing is sent anywhere
		const id = stack.workflowByName(NAMES.alert).id;
		const known = new Set((await stack.client.listExecutions({ workflowId: id })).map((e) => String(e.id)));
		const workflowData = await stack.client.rest('GET', `/workflows/${id}`);
		const started = await stack.client.rest('POST', `/workflows/${id}/run`, {
			workflowData: workflowData.data || workflowData,
			triggerToStartFrom: { name: 'Every weekday at 08:30' },
		});
		expect((started.data || started).executionId).toBeTruthy();
		const [execution] = await newExecutions(id, known, { timeoutMs: 30_000 });
		expect(execution).toMatchObject({ status: 'success', mode: 'manual' });
		expect(outputOf(execution, 'Every weekday at 08:30')).toEqual([
			expect.objectContaining({ Timezone: expect.stringContaining('America/Argentina/Buenos_Aires') }),
		]);
		// the disabled notification step passed its items through untouched
		expect(outputOf(execution, 'Notify treasury')).toHaveLength(3);
		expect(outputOf(execution, 'Summary')).toEqual([
			expect.objectContaining({ title: 'Khipu balances: 3 of 4 below the minimum', belowMinimumCount: 3 }),
		]);
	});
});

describe('callback pair with bookkeeping in a data table', () => {
	const tableId = () => stack.dataTable.id;

	const tableRows = () => stack.client.listAll(`/data-tables/${tableId()}/rows`, { limit: '250' });

	async function rowsFor(operationIds, predicate = () => true, timeoutMs = 30_000) {
		const until = Date.now() + timeoutMs;
		for (;;) {
			const rows = (await tableRows()).filter((r) => operationIds.includes(r.operationId));
			if (predicate(rows) || Date.now() > until) return rows;
			await sleep(250);
		}
	}

	/** Runs a webhook-started copy of the request workflow (optionally with other accounts); returns its ACCEPTED items. */
	async function request(accounts) {
		const hookPath = uniquePath('request');
		const wf = await testCopy(NAMES.request, (copy) => {
			swapNode(copy, 'When clicking ‘Execute workflow’', webhookNode(hookPath));
			if (accounts) copy.nodes.find((n) => n.name === 'Accounts').parameters.jsonOutput = JSON.stringify({ accounts });
		});
		await stack.client.activateWorkflow(wf.id);
		const res = await stack.client.callWebhook(hookPath, {});
		expect(res.status).toBe(200);
		const [execution] = await stack.client.waitForExecutions({
			workflowId: wf.id,
			count: 1,
			includeData: true,
			timeoutMs: 60_000,
		});
		expect(execution.status).toBe('success');
		await stack.client.deactivateWorkflow(wf.id);
		return outputOf(execution, 'Request balances');
	}

	afterAll(async () => {
		if (stack) await sandboxConfig('POST', { lifeSpanMs: 15 * 60 * 1000 });
	});

	test('request records every accepted OperationId; the receiver marks results; the overdue workflow alerts on the account that never calls back', async () => {
		const receiverId = stack.workflowByName(NAMES.receiver).id;
		const known = new Set((await stack.client.listExecutions({ workflowId: receiverId })).map((e) => String(e.id)));
		// A short LifeSpan so the account that never calls back (5000000001) is overdue within the test.
		await sandboxConfig('POST', { lifeSpanMs: 4000 });
		const accepted = await request();
		expect(accepted.map((a) => [a.accountNumber, a.reference, a.status])).toEqual([
			['000011887755', 'operating', 'ACCEPTED'],
			['1000000005', 'treasury', 'ACCEPTED'],
			['5000000001', 'sandbox: never calls back', 'ACCEPTED'],
		]);
		const ids = accepted.map((a) => a.operationId);
		const [operating, treasury, never] = ids;

		// Two results come back, each in its own execution, with account and reference from the URL.
		const executions = await newExecutions(receiverId, known, { count: 2 });
		expect(executions.map((e) => e.status)).toEqual(['success', 'success']);
		const byOperation = {};
		for (const e of executions) {
			for (const item of outputOf(e, 'Readable balance')) (byOperation[item.operationId] ||= []).push(item);
		}
		expect(byOperation[operating].map((i) => [i.accountNumber, i.reference, i.line])).toEqual([
			['000011887755', 'operating', 'ARS 125000.00 (InterimAvailable)'],
		]);
		expect(byOperation[treasury].map((i) => [i.accountNumber, i.reference, i.line])).toEqual([
			['1000000005', 'treasury', 'ARS 843210.55 (InterimAvailable)'],
			['1000000005', 'treasury', 'USD 1250.00 (InterimAvailable)'],
		]);
		for (const item of [...byOperation[operating], ...byOperation[treasury]]) {
			expect(item.callbackUrl).toMatch(/\/khipu\?token=\*\*\*$/);
			expect(JSON.stringify(item)).not.toContain(stack.callbackToken);
		}

		// The table: one row per accepted request, two received, one waiting.
		const rows = await rowsFor(
			ids,
			(r) => r.length === 3 && r.every((row) => row.lifeSpan) && r.filter((row) => row.receivedAt).length === 2,
		);
		const view = Object.fromEntries(
			rows.map((r) => [
				r.operationId,
				[r.accountNumber, r.reference, r.resultStatus, !!r.receivedAt, Number.isNaN(Date.parse(r.lifeSpan))],
			]),
		);
		expect(view).toEqual({
			[operating]: ['000011887755', 'operating', 'OK', true, false],
			[treasury]: ['1000000005', 'treasury', 'OK', true, false],
			[never]: ['5000000001', 'sandbox: never calls back', null, false, false],
		});
		expect(Date.parse(rows.find((r) => r.operationId === never).lifeSpan)).toBe(Date.parse(accepted[2].lifeSpan));

		// Once the LifeSpan has passed, the overdue workflow raises one alert item naming that account only.
		await sleep(Math.max(0, Date.parse(accepted[2].lifeSpan) - Date.now()) + 500);
		const hookPath = uniquePath('overdue');
		const wf = await testCopy(NAMES.overdue, (copy) =>
			swapNode(
				copy,
				'Every 15 minutes',
				webhookNode(hookPath, { responseMode: 'lastNode', responseData: 'firstEntryJson' }),
			),
		);
		await stack.client.activateWorkflow(wf.id);
		const res = await stack.client.callWebhook(hookPath, {});
		expect(res.status).toBe(200);
		const alert = res.body;
		expect(alert).toMatchObject({
			alert: true,
			title: expect.stringMatching(/^Khipu: \d+ balance request\(s\) without a result after their LifeSpan$/),
		});
		const mine = alert.overdue.filter((o) => ids.includes(o.operationId));
		expect(mine).toEqual([
			{
				accountNumber: '5000000001',
				reference: 'sandbox: never calls back',
				operationId: never,
				lifeSpan: expect.any(String),
			},
		]);
		expect(alert.text).toContain(`! 5000000001 (sandbox: never calls back): no result, LifeSpan ended`);
		await stack.client.deactivateWorkflow(wf.id);
	});

	test("a result delivered twice (account 5000000002) is recorded once; a replay with the trigger's repeat filter off changes nothing either", async () => {
		const receiverId = stack.workflowByName(NAMES.receiver).id;
		const known = new Set((await stack.client.listExecutions({ workflowId: receiverId })).map((e) => String(e.id)));
		const [accepted] = await request([{ accountNumber: '5000000002', reference: 'twice' }]);
		expect(accepted).toMatchObject({ accountNumber: '5000000002', reference: 'twice', status: 'ACCEPTED' });

		// The sandbox delivers the same envelope twice; both are acknowledged, one execution starts.
		const deliveries = await sandboxDeliveries(accepted.operationId, 2, 20_000);
		expect(deliveries.map((d) => d.statusCode)).toEqual([200, 200]);
		const executions = await newExecutions(receiverId, known, { count: 1 });
		await sleep(1500);
		expect(
			(await stack.client.listExecutions({ workflowId: receiverId })).filter((e) => !known.has(String(e.id))),
		).toHaveLength(1);
		expect(executions[0].status).toBe('success');
		const [row] = await rowsFor([accepted.operationId], (r) => r.length === 1 && r[0].receivedAt && r[0].lifeSpan);
		expect(row).toMatchObject({ accountNumber: '5000000002', reference: 'twice', resultStatus: 'OK' });
		expect(await rowsFor([accepted.operationId])).toHaveLength(1);

		// A receiver copy without the trigger's repeat filter, sent the same result twice: two executions,
		// the row is written by the first only (the data table, not the trigger, keeps it).
		const replayId = `replay-${crypto.randomBytes(4).toString('hex')}`;
		const copy = await testCopy(NAMES.receiver, (c) => {
			const trigger = c.nodes.find((n) => n.type === TRIGGER_TYPE);
			trigger.webhookId = crypto.randomUUID();
			trigger.parameters.options = { dedupeHours: 0 };
		});
		await stack.client.activateWorkflow(copy.id);
		const webhookId = copy.nodes.find((n) => n.type === TRIGGER_TYPE).webhookId;
		const url = `${stack.n8n.baseUrl}/webhook/${webhookId}/khipu?account=5000000002&reference=replay&token=${stack.callbackToken}`;
		const envelope = {
			OperationId: replayId,
			Status: 'OK',
			Data: {
				Balance: [{ Type: 'InterimAvailable', CreditDebitIndicator: 'Credit', Amount: '10.00', Currency: 'ARS' }],
			},
			AdditionalInformation: null,
			Error: null,
		};
		const first = await postRaw(url, envelope);
		expect([first.status, first.json]).toEqual([200, { received: true, operationId: replayId }]);
		const [written] = await rowsFor([replayId], (r) => r.length === 1 && r[0].receivedAt);
		expect(written).toMatchObject({ accountNumber: '5000000002', reference: 'replay', resultStatus: 'OK' });
		await stack.client.waitForExecutions({ workflowId: copy.id, count: 1, timeoutMs: 30_000 });
		const second = await postRaw(url, {
			...envelope,
			Status: 'ERROR',
			Data: null,
			Error: { Code: 'E101', Type: 'DO_NOT_RETRY', Description: 'x' },
		});
		expect([second.status, second.json]).toEqual([200, { received: true, operationId: replayId }]);
		const both = await stack.client.waitForExecutions({
			workflowId: copy.id,
			count: 2,
			includeData: true,
			timeoutMs: 30_000,
		});
		expect(both.map((e) => e.status)).toEqual(['success', 'success']);
		const latest = both.sort((a, b) => Number(b.id) - Number(a.id))[0];
		expect(runOf(latest, 'Mark received')).toBeUndefined();
		const after = await rowsFor([replayId]);
		expect(after).toEqual([written]);
		await stack.client.deactivateWorkflow(copy.id);
	});

	test('a callback without the right token starts nothing', async () => {
		const receiver = await stack.client.getWorkflow(stack.workflowByName(NAMES.receiver).id);
		const webhookId = receiver.nodes.find((n) => n.type === TRIGGER_TYPE).webhookId;
		const res = await stack.client.callWebhook(
			`${webhookId}/khipu`,
			{ OperationId: 'x', Status: 'OK' },
			{ query: { token: 'wrong-token-wrong-token-wrong' } },
		);
		expect(res.status).toBe(403);
	});
});

describe('pause until callback', () => {
	test("the execution waits for the sandbox's callback, then outputs the balances", async () => {
		const hookPath = uniquePath('pause');
		const wf = await testCopy(NAMES.pause, (copy) =>
			swapNode(copy, 'When clicking ‘Execute workflow’', webhookNode(hookPath, { responseMode: 'onReceived' })),
		);
		await stack.client.activateWorkflow(wf.id);
		// The sandbox's default 50 ms is inside n8n's refusal window (409 while the execution is still
		// stored as running) on a busy machine; call back when a test's Khipu does, after the measured window.
		const { callbackDelayMs } = await sandboxConfig('GET');
		const { pauseCallbackDelayMs } = await n8nBehaviours(stack);
		await sandboxConfig('POST', { callbackDelayMs: pauseCallbackDelayMs });
		let execution;
		try {
			const res = await stack.client.callWebhook(hookPath, {});
			expect(res.status).toBe(200);
			[execution] = await stack.client.waitForExecutions({
				workflowId: wf.id,
				count: 1,
				status: 'success',
				includeData: true,
				timeoutMs: 60_000,
			});
		} finally {
			await sandboxConfig('POST', { callbackDelayMs });
		}
		expect(outputOf(execution, 'Readable balance').map((i) => [i.accountNumber, i.line])).toEqual([
			['1000000005', 'ARS 843210.55 (InterimAvailable)'],
			['1000000005', 'USD 1250.00 (InterimAvailable)'],
		]);
		// the sandbox was given a resume URL into this very execution, and n8n accepted its one callback
		const requests = await (await fetch(`${stack.sandbox.url}/__sandbox/requests`)).json();
		const list = Array.isArray(requests) ? requests : requests.requests || requests.data || [];
		const mine = list.filter(
			(r) => r.accountNumber === '1000000005' && String(r.callbackUrl || '').includes('/webhook-waiting/'),
		);
		expect(mine.length).toBeGreaterThan(0);
		const last = mine[mine.length - 1];
		expect(last.callbackUrl).toContain(`/webhook-waiting/${execution.id}/`);
		const deliveries = await sandboxDeliveries(last.operationId, 1, 5000);
		expect(deliveries.map((d) => d.statusCode ?? d.error)).toEqual([200]);
		await stack.client.deactivateWorkflow(wf.id);
	});
});

describe('balances for AI assistants (MCP)', () => {
	test('imported inactive; once active, an MCP client lists the tool and gets the compact balances', async () => {
		const imported = await stack.client.getWorkflow(stack.workflowByName(NAMES.mcp).id);
		expect(imported.active).toBe(false);
		const mcpPath = uniquePath('mcp');
		const wf = await testCopy(NAMES.mcp, (copy) => {
			const trigger = copy.nodes.find((n) => n.type === MCP_TRIGGER_TYPE);
			trigger.parameters.path = mcpPath;
			trigger.webhookId = crypto.randomUUID();
		});
		await stack.client.activateWorkflow(wf.id);
		const client = await connectMcp(mcpUrl(stack.n8n.baseUrl, mcpPath), 'streamableHttp');
		try {
			const { tools } = await client.listTools();
			expect(tools.map((t) => [t.name, t.inputSchema.required])).toEqual([[TOOL_NAME, ['accountNumber']]]);
			const result = await client.callTool({ name: TOOL_NAME, arguments: { accountNumber: '1000000005' } });
			const [answer] = toolAnswers(result.content[0].text);
			expect(answer).toMatchObject({ status: 'OK', accountNumber: '1000000005' });
			expect(answer.balances.map((b) => `${b.currency} ${b.amount}`).sort()).toEqual(['ARS 843210.55', 'USD 1250']);
		} finally {
			await client.close();
		}
		await stack.client.deactivateWorkflow(wf.id);
	});
});

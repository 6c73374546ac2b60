import {
	NodeHelpers,
	Workflow,
	type IExecuteFunctions,
	type INode,
	type INodeTypes,
	type IRunExecutionData,
	type IWebhookFunctions,
} from 'n8n-workflow';

import {
	acknowledgeWhenStarted,
	boundCredentialTest,
	isCredentialTestRequest,
	keepForResume,
	readKeptForResume,
	requestScope,
} from '../../nodes/shared/n8nCompat';

function contextWithCancel(cancel?: AbortSignal): IExecuteFunctions {
	return { getExecutionCancelSignal: () => cancel } as unknown as IExecuteFunctions;
}

describe('requestScope (COMPAT rows 14, 15)', () => {
	it('hands n8n a context whose cancel signal also fires at the request’s own timeout', async () => {
		const scope = requestScope(contextWithCancel(new AbortController().signal), 30);
		expect(scope.context.getExecutionCancelSignal()).toBe(scope.signal);
		await new Promise((resolve) => scope.signal.addEventListener('abort', resolve));
		expect(scope.timedOut()).toBe(true);
	});

	it('keeps the execution’s cancel signal working, and a stop is not reported as a timeout', () => {
		const cancel = new AbortController();
		const scope = requestScope(contextWithCancel(cancel.signal), 60_000);
		cancel.abort();
		expect(scope.signal.aborted).toBe(true);
		expect(scope.timedOut()).toBe(false);
	});
});

describe('credential test requests (COMPAT row 16)', () => {
	it('a request sent from a node’s request scope is not taken for the credential test; one without it is', () => {
		const scope = requestScope(contextWithCancel(), 60_000);
		expect(isCredentialTestRequest({ url: '/x', abortSignal: scope.signal })).toBe(false);
		expect(isCredentialTestRequest({ url: '/x' })).toBe(true);
		expect(isCredentialTestRequest({ url: '/x', abortSignal: new AbortController().signal })).toBe(true);
	});

	it('bounds n8n’s 300 s to the given limit with an abort at it, behind which n8n’s own timeout waits', async () => {
		const out = boundCredentialTest({ url: '/x', timeout: 300_000 }, 30);
		expect(out.timeout).toBeGreaterThan(30);
		expect(out.timeout).toBeLessThan(300_000);
		const signal = out.abortSignal as AbortSignal;
		expect(signal.aborted).toBe(false);
		await new Promise((resolve) => signal.addEventListener('abort', resolve));
		expect(signal.aborted).toBe(true);
	});

	it('keeps a signal n8n gave the test request working', () => {
		const cancel = new AbortController();
		const out = boundCredentialTest({ url: '/x', timeout: 300_000, abortSignal: cancel.signal }, 30_000);
		cancel.abort();
		expect((out.abortSignal as AbortSignal).aborted).toBe(true);
	});
});

describe('data kept for the resume webhook (COMPAT row 20)', () => {
	// n8n-workflow's own node context and expression resolver, as the resumed execution uses them.
	function resumedExecution(nodeName: string) {
		const node: INode = {
			id: 'node-1',
			name: nodeName,
			type: 'test.node',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		};
		const nodeTypes = {
			getByName: () => ({ description: { properties: [] } }),
			getByNameAndVersion: () => ({ description: { properties: [] } }),
			getKnownTypes: () => ({}),
		} as unknown as INodeTypes;
		const workflow = new Workflow({ id: 'wf', nodes: [node], connections: {}, active: false, nodeTypes });
		const runExecutionData = {
			resultData: { runData: {} },
			executionData: { contextData: {}, nodeExecutionStack: [], waitingExecution: {}, waitingExecutionSource: {} },
		} as unknown as IRunExecutionData;
		const execute = {
			getContext: (type: 'node' | 'flow') => NodeHelpers.getContext(runExecutionData, type, node),
		} as unknown as IExecuteFunctions;
		const webhook = {
			getNode: () => node,
			evaluateExpression: (expression: string, itemIndex: number) =>
				workflow.expression.resolveSimpleParameterValue(
					`=${expression}`,
					{},
					runExecutionData,
					0,
					itemIndex,
					node.name,
					[],
					'webhook',
					{},
				),
		} as unknown as IWebhookFunctions;
		return { execute, webhook };
	}

	it.each([['Khipu'], ['Khipu "A" }} {{ $json }} \\ \' `x`'], ['Saldo ☃ 𝄞 ñ'], ['{{']])(
		'a node named %p reads back what it kept',
		(name) => {
			const { execute, webhook } = resumedExecution(name);
			expect(readKeptForResume(webhook, 'khipuResumeDigest')).toBeUndefined();
			keepForResume(execute, 'khipuResumeDigest', 'digest-value');
			expect(readKeptForResume(webhook, 'khipuResumeDigest')).toBe('digest-value');
			expect(readKeptForResume(webhook, 'other')).toBeUndefined();
		},
	);
});

describe('acknowledgeWhenStarted (COMPAT rows 13, 21)', () => {
	it('runs the hook when n8n reads the acknowledgement, once, and not before', () => {
		const workflowData = [[{ json: { a: 1 } }]];
		let calls = 0;
		const response = acknowledgeWhenStarted({ workflowData }, { received: true }, () => calls++);
		expect(calls).toBe(0);
		expect(response.workflowData).toBe(workflowData);
		expect(calls).toBe(0);
		// n8n's onReceived extractor: `webhookResponse !== undefined`, then returns it
		expect(response.webhookResponse !== undefined).toBe(true);
		expect(response.webhookResponse).toEqual({ received: true });
		expect(calls).toBe(1);
	});
});

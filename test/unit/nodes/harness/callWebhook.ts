import { mock } from 'jest-mock-extended';
import { WebhookContext } from 'n8n-core';
import { returnJsonArray } from 'n8n-core/dist/execution-engine/node-execution-context/utils/return-json-array';
import {
	NodeHelpers,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type IWebhookData,
	type IWebhookFunctions,
} from 'n8n-workflow';

// Types only: the harness's two entry points stay independent at run time.
import type { WaitingExecution } from './runWorkflow';

/**
 * Calls a node's webhook() the way n8n's own trigger tests do (nodes-base
 * TriggerHelpers' testWebhookTriggerNode): a mocked webhook context around a real
 * request, and the answer read back as the caller would get it.
 */

export const WEBHOOK_URL = 'http://127.0.0.1:5678/webhook/7c1d0e55-0a4b-4d35-9f55-2b7c8e1f0a11/khipu';

/** The request body: JSON (parsed as n8n parses application/json), or raw bytes of any content type. */
export type WebhookBody = object | { raw: Buffer; contentType: string };

export interface WebhookCall {
	/** The node as the workflow holds it (its parameters with n8n's defaults: see `nodeWithDefaults`). */
	node: INode;
	credentials: Record<string, ICredentialDataDecryptedObject>;
	body: WebhookBody;
	query?: Record<string, string>;
	ip?: string;
	headers?: Record<string, string>;
	/** The trigger's static data; pass the same object to calls that share one workflow. */
	staticData?: IDataObject;
	workflowId?: string;
	/**
	 * The waiting execution a resume webhook belongs to (`WorkflowRun.waiting()`):
	 * the webhook's expressions are evaluated against its stored data.
	 */
	execution?: WaitingExecution;
	/** The sender closed the connection before the node ran (a client timeout): the response is closed already. */
	senderLeft?: boolean;
}

export interface WebhookAnswer {
	/** What the caller gets back. */
	status: number;
	body: unknown;
	/** The items that start (trigger) or resume (waiting execution) a workflow; undefined when none. */
	workflowData?: INodeExecutionData[][];
}

/** A node with every parameter it leaves unset given n8n's default, as n8n loads it. */
export function nodeWithDefaults(
	nodeType: INodeType,
	node: Partial<Omit<INode, 'parameters'>> & { parameters: IDataObject },
): INode {
	const full: INode = {
		id: '3f2b9c1e-8d7a-4b6c-9e5f-0a1b2c3d4e5f',
		name: nodeType.description.defaults.name ?? nodeType.description.displayName,
		type: `n8n-nodes-khipu-santander-ar.${nodeType.description.name}`,
		typeVersion: 1,
		position: [0, 0],
		...node,
		parameters: node.parameters as INodeParameters,
	};
	full.parameters =
		NodeHelpers.getNodeParameters(
			nodeType.description.properties,
			full.parameters,
			true,
			false,
			full,
			nodeType.description,
		) ?? {};
	return full;
}

function requestFor(call: WebhookCall) {
	const json = !('raw' in call.body && Buffer.isBuffer(call.body.raw));
	const rawBody = json ? Buffer.from(JSON.stringify(call.body)) : (call.body as { raw: Buffer }).raw;
	const contentType = json ? 'application/json' : (call.body as { contentType: string }).contentType;
	return {
		method: 'POST',
		ip: call.ip ?? '127.0.0.1',
		query: call.query ?? {},
		headers: { 'content-type': contentType, 'content-length': String(rawBody.length), ...call.headers },
		rawBody,
		// n8n parses JSON bodies before the node sees them; other content types reach it as text.
		body: json ? call.body : rawBody.toString('utf8'),
	};
}

/**
 * `evaluateExpression` as n8n runs it for a call into a waiting execution: n8n-core's
 * own WebhookContext over the execution n8n loaded, so `$node[…].context[…]` reads
 * the node context saved with it (`contextData["node:<name>"]`) through
 * n8n-workflow's expression engine and data proxy.
 */
function expressionsOf(call: WebhookCall): IWebhookFunctions['evaluateExpression'] {
	const { execution } = call;
	if (!execution) {
		return () => {
			throw new Error('This webhook call has no waiting execution to evaluate an expression against');
		};
	}
	const node = execution.workflow.getNode(call.node.name);
	if (!node) throw new Error(`No node "${call.node.name}" in the waiting execution`);
	const webhookData = mock<IWebhookData>({ webhookDescription: { name: 'default' } });
	const context = new WebhookContext(
		execution.workflow,
		node,
		execution.additionalData,
		'webhook',
		webhookData,
		[],
		execution.data,
	);
	return (expression, itemIndex) => context.evaluateExpression(expression, itemIndex);
}

export async function callWebhook(nodeType: INodeType, call: WebhookCall): Promise<WebhookAnswer> {
	const answered: { status?: number; body?: unknown } = {};
	// Express's response is a stream that emits `close` once the answer has ended.
	const onClose: Array<() => void> = [];
	const response = {
		statusCode: 200,
		writableFinished: false,
		// a closed stream never emits `close` again
		closed: call.senderLeft === true,
		once(event: string, listener: () => void) {
			if (response.closed) return response;
			if (event === 'close') onClose.push(listener);
			return response;
		},
		status(code: number) {
			answered.status = code;
			return response;
		},
		json(body: unknown) {
			answered.body = body;
			return response;
		},
	};
	const end = (status: number) => {
		response.statusCode = status;
		response.writableFinished = true;
		for (const listener of onClose.splice(0)) listener();
	};
	const request = requestFor(call);
	const staticData = call.staticData ?? {};
	const context = mock<IWebhookFunctions>({
		getNode: () => call.node,
		getNodeParameter: ((name: string, fallback?: unknown) =>
			call.node.parameters[name] ?? fallback) as IWebhookFunctions['getNodeParameter'],
		getCredentials: (async (type: string) => {
			const data = call.credentials[type];
			if (!data) throw new Error(`Node does not have any credentials set for "${type}"`);
			return { ...data };
		}) as IWebhookFunctions['getCredentials'],
		getRequestObject: () => request as unknown as ReturnType<IWebhookFunctions['getRequestObject']>,
		getResponseObject: () => response as unknown as ReturnType<IWebhookFunctions['getResponseObject']>,
		getQueryData: () => request.query,
		getBodyData: () => (typeof request.body === 'object' ? (request.body as IDataObject) : {}),
		getHeaderData: () => request.headers,
		getWorkflow: () => ({ id: call.workflowId ?? 'test-workflow', name: 'Test workflow', active: true }),
		getWorkflowStaticData: () => staticData,
		getNodeWebhookUrl: () => WEBHOOK_URL,
		getWebhookName: () => 'default',
		getExecutionId: () => call.execution?.executionId ?? '',
		evaluateExpression: expressionsOf(call),
		getMode: () => 'webhook',
		helpers: mock<IWebhookFunctions['helpers']>({ returnJsonArray }),
	});

	if (!nodeType.webhook) throw new Error(`${nodeType.description.name} has no webhook()`);
	const result = await nodeType.webhook.call(context);
	if (result.noWebhookResponse) {
		end(answered.status ?? 200);
		return { status: answered.status ?? 200, body: answered.body, workflowData: result.workflowData };
	}
	// responseMode "onReceived" with the node's own webhookResponse: n8n answers 200 with it (COMPAT row 17).
	const body = result.webhookResponse;
	end(200);
	return { status: 200, body, workflowData: result.workflowData };
}

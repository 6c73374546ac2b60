import { Container } from '@n8n/di';
import { mock } from 'jest-mock-extended';
import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import { SSHClientsManager } from 'n8n-core/dist/execution-engine/ssh-clients-manager';
import {
	createRunExecutionData,
	Workflow,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type IRun,
	type IRunExecutionData,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import { TestCredentialsHelper } from './credentialsHelper';
import { nodeTypes } from './nodeTypes';

/**
 * Runs workflow JSON through n8n's own execution engine (n8n-core's
 * WorkflowExecute) in this process: the node's execute() gets n8n's real
 * execution context (parameters and expressions, credentials, HTTP helpers,
 * Continue On Fail, putExecutionToWait), only the database and the HTTP server
 * of n8n are left out.
 */

/** n8n's waiting-webhook base URL; nothing listens there, tests call webhook() themselves. */
export const WAITING_BASE_URL = 'http://127.0.0.1:5678/webhook-waiting';

export type WorkflowJson = Pick<IWorkflowBase, 'name' | 'nodes' | 'connections'> & Partial<IWorkflowBase>;

export interface RunOptions {
	/** Credential data by credential type, as n8n would decrypt it. */
	credentials: Record<string, ICredentialDataDecryptedObject>;
	/** The items the start node passes on (default: one empty item). */
	input?: IDataObject[];
}

let executions = 0;

// Every node context n8n creates starts its SSH-tunnel manager, whose cleanup interval
// would keep jest's process alive; n8n stops it on shutdown, and so does each test file.
afterAll(() => Container.get(SSHClientsManager).onShutdown());

/** A workflow file as imported JSON (`import workflow from './x.workflow.json'`), typed for the harness. */
export function asWorkflow(json: object): WorkflowJson {
	return JSON.parse(JSON.stringify(json)) as WorkflowJson;
}

/** A copy of `workflow` with `nodeName` changed: parameters merged (one level deep), other node fields replaced. */
export function configure(
	workflow: WorkflowJson,
	nodeName: string,
	change: { parameters?: IDataObject } & Partial<Omit<INode, 'parameters'>>,
): WorkflowJson {
	const copy = JSON.parse(JSON.stringify(workflow)) as WorkflowJson;
	const node = copy.nodes.find((candidate) => candidate.name === nodeName);
	if (!node) throw new Error(`No node "${nodeName}" in workflow "${workflow.name}"`);
	const { parameters, ...rest } = change;
	Object.assign(node, rest, { parameters: { ...node.parameters, ...parameters } });
	return copy;
}

/** One execution, finished or waiting, and what each node output. */
export class WorkflowRun {
	constructor(
		readonly workflow: WorkflowJson,
		readonly executionId: string,
		readonly result: IRun,
		private readonly credentials: Record<string, ICredentialDataDecryptedObject>,
	) {}

	get status() {
		return this.result.status;
	}

	/** The error that stopped the execution, if one did. */
	get error() {
		return this.result.data.resultData.error;
	}

	/** The items `nodeName` output on its last run (first output), or undefined if it did not run. */
	output(nodeName: string): INodeExecutionData[] | undefined {
		const runs = this.result.data.resultData.runData[nodeName];
		return runs?.at(-1)?.data?.main?.[0] ?? undefined;
	}

	/** Just the JSON of `nodeName`'s items. */
	json(nodeName: string): IDataObject[] | undefined {
		return this.output(nodeName)?.map((item) => item.json);
	}

	/** The node of this workflow, with the defaults n8n fills in for unset parameters. */
	node(nodeName: string): INode {
		const node = buildWorkflow(this.workflow).getNode(nodeName);
		if (!node) throw new Error(`No node "${nodeName}"`);
		return node;
	}

	/**
	 * This waiting execution as n8n reads it back from its database when a call
	 * reaches its resume URL: what the resume webhook's context evaluates its
	 * expressions against (see callWebhook's `execution`). A test may change the
	 * returned data, e.g. drop a node's context, without touching this run.
	 */
	waiting(): WaitingExecution {
		if (this.status !== 'waiting') throw new Error(`Execution ${this.executionId} is ${this.status}, not waiting`);
		return {
			executionId: this.executionId,
			workflow: buildWorkflow(this.workflow),
			data: this.stored(),
			additionalData: additionalDataFor(this.workflow, this.executionId, this.credentials),
		};
	}

	/** The execution's data after a round trip through n8n's database (JSON, dates revived). */
	private stored(): IRunExecutionData {
		const stored = JSON.parse(JSON.stringify(this.result.data)) as IRunExecutionData;
		if (stored.waitTill) stored.waitTill = new Date(stored.waitTill as unknown as string);
		return stored;
	}

	/**
	 * Continues a waiting execution as n8n does. Without items: its wait limit
	 * passed, and n8n runs the waiting node disabled, so it passes on its input.
	 * With items: a webhook call resumed it, and n8n puts the webhook's items in
	 * place of that input first (n8n's webhooks/waiting-webhooks.js and webhook-helpers.js).
	 */
	async resume(webhookItems?: INodeExecutionData[][]): Promise<WorkflowRun> {
		if (this.status !== 'waiting') throw new Error(`Execution ${this.executionId} is ${this.status}, not waiting`);
		const stored = this.stored();
		if (webhookItems) stored.executionData!.nodeExecutionStack[0].data.main = webhookItems;
		return await execute(this.workflow, stored, this.executionId, this.credentials);
	}
}

function buildWorkflow(json: WorkflowJson): Workflow {
	return new Workflow({
		id: json.id ?? 'test-workflow',
		name: json.name,
		nodes: JSON.parse(JSON.stringify(json.nodes)) as INode[],
		connections: json.connections,
		nodeTypes,
		settings: json.settings ?? {},
		staticData: json.staticData,
		active: false,
	});
}

/** A waiting execution, loaded as n8n loads it to run its resume webhook. */
export interface WaitingExecution {
	executionId: string;
	workflow: Workflow;
	data: IRunExecutionData;
	additionalData: IWorkflowExecuteAdditionalData;
}

function additionalDataFor(
	json: WorkflowJson,
	executionId: string,
	credentials: Record<string, ICredentialDataDecryptedObject>,
): IWorkflowExecuteAdditionalData {
	// Whatever the engine asks for beyond these is a jest mock function (n8n's own harness does the same).
	// Objects are assigned after mock() because mock() wraps nested objects in proxies in place.
	const additionalData = mock<IWorkflowExecuteAdditionalData>({
		executionId,
		// n8n reads a node's parameters from here only while the editor asks; undefined means "from the node".
		currentNodeParameters: undefined,
		webhookWaitingBaseUrl: WAITING_BASE_URL,
		currentNodeExecutionIndex: 0,
	});
	additionalData.hooks = new ExecutionLifecycleHooks('trigger', executionId, json as IWorkflowBase);
	additionalData.credentialsHelper = new TestCredentialsHelper(credentials);
	additionalData.variables = {};
	return additionalData;
}

async function execute(
	json: WorkflowJson,
	runExecutionData: IRunExecutionData,
	executionId: string,
	credentials: Record<string, ICredentialDataDecryptedObject>,
): Promise<WorkflowRun> {
	const workflow = buildWorkflow(json);
	const additionalData = additionalDataFor(json, executionId, credentials);
	const result = await new WorkflowExecute(additionalData, 'trigger', runExecutionData).processRunExecutionData(
		workflow,
	);
	return new WorkflowRun(json, executionId, result, credentials);
}

/** Starts an execution of `json` at its start node, which passes on `options.input`. */
export async function runWorkflow(json: WorkflowJson, options: RunOptions): Promise<WorkflowRun> {
	const executionId = String(1000 + ++executions);
	const startNode = buildWorkflow(json).getStartNode();
	if (!startNode) throw new Error(`Workflow "${json.name}" has no start node`);
	const items = (options.input ?? [{}]).map((item) => ({ json: item }));
	const runExecutionData = createRunExecutionData({
		executionData: { nodeExecutionStack: [{ node: startNode, data: { main: [items] }, source: null }] },
	});
	return await execute(json, runExecutionData, executionId, options.credentials);
}

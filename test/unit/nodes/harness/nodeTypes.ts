import {
	NodeConnectionTypes,
	NodeHelpers,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type INodeTypes,
	type IVersionedNodeType,
} from 'n8n-workflow';

import { KhipuSantanderAr } from '../../../../nodes/KhipuSantanderAr/KhipuSantanderAr.node';
import { KhipuSantanderArTrigger } from '../../../../nodes/KhipuSantanderArTrigger/KhipuSantanderArTrigger.node';

/** The package's name: n8n prefixes a community node's type with it. */
export const PACKAGE = 'n8n-nodes-khipu-santander-ar';

/**
 * The node variant n8n generates for a `usableAsTool` node (in n8n's node types,
 * tool-generation/ai-tools.js): same behaviour, type name ending in "Tool", no main
 * input, one AI-tool output. The name's suffix is what turns on the node's
 * `@tool` display options (its own Account Number field filled by $fromAI()).
 */
function asTool(nodeType: INodeType): INodeType {
	const description: INodeTypeDescription = {
		...nodeType.description,
		name: `${nodeType.description.name}Tool`,
		displayName: `${nodeType.description.displayName} Tool`,
		inputs: [],
		outputs: [NodeConnectionTypes.AiTool],
	};
	delete description.usableAsTool;
	return Object.assign(Object.create(nodeType) as INodeType, { description });
}

/** Stands in for whatever feeds the node in a real workflow: passes on the items the test gives. */
const testInput: INodeType = {
	description: {
		displayName: 'Test Input',
		name: 'test.input',
		group: ['trigger'],
		version: 1,
		description: 'The items of a test',
		defaults: { name: 'Test Input' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	},
	// Outside manual mode n8n passes a trigger's start data on unchanged.
	async trigger() {
		return {};
	},
};

/** The node after ours: what it receives is what a workflow would continue with. */
const testNext: INodeType = {
	description: {
		displayName: 'Test Next',
		name: 'test.next',
		group: ['transform'],
		version: 1,
		description: 'Receives the items of the node before it',
		defaults: { name: 'Test Next' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	},
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	},
};

/** What a test agent does with one tool call: the text the model reads, or the error n8n threw instead. */
export interface ToolCall {
	tool: string;
	/** n8n hands the model the JSON of every output item, as a list. */
	answer?: IDataObject[];
	threw?: string;
}

/**
 * Stands in for n8n's AI Agent: asks n8n for the connected tools (n8n wraps our
 * node through its own tool path) and calls the first one once per input item,
 * with the item's JSON as the model's arguments.
 */
const testAgent: INodeType = {
	description: {
		displayName: 'Test Agent',
		name: 'test.agent',
		group: ['transform'],
		version: 1,
		description: 'Calls its tool once per item',
		defaults: { name: 'Test Agent' },
		inputs: [NodeConnectionTypes.Main, { type: NodeConnectionTypes.AiTool, displayName: 'Tool', required: true }],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	},
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const tools = (await this.getInputConnectionData(NodeConnectionTypes.AiTool, 0)) as Array<{
			name: string;
			invoke(args: object): Promise<string>;
		}>;
		const [tool] = tools;
		const output: INodeExecutionData[] = [];
		for (const [index, item] of this.getInputData().entries()) {
			const call: ToolCall = { tool: tool.name };
			try {
				call.answer = JSON.parse(await tool.invoke(item.json)) as IDataObject[];
			} catch (error) {
				call.threw = error instanceof Error ? error.message : String(error);
			}
			output.push({ json: { ...call }, pairedItem: { item: index } });
		}
		return [output];
	},
};

const khipu = new KhipuSantanderAr();
const TYPES: Record<string, INodeType> = {
	[`${PACKAGE}.khipuSantanderAr`]: khipu,
	[`${PACKAGE}.khipuSantanderArTool`]: asTool(khipu),
	[`${PACKAGE}.khipuSantanderArTrigger`]: new KhipuSantanderArTrigger(),
	'test.input': testInput,
	'test.next': testNext,
	'test.agent': testAgent,
};

/** The node types a test workflow may use: the package's nodes (from source) and the stand-ins above. */
export const nodeTypes: INodeTypes = {
	getByName(type: string): INodeType | IVersionedNodeType {
		const nodeType = TYPES[type];
		if (!nodeType) throw new Error(`Unknown node type in a test workflow: ${type}`);
		return nodeType;
	},
	getByNameAndVersion(type: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(type), version);
	},
	getKnownTypes() {
		return {};
	},
};

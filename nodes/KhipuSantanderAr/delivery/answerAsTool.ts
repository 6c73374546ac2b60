import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { buildRequestBody, khipuRequest } from '../../shared/khipu/request';
import type { KhipuOperation } from '../khipuOperation';
import { DELIVERY } from '../descriptions/balanceFields';
import { prepareItem, prepareRun, type RunContext } from '../runPreparation';
import { acceptedItem } from './requestEachItem';
import { failureAnswer, PAUSE_REFUSAL } from './toolAnswer';

async function answerOne(context: IExecuteFunctions, run: RunContext, index: number): Promise<IDataObject> {
	let accountNumber: string | null = null;
	try {
		const item = prepareItem(context, index, run);
		accountNumber = item.accountNumber;
		const body = buildRequestBody(item.requestData, item.callbackUrl);
		const report = await khipuRequest(context, run.connection, run.operation.path, body, run.options);
		if (report.outcome.kind === 'accepted') return acceptedItem(item, report.outcome.envelope);
		return run.operation.toolAnswer(report.outcome.envelope, item.accountNumber, run.options);
	} catch (error) {
		return failureAnswer(error, accountNumber);
	}
}

function answerEvery(items: INodeExecutionData[], json: IDataObject): INodeExecutionData[][] {
	return [items.map((_, index) => ({ json: { ...json }, pairedItem: { item: index } }))];
}

/**
 * Called by an AI Agent, or by an MCP client through n8n's MCP Server Trigger:
 * every call gets one compact answer, failures included, and nothing is thrown
 * (COMPAT row 19: n8n 2.8.4 hands a thrown tool error to MCP clients with the
 * server's stack trace, while a model needs the advice: retry, wait, or ask the user).
 */
export async function answerAsTool(
	context: IExecuteFunctions,
	operation: KhipuOperation,
): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	let run: RunContext;
	try {
		run = await prepareRun(context, operation);
	} catch (error) {
		return answerEvery(items, failureAnswer(error, null));
	}
	if (run.delivery === DELIVERY.resumeOnCallback) return answerEvery(items, PAUSE_REFUSAL);
	const output: INodeExecutionData[] = [];
	// A tool call carries one item; several are answered in turn, each paired.
	for (let index = 0; index < items.length; index++) {
		output.push({ json: await answerOne(context, run, index), pairedItem: { item: index } });
	}
	return [output];
}

import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { DELIVERY } from './descriptions/balanceFields';
import { acceptedItem, prepareItem, prepareRun, type RunContext } from './executeBalances';
import { requestWithRetry } from './requestWithRetry';
import { balancesAnswer, failureAnswer, PAUSE_REFUSAL } from './toolAnswer';

async function answerOne(context: IExecuteFunctions, run: RunContext, index: number): Promise<IDataObject> {
	let accountNumber: string | null = null;
	try {
		const request = prepareItem(context, index, run);
		accountNumber = request.accountNumber;
		const report = await requestWithRetry(context, run.connection, request, run.settings);
		if (report.outcome.kind === 'accepted') return acceptedItem(request, report.outcome.envelope);
		return balancesAnswer(report.outcome.envelope, request.accountNumber);
	} catch (error) {
		return failureAnswer(error, accountNumber);
	}
}

function answerEvery(items: INodeExecutionData[], json: IDataObject): INodeExecutionData[][] {
	return [items.map((_, index) => ({ json: { ...json }, pairedItem: { item: index } }))];
}

/**
 * Called by an AI Agent, or by an MCP client through n8n's MCP Server Trigger:
 * every call gets one compact answer, failures included, and nothing is thrown.
 * n8n hands a thrown tool error to MCP clients with the server's stack trace
 * (2.8), while a model needs the advice: retry, wait, or ask the user.
 */
export async function executeAsTool(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	let run: RunContext;
	try {
		run = await prepareRun(context);
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

import {
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { inputErrorToNodeError, asNodeError } from '../../shared/nodeErrors';
import { InputError } from '../../shared/validation';
import { DELIVERY } from '../descriptions/balanceFields';
import { answerAsTool } from '../delivery/answerAsTool';
import { executePause, resumeWebhook } from '../delivery/pauseUntilCallback';
import { requestEachItem } from '../delivery/requestEachItem';
import { prepareRun } from '../runPreparation';
import { findOperation } from './operations';

/** Node-level problems (credential, options) fail every item alike, or become one error item each. */
function refuseEveryItem(context: IExecuteFunctions, error: unknown): INodeExecutionData[][] {
	if (!(error instanceof InputError)) throw asNodeError(context.getNode(), error);
	if (!context.continueOnFail()) throw inputErrorToNodeError(context, error, 0);
	return [
		context.getInputData().map((_, index) => ({
			json: { error: error.message, field: error.field },
			pairedItem: { item: index },
		})),
	];
}

export async function route(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	// Resource and operation cannot be expressions, so item 0 holds them for every item.
	const operation = findOperation(
		context.getNode(),
		context.getNodeParameter('resource', 0),
		context.getNodeParameter('operation', 0),
	);
	if (context.isToolExecution()) return await answerAsTool(context, operation);
	let run;
	try {
		run = await prepareRun(context, operation);
	} catch (error) {
		return refuseEveryItem(context, error);
	}
	if (run.delivery === DELIVERY.resumeOnCallback) return await executePause(context, run);
	if (run.delivery !== DELIVERY.sync && run.delivery !== DELIVERY.callbackUrl) {
		throw new NodeOperationError(context.getNode(), `Unknown delivery "${String(run.delivery)}"`);
	}
	return await requestEachItem(context, run);
}

/** Khipu's callback into an execution this node paused. */
export async function routeResume(context: IWebhookFunctions): Promise<IWebhookResponseData> {
	const operation = findOperation(
		context.getNode(),
		context.getNodeParameter('resource', ''),
		context.getNodeParameter('operation', ''),
	);
	return await resumeWebhook(context, operation);
}

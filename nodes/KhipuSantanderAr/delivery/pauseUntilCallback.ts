import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type IWebhookDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { readCallbackBody } from '../../shared/callbackBody';
import { generateToken, tokenDigest, tokensMatch } from '../../shared/callbackToken';
import { buildCallbackUrl, CALLBACK_PARAMS } from '../../shared/callbackUrl';
import { failureFromEnvelope, KhipuFailure } from '../../shared/khipu/failure';
import { buildRequestBody, khipuRequest } from '../../shared/khipu/request';
import {
	ANSWER_WITH_WEBHOOK_RESPONSE,
	keepForResume,
	readKeptForResume,
	resumeUrlForNode,
	setWaitTimeoutOutput,
} from '../../shared/n8nCompat';
import { asNodeError, errorItem, failureToNodeError, preparationError } from '../../shared/nodeErrors';
import { validateAccountNumber } from '../../shared/validation';
import type { KhipuOperation } from '../khipuOperation';
import { readNodeOptions } from '../nodeOptions';
import { prepareItem, type RunContext } from '../runPreparation';

export const RESUME_WEBHOOK: IWebhookDescription = {
	name: 'default',
	httpMethod: 'POST',
	responseMode: 'onReceived',
	responseData: ANSWER_WITH_WEBHOOK_RESPONSE,
	path: '={{ $nodeId }}',
	restartWebhook: true,
	isFullPath: true,
	ndvHideUrl: true,
};

/**
 * Each pause gets its own random resume token. Only its digest, bound to the
 * account, stays in the waiting execution: replacing the Khipu credential
 * (a JWT expires) cannot invalidate it, and reading n8n's database does not
 * give it away, for this execution or any other.
 */
const RESUME_DIGEST_KEY = 'khipuResumeDigest';

function buildResumeUrl(context: IExecuteFunctions, accountNumber: string): string {
	const token = generateToken();
	const url = buildCallbackUrl(
		resumeUrlForNode(context, context.getNode().id),
		{ account: accountNumber, token },
		{
			field: 'Callback URL (the resume URL n8n gives Khipu)',
			advice: 'Set a shorter WEBHOOK_URL for this n8n instance.',
		},
	);
	keepForResume(context, RESUME_DIGEST_KEY, tokenDigest(token, accountNumber));
	return url;
}

function resumeTokenValid(context: IWebhookFunctions, accountNumber: string, token: unknown): boolean {
	const kept = readKeptForResume(context, RESUME_DIGEST_KEY);
	if (kept === undefined || typeof token !== 'string') return false;
	return tokensMatch(kept, tokenDigest(token, accountNumber));
}

function timedOutItem(accountNumber: string, minutes: number, operationId: string): INodeExecutionData {
	return {
		json: {
			accountNumber,
			operationId,
			status: 'TIMED_OUT',
			timedOut: true,
			message: `Khipu did not call back within the wait limit of ${minutes} minute(s)`,
		},
		pairedItem: { item: 0 },
	};
}

/**
 * One account per execution: a waiting execution resumes exactly once, so
 * several accounts would need several executions (Loop Over Items, batch size 1).
 */
export async function executePause(context: IExecuteFunctions, run: RunContext): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	if (items.length !== 1) {
		throw new NodeOperationError(
			context.getNode(),
			'"Pause This Workflow Until Khipu Calls Back" handles one account per execution, ' +
				`but ${items.length} items arrived`,
			{
				description:
					'Put a Loop Over Items node (batch size 1) before this node, or use "Send ' +
					'the Result to a Callback URL" with a Khipu Santander AR Trigger for many accounts.',
			},
		);
	}
	let accountNumber: string;
	let body: IDataObject;
	try {
		const item = prepareItem(context, 0, run);
		accountNumber = item.accountNumber;
		const resumeUrl = buildResumeUrl(context, accountNumber);
		body = buildRequestBody(item.requestData, resumeUrl);
	} catch (error) {
		if (context.continueOnFail()) return [[errorItem(error, 0, null)]];
		throw preparationError(context, error, 0);
	}

	let report;
	try {
		report = await khipuRequest(context, run.connection, run.operation.path, body, run.options);
	} catch (error) {
		if (!(error instanceof KhipuFailure)) throw asNodeError(context.getNode(), error, 0);
		if (!context.continueOnFail()) throw failureToNodeError(context, error, 0);
		return [[{ json: { error: error.message, accountNumber, ...error.toJson() }, pairedItem: { item: 0 } }]];
	}
	const { envelope } = report.outcome;
	if (report.outcome.kind === 'result') {
		// Khipu may answer at once even when given a callback URL; nothing to wait for.
		return [
			run.operation.toItems(envelope, accountNumber, run.options).map((json) => ({ json, pairedItem: { item: 0 } })),
		];
	}

	// No node code runs when the wait limit passes, so a timeout can only ever
	// produce this item, never a node failure.
	setWaitTimeoutOutput(context, timedOutItem(accountNumber, run.options.waitLimitMinutes, envelope.operationId));
	await context.putExecutionToWait(new Date(Date.now() + run.options.waitLimitMinutes * 60_000));
	return [items];
}

function reject(context: IWebhookFunctions, status: number, message: string): IWebhookResponseData {
	const res = context.getResponseObject();
	res.status(status).json({ error: message });
	return { noWebhookResponse: true };
}

/** Khipu's callback into a waiting execution; anything that fails a check leaves it waiting. */
export async function resumeWebhook(
	context: IWebhookFunctions,
	operation: KhipuOperation,
): Promise<IWebhookResponseData> {
	const query = context.getQueryData() as IDataObject;
	const accountRaw = query[CALLBACK_PARAMS.account];
	let accountNumber: string;
	try {
		accountNumber = validateAccountNumber(accountRaw);
	} catch {
		return reject(context, 401, 'Invalid resume token');
	}
	if (!resumeTokenValid(context, accountNumber, query[CALLBACK_PARAMS.token])) {
		return reject(context, 401, 'Invalid resume token');
	}

	const options = readNodeOptions(context.getNodeParameter('options', {}) as IDataObject);
	const body = readCallbackBody(context, options.maxBodyBytes);
	if (!body.ok) return reject(context, body.status, body.error);
	const { envelope } = body;
	const acknowledgement = { received: true, operationId: envelope.operationId };

	if (envelope.status === 'ERROR') {
		// Throwing here is handled differently across n8n versions (COMPAT row 2: 2.41
		// leaves the execution waiting), so the error travels as an item, like the trigger's.
		const failure = failureFromEnvelope(envelope, null, 1);
		return {
			webhookResponse: acknowledgement,
			workflowData: [
				[
					{
						json: { status: 'ERROR', error: failure.message, accountNumber, ...failure.toJson() },
						pairedItem: { item: 0 },
					},
				],
			],
		};
	}
	const items = operation.toItems(envelope, accountNumber, options);
	return {
		webhookResponse: acknowledgement,
		workflowData: [items.map((json) => ({ json, pairedItem: { item: 0 } }))],
	};
}

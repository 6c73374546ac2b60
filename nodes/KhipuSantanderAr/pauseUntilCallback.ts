import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type IWebhookDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { usesApiKey } from '../shared/accountCredential';
import { buildCallbackUrl, CALLBACK_PARAMS } from '../shared/callbackUrl';
import { KHIPU_CREDENTIAL_TYPE } from '../shared/constants';
import { readCallbackBody } from '../shared/callbackBody';
import { failureFromEnvelope, KhipuFailure } from '../shared/failure';
import { envelopeToItems } from '../shared/items';
import { asNodeError } from '../shared/nodeErrors';
import { deriveToken, tokensMatch } from '../shared/token';
import { InputError, validateAccountNumber } from '../shared/validation';
import { failureToNodeError, inputErrorToNodeError, type RunContext } from './executeBalances';
import { requestWithRetry } from './requestWithRetry';
import { readSettings } from './settings';

export const RESUME_WEBHOOK: IWebhookDescription = {
	name: 'default',
	httpMethod: 'POST',
	responseMode: 'onReceived',
	// Empty so n8n answers with the webhookResponse acknowledgement, not the literal 'firstEntryJson'.
	responseData: '',
	path: '={{ $nodeId }}',
	restartWebhook: true,
	isFullPath: true,
	ndvHideUrl: true,
};

/** Balance lists are small; the trigger's default limit applies here too. */
const MAX_CALLBACK_BYTES = 1024 * 1024;

/** The resume token binds execution, node and account, keyed by the credential secret. */
function resumeToken(secret: string, executionId: string, nodeId: string, accountNumber: string): string {
	return deriveToken(secret, 'khipu-resume', executionId, nodeId, accountNumber);
}

function credentialSecret(data: IDataObject): string {
	const value = usesApiKey(data) ? data.apiKey : data.jwtToken;
	return String(value ?? '').trim();
}

function buildResumeUrl(context: IExecuteFunctions, secret: string, accountNumber: string): string {
	const nodeId = context.getNode().id;
	const token = resumeToken(secret, context.getExecutionId(), nodeId, accountNumber);
	// Newer n8n puts its own ?signature= on the resume URL; it must survive next to ours.
	const resume = new URL(String(context.evaluateExpression('{{ $execution.resumeUrl }}', 0) ?? ''));
	resume.pathname = `${resume.pathname.replace(/\/+$/, '')}/${nodeId}`;
	return buildCallbackUrl(
		resume.toString(),
		{ account: accountNumber, token },
		{ field: 'Callback URL (the resume URL n8n gives Khipu)', advice: 'Set a shorter WEBHOOK_URL for this n8n instance.' },
	);
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
export async function executePause(
	context: IExecuteFunctions,
	run: RunContext,
): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	if (items.length !== 1) {
		throw new NodeOperationError(
			context.getNode(),
			`"Pause This Workflow Until Khipu Calls Back" handles one account per execution, but ${items.length} items arrived`,
			{
				description:
					'Put a Loop Over Items node (batch size 1) before this node, or use "Send the Result to a Callback URL" with a Khipu Santander AR Trigger for many accounts.',
			},
		);
	}
	let accountNumber: string;
	let resumeUrl: string;
	try {
		accountNumber = validateAccountNumber(context.getNodeParameter('accountNumber', 0));
		resumeUrl = buildResumeUrl(context, credentialSecret(run.connection.credentials), accountNumber);
	} catch (error) {
		if (error instanceof InputError) throw inputErrorToNodeError(context, error, 0);
		throw asNodeError(context.getNode(), error, 0);
	}

	let report;
	try {
		report = await requestWithRetry(context, run.connection, { accountNumber, callbackUrl: resumeUrl }, run.settings);
	} catch (error) {
		if (!(error instanceof KhipuFailure)) throw asNodeError(context.getNode(), error, 0);
		if (!context.continueOnFail()) throw failureToNodeError(context, error, 0);
		return [[{ json: { error: error.message, accountNumber, ...error.toJson() }, pairedItem: { item: 0 } }]];
	}
	const { envelope } = report.outcome;
	if (report.outcome.kind === 'result') {
		// Khipu may answer at once even when given a callback URL; nothing to wait for.
		return [envelopeToItems(envelope, accountNumber, run.settings).map((json) => ({ json, pairedItem: { item: 0 } }))];
	}

	// When the wait limit passes, n8n resumes without running node code and
	// forwards the waiting node's input; swapping that input is how the timed-out
	// item reaches the next node. (n8n 2.8.4: WaitTracker -> handleWaitingState
	// marks this node disabled and handleDisabledNode passes the swapped item on;
	// proven in test/integration/pause.test.js.) No node code runs at that point,
	// so a timeout can only ever produce this item, never a node failure.
	const executeData = context.getExecuteData();
	executeData.data = {
		main: [[timedOutItem(accountNumber, run.settings.waitLimitMinutes, envelope.operationId)]],
	};
	await context.putExecutionToWait(new Date(Date.now() + run.settings.waitLimitMinutes * 60_000));
	return [items];
}

function reject(context: IWebhookFunctions, status: number, message: string): IWebhookResponseData {
	const res = context.getResponseObject();
	res.status(status).json({ error: message });
	return { noWebhookResponse: true };
}

/** Khipu's callback into a waiting execution; anything that fails a check leaves it waiting. */
export async function resumeWebhook(context: IWebhookFunctions): Promise<IWebhookResponseData> {
	const query = context.getQueryData() as IDataObject;
	const accountRaw = query[CALLBACK_PARAMS.account];
	let accountNumber: string;
	try {
		accountNumber = validateAccountNumber(accountRaw);
	} catch {
		return reject(context, 401, 'Invalid resume token');
	}
	const credentials = await context.getCredentials(KHIPU_CREDENTIAL_TYPE);
	const expected = resumeToken(
		credentialSecret(credentials),
		context.getExecutionId(),
		context.getNode().id,
		accountNumber,
	);
	if (!tokensMatch(expected, query[CALLBACK_PARAMS.token])) return reject(context, 401, 'Invalid resume token');

	const body = readCallbackBody(context, MAX_CALLBACK_BYTES);
	if (!body.ok) return reject(context, body.status, body.error);
	const { envelope } = body;
	const settings = readSettings(context.getNodeParameter('options', {}) as IDataObject);
	const acknowledgement = { received: true, operationId: envelope.operationId };

	if (envelope.status === 'ERROR') {
		// Throwing here is handled differently across n8n versions (2.41 leaves the
		// execution waiting), so the error travels as an item, like the trigger's.
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
	const items = envelopeToItems(envelope, accountNumber, settings);
	return {
		webhookResponse: acknowledgement,
		workflowData: [items.map((json) => ({ json, pairedItem: { item: 0 } }))],
	};
}

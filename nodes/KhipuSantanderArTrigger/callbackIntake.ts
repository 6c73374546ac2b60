import type { IDataObject, IHookFunctions, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { envelopeToItems } from '../shared/balances/items';
import { readCallbackBody } from '../shared/callbackBody';
import { tokenAccepted } from '../shared/callbackToken';
import { CALLBACK_PARAMS, readCallbackHints } from '../shared/callbackUrl';
import { KHIPU_CALLBACK_CREDENTIAL_TYPE } from '../shared/constants';
import { answered, answerEnded, receive, repairStore, started, type AnswerOutcome } from '../shared/dedupe';
import { failureFromEnvelope } from '../shared/khipu/failure';
import { ipAllowed } from '../shared/ipAllowlist';
import { acknowledgeWhenStarted } from '../shared/n8nCompat';
import { InputError } from '../shared/validation';
import { readTriggerSettings, type TriggerSettings } from './triggerSettings';

function respond(context: IWebhookFunctions, status: number, body: IDataObject): IWebhookResponseData {
	context.getResponseObject().status(status).json(body);
	return { noWebhookResponse: true };
}

/** Calls `done` once the answer to this request has ended, with how it ended. */
function whenAnswered(context: IWebhookFunctions, done: (outcome: AnswerOutcome) => void): void {
	const res = context.getResponseObject();
	// The sender may have left while this request waited (settings, a delivery in flight): a 'close' that
	// already happened is not emitted again, and the id would stay claimed here for good.
	if (res.closed || res.destroyed) {
		done('connectionClosed');
		return;
	}
	res.once('close', () => {
		if (!res.writableFinished) done('connectionClosed');
		else done(res.statusCode >= 200 && res.statusCode < 300 ? 'answered2xx' : 'answeredOtherwise');
	});
}

/** Activation and every callback read the same settings, the token from the credential. */
export async function readSettingsFrom(context: IHookFunctions | IWebhookFunctions): Promise<TriggerSettings> {
	const credential = await context.getCredentials(KHIPU_CALLBACK_CREDENTIAL_TYPE);
	return readTriggerSettings({
		callbackCredential: credential,
		now: Date.now(),
		ipAllowlist: context.getNodeParameter('ipAllowlist', ''),
		statuses: context.getNodeParameter('statuses', 'both'),
		options: context.getNodeParameter('options', {}) as IDataObject,
	});
}

/** The URL as Khipu was given it, with the token masked: outputs must not carry secrets. */
function maskedCallbackUrl(context: IWebhookFunctions): string {
	const base = context.getNodeWebhookUrl('default') ?? '';
	return `${base}?${CALLBACK_PARAMS.token}=***`;
}

/**
 * Every check happens before an execution exists, so a rejected callback
 * costs nothing; accepted ones are acknowledged at once and never wait for the
 * workflow.
 */
export async function intakeCallback(context: IWebhookFunctions): Promise<IWebhookResponseData> {
	let settings: TriggerSettings;
	try {
		settings = await readSettingsFrom(context);
	} catch (error) {
		const field = error instanceof InputError ? error.field : 'credential';
		return respond(context, 500, { error: `Trigger is misconfigured (${field})` });
	}

	const req = context.getRequestObject();
	if (!ipAllowed(settings.allowlist, req.ip)) return respond(context, 403, { error: 'Address not allowed' });

	const query = context.getQueryData() as IDataObject;
	const token = query[CALLBACK_PARAMS.token];
	if (token === undefined || token === '') return respond(context, 401, { error: 'Missing token' });
	if (!tokenAccepted(settings.token, settings.previousToken, token, Date.now())) {
		return respond(context, 403, { error: 'Invalid token' });
	}

	const body = readCallbackBody(context, settings.maxBodyBytes);
	if (!body.ok) return respond(context, body.status, { error: body.error });
	const { envelope } = body;

	const acknowledgement: IDataObject = { received: true, operationId: envelope.operationId };
	if (settings.statuses !== 'both' && envelope.status !== settings.statuses) {
		return respond(context, 200, {
			...acknowledgement,
			ignored: `Status ${envelope.status} does not start this workflow`,
		});
	}
	const callbackUrl = maskedCallbackUrl(context);
	// Khipu's body does not name the account; the URL the node built does.
	const hints = readCallbackHints(query);
	let items: IDataObject[];
	if (settings.output === 'raw') {
		items = [envelope.raw];
	} else if (envelope.status === 'ERROR') {
		const failure = failureFromEnvelope(envelope, null, 1);
		items = [{ operationId: envelope.operationId, status: 'ERROR', error: failure.message, ...failure.toJson() }];
	} else {
		items = envelopeToItems(envelope, hints.accountNumber ?? null, settings);
	}
	if (items.length === 0) return respond(context, 200, { ...acknowledgement, ignored: 'No balances' });
	const workflowData = [context.helpers.returnJsonArray(items.map((item) => ({ ...item, ...hints, callbackUrl })))];
	if (settings.dedupeMs === 0) return { webhookResponse: acknowledgement, workflowData };

	// Answers go through n8n, which saves the workflow's static data before it answers.
	const scope = `${context.getWorkflow().id ?? ''}:${context.getNode().id}`;
	const store = context.getWorkflowStaticData('node');
	const { operationId } = envelope;
	const delivery = await receive(scope, operationId, settings.dedupeMs, store);
	if (delivery === 'inFlight') {
		return respond(context, 503, {
			error: 'A delivery of this OperationId is still being received; deliver it again later',
			operationId,
		});
	}
	if (delivery === 'repeat') {
		repairStore(scope, store);
		whenAnswered(context, () => answerEnded(scope, store));
		return { webhookResponse: { ...acknowledgement, duplicate: true } };
	}
	whenAnswered(context, (outcome) => {
		answered(scope, operationId, outcome);
		answerEnded(scope, store);
	});
	return acknowledgeWhenStarted({ workflowData }, acknowledgement, () => started(scope, operationId, store));
}

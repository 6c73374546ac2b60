import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { firstDelivery } from '../shared/dedupe';
import { readCallbackBody } from '../shared/callbackBody';
import { failureFromEnvelope } from '../shared/failure';
import { ipAllowed } from '../shared/ipAllowlist';
import { envelopeToItems } from '../shared/items';
import { tokensMatch } from '../shared/token';
import { InputError } from '../shared/validation';
import { TOKEN_QUERY_PARAM } from './triggerFields';
import { readTriggerSettings, type TriggerSettings } from './triggerSettings';

function respond(context: IWebhookFunctions, status: number, body: IDataObject): IWebhookResponseData {
	context.getResponseObject().status(status).json(body);
	return { noWebhookResponse: true };
}

export function readSettingsFrom(context: IWebhookFunctions): TriggerSettings {
	return readTriggerSettings({
		callbackToken: context.getNodeParameter('callbackToken', ''),
		ipAllowlist: context.getNodeParameter('ipAllowlist', ''),
		statuses: context.getNodeParameter('statuses', 'both'),
		options: context.getNodeParameter('options', {}) as IDataObject,
	});
}

/** The URL as Khipu was given it, with the token masked: outputs must not carry secrets. */
function maskedCallbackUrl(context: IWebhookFunctions): string {
	const base = context.getNodeWebhookUrl('default') ?? '';
	return `${base}?${TOKEN_QUERY_PARAM}=***`;
}

/**
 * Every check happens before an execution exists, so a rejected callback
 * costs nothing; accepted ones are acknowledged at once and never wait for the
 * workflow.
 */
export async function intakeCallback(context: IWebhookFunctions): Promise<IWebhookResponseData> {
	let settings: TriggerSettings;
	try {
		settings = readSettingsFrom(context);
	} catch (error) {
		const field = error instanceof InputError ? error.field : 'settings';
		return respond(context, 500, { error: `Trigger is misconfigured (${field})` });
	}

	const req = context.getRequestObject();
	if (!ipAllowed(settings.allowlist, req.ip)) return respond(context, 403, { error: 'Address not allowed' });

	const query = context.getQueryData() as IDataObject;
	const token = query[TOKEN_QUERY_PARAM];
	if (token === undefined || token === '') return respond(context, 401, { error: 'Missing token' });
	if (!tokensMatch(settings.token, token)) return respond(context, 403, { error: 'Invalid token' });

	const body = readCallbackBody(context, settings.maxBodyBytes);
	if (!body.ok) return respond(context, body.status, { error: body.error });
	const { envelope } = body;

	const acknowledgement: IDataObject = { received: true, operationId: envelope.operationId };
	if (settings.statuses !== 'both' && envelope.status !== settings.statuses) {
		return respond(context, 200, { ...acknowledgement, ignored: `Status ${envelope.status} does not start this workflow` });
	}
	if (settings.dedupeMs > 0) {
		const scope = `${context.getWorkflow().id ?? ''}:${context.getNode().id}`;
		const shared = context.getWorkflowStaticData('node');
		if (!firstDelivery(scope, envelope.operationId, settings.dedupeMs, Date.now(), shared)) {
			return respond(context, 200, { ...acknowledgement, duplicate: true });
		}
	}

	const callbackUrl = maskedCallbackUrl(context);
	let items: IDataObject[];
	if (settings.output === 'raw') {
		items = [envelope.raw];
	} else if (envelope.status === 'ERROR') {
		const failure = failureFromEnvelope(envelope, null, 1);
		items = [{ operationId: envelope.operationId, status: 'ERROR', error: failure.message, ...failure.toJson() }];
	} else {
		items = envelopeToItems(envelope, null, settings);
	}
	if (items.length === 0) return respond(context, 200, { ...acknowledgement, ignored: 'No balances' });

	return {
		webhookResponse: acknowledgement,
		workflowData: [context.helpers.returnJsonArray(items.map((item) => ({ ...item, callbackUrl })))],
	};
}

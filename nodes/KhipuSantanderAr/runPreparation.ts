import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { buildCallbackUrl, checkTokenDestination, validateReference } from '../shared/callbackUrl';
import { CALLBACK_CREDENTIAL_FIELD, validateCallbackToken } from '../shared/callbackToken';
import { KHIPU_CALLBACK_CREDENTIAL_TYPE, KHIPU_CREDENTIAL_TYPE } from '../shared/constants';
import { validateKhipuCredential } from '../shared/khipu/accountCredential';
import type { KhipuConnection } from '../shared/khipu/transport';
import { webhookBaseUrl } from '../shared/n8nCompat';
import { InputError, validateAccountNumber, validateBaseUrl, validateCallbackUrl } from '../shared/validation';
import type { KhipuOperation } from './khipuOperation';
import { DELIVERY, type Delivery } from './descriptions/balanceFields';
import { readNodeOptions, type NodeOptions } from './nodeOptions';

/** Everything one run shares, read and checked once before the first item. */
export interface RunContext {
	operation: KhipuOperation;
	connection: KhipuConnection;
	options: NodeOptions;
	delivery: Delivery;
	/** Callback delivery only; undefined when "Add Callback Token" is off. */
	callbackToken?: string;
	/** Set when the token may only go over https or to this n8n ("Allow Token Over Plain HTTP" off). */
	ownWebhookBase?: URL;
}

/** One item, checked and ready to send. */
export interface PreparedItem {
	accountNumber: string;
	requestData: IDataObject;
	/** Holds the token when there is one: sent to Khipu, never output. */
	callbackUrl?: string;
	reference?: string;
}

/** Credentials and options are shared by every item, so they are checked once, up front. */
export async function prepareRun(context: IExecuteFunctions, operation: KhipuOperation): Promise<RunContext> {
	const options = readNodeOptions(context.getNodeParameter('options', 0, {}) as IDataObject);
	const delivery = context.getNodeParameter('delivery', 0, DELIVERY.sync) as Delivery;
	const credentials = await context.getCredentials(KHIPU_CREDENTIAL_TYPE);
	validateKhipuCredential(credentials);
	const baseUrl = validateBaseUrl(credentials.baseUrl ?? '');
	const run: RunContext = { operation, connection: { baseUrl, credentials }, options, delivery };
	if (delivery === DELIVERY.callbackUrl && context.getNodeParameter('addCallbackToken', 0, true) !== false) {
		if (!context.getNode().credentials?.[KHIPU_CALLBACK_CREDENTIAL_TYPE]) {
			throw new InputError(
				CALLBACK_CREDENTIAL_FIELD,
				'Callback delivery adds the token of a Khipu Callback Token API credential ' +
					'to the Callback URL: select the one the receiving trigger uses, or turn off Add Callback Token',
			);
		}
		const callback = await context.getCredentials(KHIPU_CALLBACK_CREDENTIAL_TYPE);
		run.callbackToken = validateCallbackToken(callback.token);
		if (context.getNodeParameter('allowTokenOverHttp', 0, false) !== true) run.ownWebhookBase = webhookBaseUrl(context);
	}
	return run;
}

/** Reads and checks one item's parameters; throws an InputError before anything is sent. */
export function prepareItem(context: IExecuteFunctions, index: number, run: RunContext): PreparedItem {
	const accountNumber = validateAccountNumber(context.getNodeParameter('accountNumber', index));
	const requestData = run.operation.requestData(context, index, accountNumber);
	if (run.delivery !== DELIVERY.callbackUrl) return { accountNumber, requestData };
	const base = validateCallbackUrl(context.getNodeParameter('callbackUrl', index));
	if (run.callbackToken !== undefined && run.ownWebhookBase) checkTokenDestination(base, run.ownWebhookBase);
	const reference = validateReference(context.getNodeParameter('reference', index, ''));
	const callbackUrl = buildCallbackUrl(base, { account: accountNumber, reference, token: run.callbackToken });
	return { accountNumber, requestData, callbackUrl, reference };
}

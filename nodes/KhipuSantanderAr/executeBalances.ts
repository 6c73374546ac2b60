import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';

import { validateKhipuCredential } from '../shared/accountCredential';
import { buildCallbackUrl, validateReference } from '../shared/callbackUrl';
import { KHIPU_CALLBACK_CREDENTIAL_TYPE, KHIPU_CREDENTIAL_TYPE } from '../shared/constants';
import { KhipuFailure } from '../shared/failure';
import { envelopeToItems } from '../shared/items';
import { runPool } from '../shared/pool';
import { CALLBACK_CREDENTIAL_FIELD, validateCallbackToken } from '../shared/token';
import { InputError, validateAccountNumber, validateBaseUrl, validateCallbackUrl } from '../shared/validation';
import { DELIVERY, type Delivery } from './descriptions/balanceFields';
import { requestWithRetry } from './requestWithRetry';
import type { KhipuConnection } from '../shared/transport';
import { readSettings, type BalanceSettings } from './settings';

interface PreparedItem {
	accountNumber: string;
	/** Holds the token when there is one: sent to Khipu, never output. */
	callbackUrl?: string;
	reference?: string;
}

export interface RunContext {
	connection: KhipuConnection;
	settings: BalanceSettings;
	delivery: Delivery;
	/** Callback delivery only; undefined when "Add Callback Token" is off. */
	callbackToken?: string;
}

/** Credentials and options are shared by every item, so they are checked once, up front. */
export async function prepareRun(context: IExecuteFunctions): Promise<RunContext> {
	const settings = readSettings(context.getNodeParameter('options', 0, {}) as IDataObject);
	const delivery = context.getNodeParameter('delivery', 0, DELIVERY.sync) as Delivery;
	const credentials = await context.getCredentials(KHIPU_CREDENTIAL_TYPE);
	validateKhipuCredential(credentials);
	const baseUrl = validateBaseUrl(credentials.baseUrl ?? '');
	const run: RunContext = { connection: { baseUrl, credentials }, settings, delivery };
	if (delivery === DELIVERY.callbackUrl && context.getNodeParameter('addCallbackToken', 0, true) !== false) {
		if (!context.getNode().credentials?.[KHIPU_CALLBACK_CREDENTIAL_TYPE]) {
			throw new InputError(
				CALLBACK_CREDENTIAL_FIELD,
				'Callback delivery adds the token of a Khipu Callback Token API credential to the Callback URL: select the one the receiving trigger uses, or turn off Add Callback Token',
			);
		}
		const callback = await context.getCredentials(KHIPU_CALLBACK_CREDENTIAL_TYPE);
		run.callbackToken = validateCallbackToken(callback.token);
	}
	return run;
}

export function prepareItem(context: IExecuteFunctions, index: number, run: RunContext): PreparedItem {
	const accountNumber = validateAccountNumber(context.getNodeParameter('accountNumber', index));
	if (run.delivery !== DELIVERY.callbackUrl) return { accountNumber };
	const base = validateCallbackUrl(context.getNodeParameter('callbackUrl', index));
	const reference = validateReference(context.getNodeParameter('reference', index, ''));
	const callbackUrl = buildCallbackUrl(base, { account: accountNumber, reference, token: run.callbackToken });
	return { accountNumber, callbackUrl, reference };
}

export function inputErrorToNodeError(context: IExecuteFunctions, error: InputError, index: number) {
	return new NodeOperationError(context.getNode(), `Item ${index + 1}: ${error.message}`, {
		itemIndex: index,
		description: `Field: ${error.field}. Nothing was sent to Khipu.`,
	});
}

export function failureToNodeError(context: IExecuteFunctions, failure: KhipuFailure, index: number) {
	return new NodeApiError(context.getNode(), { message: failure.message } as JsonObject, {
		message: `Item ${index + 1}: ${failure.message}`,
		description: failure.details.advice,
		httpCode: failure.details.httpStatus === null ? undefined : String(failure.details.httpStatus),
		itemIndex: index,
	});
}

function errorItem(error: unknown, index: number, accountNumber: string | null): INodeExecutionData {
	if (error instanceof KhipuFailure) {
		return {
			json: { error: error.message, accountNumber, ...error.toJson() },
			pairedItem: { item: index },
		};
	}
	if (error instanceof InputError) {
		return {
			json: { error: error.message, field: error.field, accountNumber },
			pairedItem: { item: index },
		};
	}
	const message = error instanceof Error ? error.message : String(error);
	return { json: { error: message, accountNumber }, pairedItem: { item: index } };
}

function toNodeError(context: IExecuteFunctions, error: unknown, index: number): Error {
	if (error instanceof InputError) return inputErrorToNodeError(context, error, index);
	if (error instanceof KhipuFailure) return failureToNodeError(context, error, index);
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(context.getNode(), error as Error, { itemIndex: index });
}

export function acceptedItem(
	item: PreparedItem,
	envelope: { operationId: string; lifeSpan: string | null; additionalInformation: string | null },
): IDataObject {
	return {
		accountNumber: item.accountNumber,
		...(item.reference === undefined ? {} : { reference: item.reference }),
		operationId: envelope.operationId,
		status: 'ACCEPTED',
		lifeSpan: envelope.lifeSpan,
		message:
			envelope.additionalInformation ??
			'Khipu accepted the request and will POST the result to the callback URL',
	};
}

/**
 * Synchronous and callback-URL delivery: every input item is one account, run
 * with bounded concurrency; output keeps input order and pairs each item.
 */
export async function executeBalances(
	context: IExecuteFunctions,
	run: RunContext,
): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const continueOnFail = context.continueOnFail();
	const prepared: Array<PreparedItem | InputError> = [];

	// Every item is validated before the first request, so bad input sends nothing.
	for (let i = 0; i < items.length; i++) {
		try {
			prepared.push(prepareItem(context, i, run));
		} catch (error) {
			if (!(error instanceof InputError)) throw toNodeError(context, error, i);
			if (!continueOnFail) throw inputErrorToNodeError(context, error, i);
			prepared.push(error);
		}
	}

	const results = await runPool(
		items.length,
		run.settings.concurrency,
		async (i) => {
			const item = prepared[i];
			if (item instanceof InputError) throw item;
			const report = await requestWithRetry(context, run.connection, item, run.settings);
			if (report.outcome.kind === 'accepted') return [acceptedItem(item, report.outcome.envelope)];
			return envelopeToItems(report.outcome.envelope, item.accountNumber, run.settings);
		},
		continueOnFail,
	);

	const output: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		const result = results[i];
		const item = prepared[i];
		const accountNumber = item instanceof InputError ? null : item.accountNumber;
		if (result === undefined) continue;
		if (result.ok) {
			for (const json of result.value) output.push({ json, pairedItem: { item: i } });
			continue;
		}
		if (!continueOnFail) throw toNodeError(context, result.error, i);
		output.push(errorItem(result.error, i, accountNumber));
	}
	return [output];
}

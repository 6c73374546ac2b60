import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { buildRequestBody, khipuRequest } from '../../shared/khipu/request';
import { errorItem, inputErrorToNodeError, toNodeError } from '../../shared/nodeErrors';
import { runPool } from '../../shared/pool';
import { InputError } from '../../shared/validation';
import { prepareItem, type PreparedItem, type RunContext } from '../runPreparation';

/** What a 202 from Khipu becomes: the request is on its way, the result will come by callback. */
export function acceptedItem(
	item: Pick<PreparedItem, 'accountNumber' | 'reference'>,
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
export async function requestEachItem(context: IExecuteFunctions, run: RunContext): Promise<INodeExecutionData[][]> {
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
		run.options.concurrency,
		async (i) => {
			const item = prepared[i];
			if (item instanceof InputError) throw item;
			const body = buildRequestBody(item.requestData, item.callbackUrl);
			const report = await khipuRequest(context, run.connection, run.operation.path, body, run.options);
			if (report.outcome.kind === 'accepted') return [acceptedItem(item, report.outcome.envelope)];
			return run.operation.toItems(report.outcome.envelope, item.accountNumber, run.options);
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

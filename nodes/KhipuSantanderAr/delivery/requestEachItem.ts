import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { buildRequestBody, khipuRequest } from '../../shared/khipu/request';
import { errorItem, preparationError, toNodeError } from '../../shared/nodeErrors';
import { runPool } from '../../shared/pool';
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
			envelope.additionalInformation ?? 'Khipu accepted the request and will POST the result to the callback URL',
	};
}

/**
 * Synchronous and callback-URL delivery: every input item is one account, run
 * with bounded concurrency; output keeps input order and pairs each item.
 */
export async function requestEachItem(context: IExecuteFunctions, run: RunContext): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const continueOnFail = context.continueOnFail();
	const prepared: Array<{ ok: true; item: PreparedItem } | { ok: false; error: unknown }> = [];

	// Every item is read and checked before the first request, so bad input sends nothing;
	// under Continue On Fail a bad item becomes its error item and is never sent.
	for (let i = 0; i < items.length; i++) {
		try {
			prepared.push({ ok: true, item: prepareItem(context, i, run) });
		} catch (error) {
			if (!continueOnFail) throw preparationError(context, error, i);
			prepared.push({ ok: false, error });
		}
	}

	const results = await runPool(
		items.length,
		run.options.concurrency,
		async (i) => {
			const entry = prepared[i];
			if (!entry.ok) throw entry.error;
			const { item } = entry;
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
		const entry = prepared[i];
		const accountNumber = entry.ok ? entry.item.accountNumber : null;
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

import type { IDataObject } from 'n8n-workflow';

import type { KhipuEnvelope } from '../khipu/envelope';
import type { AmountFormat } from './amount';
import { simplifyBalances } from './simplify';

export interface ItemShape {
	output: 'simplified' | 'raw';
	onEmpty: 'infoItem' | 'nothing';
	amountFormat: AmountFormat;
}

/**
 * Turns a successful envelope into output JSON; the balances node and the
 * trigger share it so both deliver identical items for the same answer.
 */
export function envelopeToItems(
	envelope: KhipuEnvelope,
	accountNumber: string | null,
	shape: ItemShape,
): IDataObject[] {
	if (shape.output === 'raw') return [envelope.raw];
	const balances = simplifyBalances(envelope, accountNumber ?? '', shape.amountFormat);
	if (balances.length > 0) {
		return accountNumber === null ? balances.map(withoutAccountNumber) : balances;
	}
	if (shape.onEmpty === 'nothing') return [];
	const info: IDataObject = {
		operationId: envelope.operationId,
		status: envelope.status,
		noBalances: true,
		message:
			envelope.additionalInformation ??
			(envelope.data === null
				? 'Khipu returned no data for this account'
				: 'Khipu returned an empty balance list for this account'),
	};
	return [accountNumber === null ? info : { accountNumber, ...info }];
}

/** A callback does not say which account it is for; an empty field would mislead. */
function withoutAccountNumber(item: IDataObject): IDataObject {
	const copy = { ...item };
	delete copy.accountNumber;
	return copy;
}

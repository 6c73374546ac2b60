import type { IDataObject } from 'n8n-workflow';

import { envelopeToItems, type ItemShape } from '../../../shared/balances/items';
import { simplifyBalances } from '../../../shared/balances/simplify';
import type { KhipuEnvelope } from '../../../shared/khipu/envelope';
import type { KhipuOperation } from '../../khipuOperation';

export const BALANCES_PATH = '/v1/ar/banking/personal/santander.com.ar/pending/current-day/ACY/balances';

/**
 * A model reads the whole answer, so it gets one object with a short entry per
 * balance instead of the workflow's one item per balance.
 */
function balancesAnswer(envelope: KhipuEnvelope, accountNumber: string, shape: ItemShape): IDataObject {
	const balances = simplifyBalances(envelope, accountNumber, shape.amountFormat).map((balance) => {
		const entry: IDataObject = {
			balanceType: balance.balanceType,
			creditDebitIndicator: balance.creditDebitIndicator,
			amount: balance.amount,
			currency: balance.currency,
			dateTime: balance.dateTime,
		};
		// Khipu's text and the reason are only worth their tokens when no number could be given.
		if (balance.amount === null) {
			entry.amountText = balance.amountString;
			entry.amountProblem = balance.amountProblem;
		}
		return entry;
	});
	const answer: IDataObject = { status: 'OK', accountNumber, operationId: envelope.operationId, balances };
	if (balances.length === 0) {
		answer.message = envelope.additionalInformation ?? 'Khipu returned no balances for this account today';
	}
	return answer;
}

/** "Get Pending Current Day Balances" (Khipu's fetchPendingCurrentDayBalances): today's "Saldo en Cuenta". */
export const getPendingCurrentDayBalances: KhipuOperation = {
	path: BALANCES_PATH,
	requestData: (_context, _itemIndex, accountNumber) => ({ AccountNumber: accountNumber }),
	toItems: (envelope, accountNumber, shape) => envelopeToItems(envelope, accountNumber, shape),
	toolAnswer: balancesAnswer,
};

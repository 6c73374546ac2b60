import type { IDataObject } from 'n8n-workflow';

import { isObject, optionalString, type KhipuEnvelope } from '../khipu/envelope';
import { readAmount, type AmountFormat } from './amount';

/**
 * What the balances endpoint puts in `Data`, read leniently: Khipu's page
 * documents few item fields, so every one is optional and kept as sent.
 */

export interface SimplifiedBalance extends IDataObject {
	accountNumber: string;
	accountId: string | null;
	balanceType: string | null;
	creditDebitIndicator: string | null;
	amount: number | null;
	amountString: string | null;
	/** Why `amount` is null (unreadable or ambiguous text); null when it was read. */
	amountProblem: string | null;
	currency: string | null;
	dateTime: string | null;
	operationId: string;
}

function readBalances(data: IDataObject | null): IDataObject[] {
	if (!data) return [];
	const list = data.Balance ?? data.Balances;
	if (Array.isArray(list)) return list.filter(isObject);
	if (isObject(list)) return [list];
	return [];
}

/** "2022-11-30T01:55:00-0300" becomes "2022-11-30T01:55:00-03:00"; unparseable text is kept. */
export function normalizeDateTime(value: unknown): string | null {
	const text = optionalString(value);
	if (!text) return null;
	const fixed = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
	return Number.isNaN(Date.parse(fixed)) ? text : fixed;
}

function amountEntries(balance: IDataObject): IDataObject[] {
	const amount = balance.Amount;
	if (Array.isArray(amount)) return amount.filter(isObject);
	if (isObject(amount)) return [amount];
	if (typeof amount === 'string' || typeof amount === 'number') {
		return [{ Amount: amount, Currency: balance.Currency ?? null }];
	}
	return [{}];
}

/**
 * One item per balance and currency: alert workflows compare a single number, so
 * multi-currency balances are split. Debits are negative.
 */
export function simplifyBalances(
	envelope: KhipuEnvelope,
	accountNumber: string,
	amountFormat: AmountFormat,
): SimplifiedBalance[] {
	const items: SimplifiedBalance[] = [];
	for (const balance of readBalances(envelope.data)) {
		const indicator = optionalString(balance.CreditDebitIndicator);
		for (const entry of amountEntries(balance)) {
			const { amount: parsed, problem } = readAmount(entry.Amount, amountFormat);
			const magnitude = parsed === null ? null : Math.abs(parsed);
			const isDebit = indicator?.toLowerCase() === 'debit';
			items.push({
				accountNumber,
				accountId: optionalString(balance.AccountId),
				balanceType: optionalString(balance.Type),
				creditDebitIndicator: indicator,
				amount: magnitude === null ? null : isDebit ? -magnitude : parsed,
				amountString: optionalString(entry.Amount),
				amountProblem: problem,
				currency: optionalString(entry.Currency),
				dateTime: normalizeDateTime(balance.DateTime),
				operationId: envelope.operationId,
			});
		}
	}
	return items;
}

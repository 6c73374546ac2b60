import type { IDataObject } from 'n8n-workflow';

import { ERROR_TYPES, LIMITS, type KhipuErrorType } from './constants';
import { describeType } from './text';

/**
 * Khipu's response envelope, shared by synchronous answers, 202 acknowledgements
 * and callback bodies. Fields are read leniently (Khipu documents few item
 * fields), but the two that identify an answer, OperationId and Status, are strict.
 */
export interface KhipuEnvelope {
	operationId: string;
	status: 'OK' | 'ERROR';
	data: IDataObject | null;
	balances: IDataObject[];
	additionalInformation: string | null;
	error: KhipuErrorDetails | null;
	lifeSpan: string | null;
	raw: IDataObject;
}

export interface KhipuErrorDetails {
	code: string;
	type: KhipuErrorType | string;
	description: string;
}

export interface SimplifiedBalance extends IDataObject {
	accountNumber: string;
	accountId: string | null;
	balanceType: string | null;
	creditDebitIndicator: string | null;
	amount: number | null;
	amountString: string | null;
	currency: string | null;
	dateTime: string | null;
	operationId: string;
}

export class EnvelopeError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'EnvelopeError';
	}
}

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | null {
	if (typeof value === 'string') return value;
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	return null;
}

/** Returns why a body is not a Khipu envelope, or null when it is one. */
export function envelopeProblem(body: unknown): string | null {
	if (!isObject(body)) return `the body is ${describeType(body)}, not a JSON object`;
	const operationId = body.OperationId;
	if (typeof operationId !== 'string' || operationId.trim() === '') {
		return 'OperationId is missing or not a string';
	}
	if (operationId.length > LIMITS.operationId) {
		return `OperationId is longer than ${LIMITS.operationId} characters`;
	}
	const status = typeof body.Status === 'string' ? body.Status.toUpperCase() : body.Status;
	if (status !== 'OK' && status !== 'ERROR') {
		return 'Status must be "OK" or "ERROR"';
	}
	return null;
}

function readError(body: IDataObject): KhipuErrorDetails | null {
	if (isObject(body.Error)) {
		return {
			code: optionalString(body.Error.Code) ?? 'UNKNOWN',
			type: optionalString(body.Error.Type) ?? 'UNKNOWN',
			description: optionalString(body.Error.Description) ?? '',
		};
	}
	// Khipu's older envelope reported failures as FailureReason + Message.
	if (body.FailureReason !== undefined || body.Message !== undefined) {
		return {
			code: optionalString(body.FailureReason) ?? 'UNKNOWN',
			type: 'UNKNOWN',
			description: optionalString(body.Message) ?? '',
		};
	}
	return null;
}

function readBalances(data: IDataObject | null): IDataObject[] {
	if (!data) return [];
	const list = data.Balance ?? data.Balances;
	if (Array.isArray(list)) return list.filter(isObject);
	if (isObject(list)) return [list];
	return [];
}

export function parseEnvelope(body: unknown): KhipuEnvelope {
	const problem = envelopeProblem(body);
	if (problem) throw new EnvelopeError(`Khipu's answer is not a valid envelope: ${problem}`);
	const raw = body as IDataObject;
	const data = isObject(raw.Data) ? raw.Data : null;
	const status = String(raw.Status).toUpperCase() as 'OK' | 'ERROR';
	return {
		operationId: (raw.OperationId as string).trim(),
		status,
		data,
		balances: readBalances(data),
		additionalInformation: optionalString(raw.AdditionalInformation),
		error: status === 'ERROR' ? (readError(raw) ?? { code: 'UNKNOWN', type: 'UNKNOWN', description: '' }) : null,
		lifeSpan: optionalString(raw.LifeSpan),
		raw,
	};
}

export function isKnownErrorType(type: string): type is KhipuErrorType {
	return (ERROR_TYPES as readonly string[]).includes(type);
}

/**
 * Amounts may come as JSON numbers, "1234.56", or Argentine "1.234,56"; the last
 * separator is taken as the decimal one.
 */
export function parseAmount(value: unknown): number | null {
	if (typeof value === 'number') return Number.isFinite(value) ? value : null;
	if (typeof value !== 'string') return null;
	let text = value.trim().replace(/\s/g, '');
	if (!/^[-+]?[0-9.,]+$/.test(text)) return null;
	const lastDot = text.lastIndexOf('.');
	const lastComma = text.lastIndexOf(',');
	if (lastComma > lastDot) {
		text = text.replace(/\./g, '').replace(',', '.');
	} else if (lastComma !== -1) {
		text = text.replace(/,/g, '');
	}
	if ((text.match(/\./g) ?? []).length > 1) return null;
	const parsed = Number(text);
	return Number.isFinite(parsed) ? parsed : null;
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
export function simplifyBalances(envelope: KhipuEnvelope, accountNumber: string): SimplifiedBalance[] {
	const items: SimplifiedBalance[] = [];
	for (const balance of envelope.balances) {
		const indicator = optionalString(balance.CreditDebitIndicator);
		for (const entry of amountEntries(balance)) {
			const parsed = parseAmount(entry.Amount);
			const magnitude = parsed === null ? null : Math.abs(parsed);
			const isDebit = indicator?.toLowerCase() === 'debit';
			items.push({
				accountNumber,
				accountId: optionalString(balance.AccountId),
				balanceType: optionalString(balance.Type),
				creditDebitIndicator: indicator,
				amount: magnitude === null ? null : isDebit ? -magnitude : parsed,
				amountString: optionalString(entry.Amount),
				currency: optionalString(entry.Currency),
				dateTime: normalizeDateTime(balance.DateTime),
				operationId: envelope.operationId,
			});
		}
	}
	return items;
}

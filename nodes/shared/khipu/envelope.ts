import type { IDataObject } from 'n8n-workflow';

import { ERROR_TYPES, LIMITS, type KhipuErrorType } from '../constants';
import { describeType } from '../text';

/**
 * Khipu's response envelope, the same for every data endpoint, shared by
 * synchronous answers, 202 acknowledgements and callback bodies. Fields are read
 * leniently, but the two that identify an answer, OperationId and Status, are
 * strict. What `Data` holds is each operation's business (see balances/).
 */
export interface KhipuEnvelope {
	operationId: string;
	status: 'OK' | 'ERROR';
	data: IDataObject | null;
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

export class EnvelopeError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'EnvelopeError';
	}
}

export function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function optionalString(value: unknown): string | null {
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
		additionalInformation: optionalString(raw.AdditionalInformation),
		error: status === 'ERROR' ? (readError(raw) ?? { code: 'UNKNOWN', type: 'UNKNOWN', description: '' }) : null,
		lifeSpan: optionalString(raw.LifeSpan),
		raw,
	};
}

export function isKnownErrorType(type: string): type is KhipuErrorType {
	return (ERROR_TYPES as readonly string[]).includes(type);
}

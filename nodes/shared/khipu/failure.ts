import type { IDataObject } from 'n8n-workflow';

import { isKnownErrorType, type KhipuEnvelope } from './envelope';
import type { KhipuOutcome } from './outcome';
import type { KhipuConnectionError } from './transport';

/**
 * Everything the user needs to decide what to do after a failed call, free of
 * secrets: it becomes either a NodeApiError or an error item.
 */
export class KhipuFailure extends Error {
	constructor(
		message: string,
		readonly details: {
			advice: string;
			httpStatus: number | null;
			code: string | null;
			type: string | null;
			description: string | null;
			operationId: string | null;
			retryable: boolean;
			retryAfterSeconds: number | null;
		},
	) {
		super(message);
		this.name = 'KhipuFailure';
	}

	toJson(): IDataObject {
		return {
			message: this.message,
			advice: this.details.advice,
			httpStatus: this.details.httpStatus,
			code: this.details.code,
			type: this.details.type,
			description: this.details.description,
			operationId: this.details.operationId,
		};
	}
}

const FOUR_HOURS_MS = 4 * 60 * 60 * 1000;

export function adviceForType(type: string, now: Date, attempts: number): string {
	switch (type) {
		case 'RETRY_IMMEDIATELY':
			return attempts > 1
				? `Khipu marked this error as temporary; the node tried ${attempts} times ` +
						'without success. Run it again in a few minutes.'
				: 'Khipu marked this error as temporary. Run it again, or enable "Retry Temporary Errors" in the node options.';
		case 'DO_NOT_RETRY':
			return (
				'Retrying will not help: fix the cause first (for example the bank login, ' +
				'the account number or the request).'
			);
		case 'WAIT_4_HOURS_BEFORE_RETRY':
			return (
				`Do not retry before ${new Date(now.getTime() + FOUR_HOURS_MS).toISOString()} ` +
				'(4 hours from now); retrying sooner can get the bank account blocked.'
			);
		case 'RETRY_AFTER_NOTIFICATION':
			return (
				'Retry only after the account holder or Khipu has fixed the problem (for ' +
				'example by confirming access at the bank); Khipu notifies when that is done.'
			);
		default:
			return 'Khipu did not say whether retrying helps; check the code and description.';
	}
}

export function failureFromEnvelope(
	envelope: KhipuEnvelope,
	httpStatus: number | null,
	attempts: number,
	now = new Date(),
): KhipuFailure {
	const error = envelope.error ?? { code: 'UNKNOWN', type: 'UNKNOWN', description: '' };
	const type = isKnownErrorType(error.type) ? error.type : error.type || 'UNKNOWN';
	const description = error.description ? `: ${error.description}` : '';
	return new KhipuFailure(`Khipu error ${error.code} (${type})${description}`, {
		advice: adviceForType(type, now, attempts),
		httpStatus,
		code: error.code,
		type,
		description: error.description || null,
		operationId: envelope.operationId,
		retryable: type === 'RETRY_IMMEDIATELY',
		retryAfterSeconds: null,
	});
}

const HTTP_ADVICE: Record<number, string> = {
	400: 'Khipu could not process the request; check the account number and the credential fields.',
	401: 'Check the JWT or API key in the Khipu credential; a JWT may have expired (Khipu code A000).',
	403: 'The credential is valid but not allowed to use this endpoint; ask Khipu to enable it.',
	404: 'Check the Base URL in the Khipu credential: this endpoint was not found there.',
	429: "Khipu is rate-limiting requests; lower the node's concurrency or run it later.",
	500: 'Khipu had an internal error; try again later.',
	502: 'A gateway in front of Khipu failed; try again later.',
	503: 'Khipu is temporarily unavailable; try again later.',
	504: 'Khipu did not answer in time. Synchronous calls can time out on slow banks: prefer callback delivery.',
};

export function failureFromOutcome(outcome: KhipuOutcome, attempts: number): KhipuFailure {
	if (outcome.kind === 'khipuError') return failureFromEnvelope(outcome.envelope, outcome.httpStatus, attempts);
	if (outcome.kind === 'notJson') {
		return new KhipuFailure(
			`Khipu answered HTTP ${outcome.httpStatus} with ${outcome.bodySummary} instead of a JSON envelope`,
			{
				advice:
					'This usually means a proxy or gateway answered instead of Khipu; check the Base URL and try again later.',
				httpStatus: outcome.httpStatus,
				code: null,
				type: null,
				description: null,
				operationId: null,
				retryable: false,
				retryAfterSeconds: null,
			},
		);
	}
	if (outcome.kind === 'httpError') {
		const status = outcome.httpStatus;
		const envelopeError = outcome.envelope?.error;
		const detail = envelopeError
			? ` (Khipu error ${envelopeError.code}${envelopeError.description ? `: ${envelopeError.description}` : ''})`
			: ` with ${outcome.bodySummary}`;
		const advice =
			HTTP_ADVICE[status] ??
			(status >= 500 ? 'Khipu or a gateway failed; try again later.' : 'Check the request and the credential.');
		const retryHint =
			status === 429 && outcome.retryAfterSeconds !== null
				? ` Khipu asked to wait ${outcome.retryAfterSeconds} s.`
				: '';
		return new KhipuFailure(`Khipu answered HTTP ${status}${detail}`, {
			advice: advice + retryHint,
			httpStatus: status,
			code: envelopeError?.code ?? null,
			type: envelopeError?.type ?? null,
			description: envelopeError?.description ?? null,
			operationId: outcome.envelope?.operationId ?? null,
			// Error.Type decides even on an HTTP error: a 5xx that says RETRY_IMMEDIATELY is retried.
			retryable: status === 429 || envelopeError?.type === 'RETRY_IMMEDIATELY',
			retryAfterSeconds: outcome.retryAfterSeconds,
		});
	}
	throw new Error(`Outcome ${outcome.kind} is not a failure`);
}

export function failureFromConnection(error: KhipuConnectionError): KhipuFailure {
	const timedOut = error.code === 'ETIMEDOUT' || error.code === 'ECONNABORTED';
	return new KhipuFailure(error.message, {
		advice: timedOut
			? "Raise the node's Timeout option, or use callback delivery so Khipu does not have to answer at once."
			: 'Check the Base URL and the network between n8n and Khipu, then try again.',
		httpStatus: null,
		code: error.code,
		type: null,
		description: null,
		operationId: null,
		retryable: false,
		retryAfterSeconds: null,
	});
}

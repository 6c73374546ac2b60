import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { sleepUnlessStopped } from '../n8nCompat';

import { failureFromConnection, failureFromOutcome, KhipuFailure } from './failure';
import { classifyResponse, type KhipuOutcome } from './outcome';
import { KhipuConnectionError, sendOnce, type KhipuConnection } from './transport';

const MAX_BACKOFF_MS = 30_000;

/** How one call retries and how long it may take; node options fill it. */
export interface RequestPolicy {
	retryTemporaryErrors: boolean;
	maxRetries: number;
	retryDelayMs: number;
	maxRetryAfterSeconds: number;
	timeoutMs: number;
}

export type SuccessfulOutcome = Extract<KhipuOutcome, { kind: 'result' | 'accepted' }>;

export interface CallReport {
	outcome: SuccessfulOutcome;
	attempts: number;
}

/**
 * The body every Khipu data endpoint takes. AccountCredential is added by the
 * credential's authenticate() in API-key mode only, so secrets never pass
 * through node code.
 */
export function buildRequestBody(requestData: IDataObject, callbackUrl?: string): IDataObject {
	const body: IDataObject = { RequestData: requestData };
	if (callbackUrl) body.CallbackUrl = callbackUrl;
	return body;
}

/** The user stopped the execution: nothing further is sent. */
export class ExecutionStoppedError extends Error {
	constructor() {
		super('The execution was stopped; no further request was sent to Khipu');
		this.name = 'ExecutionStoppedError';
	}
}

function backoffMs(policy: RequestPolicy, retryNumber: number): number {
	return Math.min(MAX_BACKOFF_MS, policy.retryDelayMs * 2 ** (retryNumber - 1));
}

/**
 * The generic Khipu request path every operation uses: send (signed by the
 * credential), read the envelope, map failures, and apply Khipu's own retry
 * advice. Only RETRY_IMMEDIATELY and 429 are retried (bounded, doubling delay,
 * Retry-After honoured up to a cap); everything else fails at once because
 * retrying a bank login can lock it.
 */
export async function khipuRequest(
	context: IExecuteFunctions,
	connection: KhipuConnection,
	path: string,
	body: IDataObject,
	policy: RequestPolicy,
): Promise<CallReport> {
	const maxAttempts = policy.retryTemporaryErrors ? policy.maxRetries + 1 : 1;
	const stopped = context.getExecutionCancelSignal?.();
	for (let attempt = 1; ; attempt++) {
		// A stopped execution sends nothing more, whichever item or retry is next.
		if (stopped?.aborted) throw new ExecutionStoppedError();
		const response = await sendOnce(context, connection, { path, body }, policy.timeoutMs);
		if (response instanceof KhipuConnectionError) throw failureFromConnection(response);
		const outcome: KhipuOutcome = classifyResponse(response);
		if (outcome.kind === 'result' || outcome.kind === 'accepted') return { outcome, attempts: attempt };

		const failure: KhipuFailure = failureFromOutcome(outcome, attempt);
		if (!failure.details.retryable || attempt >= maxAttempts) throw failure;

		let delay = backoffMs(policy, attempt);
		const retryAfter = failure.details.retryAfterSeconds;
		if (retryAfter !== null) {
			if (retryAfter > policy.maxRetryAfterSeconds) throw failure;
			delay = retryAfter * 1000;
		}
		await sleepUnlessStopped(delay, stopped);
	}
}

import { sleep, type IExecuteFunctions } from 'n8n-workflow';

import { failureFromConnection, failureFromOutcome, KhipuFailure } from '../shared/failure';
import { classifyResponse, type KhipuOutcome } from '../shared/outcome';
import { KhipuConnectionError, postBalances, type BalancesRequest, type KhipuConnection } from '../shared/transport';
import type { BalanceSettings } from './settings';

const MAX_BACKOFF_MS = 30_000;

export type SuccessfulOutcome = Extract<KhipuOutcome, { kind: 'result' | 'accepted' }>;

export interface CallReport {
	outcome: SuccessfulOutcome;
	attempts: number;
}

function backoffMs(settings: BalanceSettings, retryNumber: number): number {
	return Math.min(MAX_BACKOFF_MS, settings.retryDelayMs * 2 ** (retryNumber - 1));
}

/**
 * One account, with Khipu's own retry advice applied: only RETRY_IMMEDIATELY and
 * 429 are retried (bounded, doubling delay, Retry-After honoured up to a cap);
 * everything else fails at once because retrying a bank login can lock it.
 */
export async function requestWithRetry(
	context: IExecuteFunctions,
	connection: KhipuConnection,
	request: BalancesRequest,
	settings: BalanceSettings,
): Promise<CallReport> {
	const maxAttempts = settings.retryTemporaryErrors ? settings.maxRetries + 1 : 1;
	for (let attempt = 1; ; attempt++) {
		const response = await postBalances(context, connection, request, settings.timeoutMs);
		if (response instanceof KhipuConnectionError) throw failureFromConnection(response);
		const outcome: KhipuOutcome = classifyResponse(response);
		if (outcome.kind === 'result' || outcome.kind === 'accepted') return { outcome, attempts: attempt };

		const failure: KhipuFailure = failureFromOutcome(outcome, attempt);
		if (!failure.details.retryable || attempt >= maxAttempts) throw failure;

		let delay = backoffMs(settings, attempt);
		const retryAfter = failure.details.retryAfterSeconds;
		if (retryAfter !== null) {
			if (retryAfter > settings.maxRetryAfterSeconds) throw failure;
			delay = retryAfter * 1000;
		}
		await sleep(delay);
	}
}

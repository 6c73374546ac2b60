import type { INodeProperties } from 'n8n-workflow';

import { maxBodySizeOption, MAX_BODY_KB } from '../../shared/maxBodySizeOption';
import { amountFormatOption, onEmptyOption, outputOption } from '../../shared/outputOptions';
import { DELIVERY } from './balanceFields';

export const OPTION_LIMITS = {
	concurrency: { min: 1, max: 20, default: 5 },
	maxRetries: { min: 0, max: 10, default: 2 },
	retryDelayMs: { min: 0, max: 60_000, default: 1000 },
	maxRetryAfterSeconds: { min: 0, max: 600, default: 60 },
	timeoutMs: { min: 1000, max: 600_000, default: 60_000 },
	waitLimitMinutes: { min: 1, max: 10_080, default: 60 },
	maxBodyKb: MAX_BODY_KB,
} as const;

export const optionsCollection: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add option',
	default: {},
	displayOptions: { show: { resource: ['balance'], operation: ['getPendingCurrentDayBalances'] } },
	options: [
		amountFormatOption(),
		{
			displayName: 'Concurrency',
			name: 'concurrency',
			type: 'number',
			typeOptions: { minValue: OPTION_LIMITS.concurrency.min, maxValue: OPTION_LIMITS.concurrency.max },
			default: 5,
			description:
				'How many accounts (input items) are requested from Khipu at the same time. ' +
				'Output order always follows the input.',
		},
		{
			...maxBodySizeOption('the execution keeps waiting until its Wait Limit, then outputs the TIMED_OUT item'),
			displayOptions: { show: { '/delivery': [DELIVERY.resumeOnCallback] } },
		},
		{
			displayName: 'Max Retries',
			name: 'maxRetries',
			type: 'number',
			typeOptions: { minValue: OPTION_LIMITS.maxRetries.min, maxValue: OPTION_LIMITS.maxRetries.max },
			default: 2,
			description:
				'How many times a temporary failure (Khipu error type RETRY_IMMEDIATELY, ' +
				'or HTTP 429) is retried, with a doubling delay. Used while Retry Temporary Errors is on.',
		},
		{
			displayName: 'Max Retry-After (Seconds)',
			name: 'maxRetryAfterSeconds',
			type: 'number',
			typeOptions: {
				minValue: OPTION_LIMITS.maxRetryAfterSeconds.min,
				maxValue: OPTION_LIMITS.maxRetryAfterSeconds.max,
			},
			default: 60,
			description:
				'Longest wait accepted from an HTTP 429 Retry-After header; a longer one fails at once and says when to retry',
		},
		outputOption('Raw Khipu Response', 'Khipu’s response envelope exactly as received'),
		{
			displayName: 'Retry Delay (Ms)',
			name: 'retryDelayMs',
			type: 'number',
			typeOptions: { minValue: OPTION_LIMITS.retryDelayMs.min, maxValue: OPTION_LIMITS.retryDelayMs.max },
			default: 1000,
			description: 'Delay before the first retry; each further retry waits twice as long (at most 30 s)',
		},
		{
			displayName: 'Retry Temporary Errors',
			name: 'retryTemporaryErrors',
			type: 'boolean',
			default: true,
			description:
				'Whether to retry errors Khipu marks RETRY_IMMEDIATELY, and HTTP 429, before ' +
				'failing. Other error types are never retried.',
		},
		{
			displayName: 'Timeout (Ms)',
			name: 'timeoutMs',
			type: 'number',
			typeOptions: { minValue: OPTION_LIMITS.timeoutMs.min, maxValue: OPTION_LIMITS.timeoutMs.max },
			default: 60000,
			description: 'How long to wait for Khipu to answer one request',
		},
		{
			displayName: 'Wait Limit (Minutes)',
			name: 'waitLimitMinutes',
			type: 'number',
			typeOptions: {
				minValue: OPTION_LIMITS.waitLimitMinutes.min,
				maxValue: OPTION_LIMITS.waitLimitMinutes.max,
			},
			default: 60,
			description:
				'How long the paused execution waits for Khipu’s callback. After it, the ' +
				'node outputs one item with status TIMED_OUT.',
			displayOptions: { show: { '/delivery': [DELIVERY.resumeOnCallback] } },
		},
		onEmptyOption('Output Nothing'),
	],
};

import type { IDataObject } from 'n8n-workflow';

import { validateIntegerOption } from '../shared/validation';
import { OPTION_LIMITS } from './descriptions/options';

export interface BalanceSettings {
	concurrency: number;
	retryTemporaryErrors: boolean;
	maxRetries: number;
	retryDelayMs: number;
	maxRetryAfterSeconds: number;
	timeoutMs: number;
	output: 'simplified' | 'raw';
	onEmpty: 'infoItem' | 'nothing';
	waitLimitMinutes: number;
}

function integer(options: IDataObject, name: keyof typeof OPTION_LIMITS, label: string): number {
	const limits = OPTION_LIMITS[name];
	const value = options[name];
	if (value === undefined || value === null || value === '') return limits.default;
	return validateIntegerOption(value, label, limits.min, limits.max);
}

/** Options are node-level: they are read from the first item and apply to the whole run. */
export function readSettings(options: IDataObject): BalanceSettings {
	return {
		concurrency: integer(options, 'concurrency', 'Concurrency'),
		retryTemporaryErrors: options.retryTemporaryErrors !== false,
		maxRetries: integer(options, 'maxRetries', 'Max Retries'),
		retryDelayMs: integer(options, 'retryDelayMs', 'Retry Delay (Ms)'),
		maxRetryAfterSeconds: integer(options, 'maxRetryAfterSeconds', 'Max Retry-After (Seconds)'),
		timeoutMs: integer(options, 'timeoutMs', 'Timeout (Ms)'),
		output: options.output === 'raw' ? 'raw' : 'simplified',
		onEmpty: options.onEmpty === 'nothing' ? 'nothing' : 'infoItem',
		waitLimitMinutes: integer(options, 'waitLimitMinutes', 'Wait Limit (Minutes)'),
	};
}

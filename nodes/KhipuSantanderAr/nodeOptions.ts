import type { IDataObject } from 'n8n-workflow';

import { readAmountFormat } from '../shared/balances/amount';
import type { ItemShape } from '../shared/balances/items';
import type { RequestPolicy } from '../shared/khipu/request';
import { validateIntegerOption } from '../shared/validation';
import { OPTION_LIMITS } from './descriptions/options';

/** The node's Options collection, read once per run: retries, timeout, output shape, wait limit. */
export interface NodeOptions extends RequestPolicy, ItemShape {
	concurrency: number;
	waitLimitMinutes: number;
	/** Pause delivery: the largest callback body the resume webhook reads. */
	maxBodyBytes: number;
}

function integer(options: IDataObject, name: keyof typeof OPTION_LIMITS, label: string): number {
	const limits = OPTION_LIMITS[name];
	const value = options[name];
	if (value === undefined || value === null || value === '') return limits.default;
	return validateIntegerOption(value, label, limits.min, limits.max);
}

/** Options are node-level: they are read from the first item and apply to the whole run. */
export function readNodeOptions(options: IDataObject): NodeOptions {
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
		maxBodyBytes: integer(options, 'maxBodyKb', 'Max Body Size (KB)') * 1024,
		amountFormat: readAmountFormat(options.amountFormat),
	};
}

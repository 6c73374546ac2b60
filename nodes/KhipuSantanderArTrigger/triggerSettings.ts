import type { IDataObject } from 'n8n-workflow';

import { readAmountFormat } from '../shared/balances/amount';
import type { ItemShape } from '../shared/balances/items';
import { parseAllowlist } from '../shared/ipAllowlist';
import { validateCallbackToken } from '../shared/callbackToken';
import { validateIntegerOption } from '../shared/validation';
import { TRIGGER_LIMITS } from './triggerFields';

export interface TriggerSettings extends ItemShape {
	token: string;
	allowlist: ReturnType<typeof parseAllowlist>;
	statuses: 'both' | 'OK' | 'ERROR';
	dedupeMs: number;
	maxBodyBytes: number;
}

function integer(options: IDataObject, name: keyof typeof TRIGGER_LIMITS, label: string): number {
	const limits = TRIGGER_LIMITS[name];
	const value = options[name];
	if (value === undefined || value === null || value === '') return limits.default;
	return validateIntegerOption(value, label, limits.min, limits.max);
}

export function readTriggerSettings(parameters: {
	callbackToken: unknown;
	ipAllowlist: unknown;
	statuses: unknown;
	options: IDataObject;
}): TriggerSettings {
	const statuses = parameters.statuses === 'OK' || parameters.statuses === 'ERROR' ? parameters.statuses : 'both';
	return {
		token: validateCallbackToken(parameters.callbackToken),
		allowlist: parseAllowlist(typeof parameters.ipAllowlist === 'string' ? parameters.ipAllowlist : ''),
		statuses,
		dedupeMs: integer(parameters.options, 'dedupeHours', 'Ignore Repeated Deliveries (Hours)') * 3_600_000,
		maxBodyBytes: integer(parameters.options, 'maxBodyKb', 'Max Body Size (KB)') * 1024,
		output: parameters.options.output === 'raw' ? 'raw' : 'simplified',
		onEmpty: parameters.options.onEmpty === 'nothing' ? 'nothing' : 'infoItem',
		amountFormat: readAmountFormat(parameters.options.amountFormat),
	};
}

import type { IDataObject } from 'n8n-workflow';

import { readAmountFormat } from '../shared/balances/amount';
import type { ItemShape } from '../shared/balances/items';
import { parseAllowlist } from '../shared/ipAllowlist';
import {
	PREVIOUS_TOKEN_FIELD,
	validateCallbackToken,
	validatePreviousToken,
	type PreviousToken,
} from '../shared/callbackToken';
import { InputError, validateIntegerOption } from '../shared/validation';
import { TRIGGER_LIMITS } from './triggerFields';

export interface TriggerSettings extends ItemShape {
	token: string;
	previousToken: PreviousToken | null;
	/**
	 * Why the credential's previous token is not accepted. Activation fails on it;
	 * a callback does not, so a slip there never refuses results sent with the current token.
	 */
	previousTokenProblem: InputError | null;
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

function readPreviousToken(
	credential: IDataObject,
	now: number,
): Pick<TriggerSettings, 'previousToken' | 'previousTokenProblem'> {
	try {
		return { previousToken: validatePreviousToken(credential, now), previousTokenProblem: null };
	} catch (error) {
		const problem =
			error instanceof InputError ? error : new InputError(PREVIOUS_TOKEN_FIELD, 'Previous Token could not be read');
		return { previousToken: null, previousTokenProblem: problem };
	}
}

export function readTriggerSettings(parameters: {
	callbackCredential: IDataObject;
	now: number;
	ipAllowlist: unknown;
	statuses: unknown;
	options: IDataObject;
}): TriggerSettings {
	const statuses = parameters.statuses === 'OK' || parameters.statuses === 'ERROR' ? parameters.statuses : 'both';
	return {
		token: validateCallbackToken(parameters.callbackCredential.token),
		...readPreviousToken(parameters.callbackCredential, parameters.now),
		allowlist: parseAllowlist(typeof parameters.ipAllowlist === 'string' ? parameters.ipAllowlist : ''),
		statuses,
		dedupeMs: integer(parameters.options, 'dedupeHours', 'Ignore Repeated Deliveries (Hours)') * 3_600_000,
		maxBodyBytes: integer(parameters.options, 'maxBodyKb', 'Max Body Size (KB)') * 1024,
		output: parameters.options.output === 'raw' ? 'raw' : 'simplified',
		onEmpty: parameters.options.onEmpty === 'nothing' ? 'nothing' : 'infoItem',
		amountFormat: readAmountFormat(parameters.options.amountFormat),
	};
}

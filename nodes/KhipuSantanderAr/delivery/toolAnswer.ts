import type { IDataObject } from 'n8n-workflow';

import { KhipuFailure } from '../../shared/khipu/failure';
import { InputError } from '../../shared/validation';

/**
 * What an AI model gets back when a tool call fails: a single object, like a
 * successful answer (each operation's toolAnswer), with advice the model can act on.
 */
const ACCOUNT_FIELD = 'Account Number';
const NOTHING_SENT = 'Nothing was sent to Khipu.';

function withoutNulls(answer: IDataObject): IDataObject {
	return Object.fromEntries(Object.entries(answer).filter(([, value]) => value !== null && value !== undefined));
}

function refusalAdvice(field: string): string {
	return field === ACCOUNT_FIELD
		? `${NOTHING_SENT} Ask the user for the correct account number, then call the tool again.`
		: `${NOTHING_SENT} The tool's setup in n8n (${field}) must be fixed by the ` +
				'workflow owner; calling it again will not help.';
}

export function failureAnswer(error: unknown, accountNumber: string | null): IDataObject {
	if (error instanceof InputError) {
		return withoutNulls({
			status: 'REFUSED',
			accountNumber,
			error: error.message,
			field: error.field,
			advice: refusalAdvice(error.field),
		});
	}
	if (error instanceof KhipuFailure) {
		const { type, code, httpStatus, operationId, advice } = error.details;
		// Khipu reports most errors inside an HTTP 200; the status only informs when it is not one.
		const failedStatus = httpStatus !== null && httpStatus >= 300 ? httpStatus : null;
		return withoutNulls({
			status: 'ERROR',
			accountNumber,
			error: error.message,
			type,
			code,
			httpStatus: failedStatus,
			operationId,
			advice,
		});
	}
	return withoutNulls({
		status: 'ERROR',
		accountNumber,
		error: error instanceof Error ? error.message : String(error),
		advice: 'The tool failed unexpectedly. Tell the user; calling it again right away is unlikely to help.',
	});
}

/** A waiting execution cannot answer a tool call, so this delivery is refused before any request. */
export const PAUSE_REFUSAL: IDataObject = {
	status: 'REFUSED',
	error: '"Pause This Workflow Until Khipu Calls Back" cannot run as an AI tool',
	field: 'Delivery',
	advice:
		`${NOTHING_SENT} The workflow owner must set this tool's Delivery to "Wait ` +
		'for the Response"; calling it again will not help.',
};

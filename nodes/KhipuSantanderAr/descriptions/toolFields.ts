import type { INodeProperties } from 'n8n-workflow';

import { LIMITS } from '../../shared/constants';

/** Only the tool variant n8n generates from `usableAsTool` (its type name ends in "Tool"). */
const inToolMode = { '@tool': [true] };

/**
 * What a model reads before deciding to call the tool. n8n's automatic text
 * ("Get pending current day balances in …") says neither what comes back nor
 * when to use it; declaring `toolDescription` here replaces n8n's own field.
 */
export const TOOL_DESCRIPTION =
	'Reads today’s pending balance ("Saldo en Cuenta") of one Banco Santander Argentina account through Khipu. ' +
	'Use it when the user asks how much money is in a Santander Argentina account today or whether it is in debit. ' +
	'Returns the account number, Khipu’s operation ID and a list of balances, each with its type, Credit or Debit, ' +
	'the amount as a number (negative for Debit), the currency (one entry per currency) and the date-time. ' +
	`Needs the account number (at most ${LIMITS.accountNumber} characters). ` +
	'A failure comes back with status ERROR or REFUSED and an "advice" text saying whether and when to try again.';

/** Kept free of quotes: it sits inside a single-quoted $fromAI() argument. */
export const ACCOUNT_NUMBER_HINT =
	`Banco Santander Argentina account number to read, at most ${LIMITS.accountNumber} characters, ` +
	'exactly as the user gave it. Ask the user for it instead of guessing.';

export const toolDescriptionField: INodeProperties = {
	displayName: 'Description',
	name: 'toolDescription',
	type: 'string',
	default: TOOL_DESCRIPTION,
	required: true,
	typeOptions: { rows: 4 },
	description: 'What the AI model is told about this tool: what it returns and when to use it',
	displayOptions: { show: inToolMode },
};

/**
 * In tool mode the model fills the account number; the limit is in the hint
 * because $fromAI() cannot express a maximum length, and the node still
 * refuses a longer value before anything is sent.
 */
export const toolAccountNumberField: INodeProperties = {
	displayName: 'Account Number',
	name: 'accountNumber',
	type: 'string',
	required: true,
	default: `={{ $fromAI('accountNumber', '${ACCOUNT_NUMBER_HINT}', 'string') }}`,
	description:
		'Filled by the AI model by default. Banco Santander Argentina account number, ' +
		`at most ${LIMITS.accountNumber} characters.`,
	displayOptions: {
		show: { ...inToolMode, resource: ['balance'], operation: ['getPendingCurrentDayBalances'] },
	},
};

import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

import { PREVIOUS_TOKEN_MAX_DAYS } from '../nodes/shared/callbackToken';
import { GENERATE_TOKEN_COMMAND, MAX_TOKEN_LENGTH, MIN_TOKEN_LENGTH } from '../nodes/shared/constants';

/**
 * The shared secret of a callback URL, kept apart from the Khipu API credential:
 * the workflow that receives callbacks needs only this, never the JWT or API key.
 * n8n encrypts credentials and never exports them in plain text, unlike node
 * parameters, so the token stays out of workflows, executions and exports.
 */
export class KhipuCallbackApi implements ICredentialType {
	name = 'khipuCallbackApi';

	displayName = 'Khipu Callback Token API';

	icon: Icon = { light: 'file:../icons/khipu.svg', dark: 'file:../icons/khipu.dark.svg' };

	documentationUrl = 'https://github.com/khipu-n8n/n8n-nodes-khipu-santander-ar#pattern-1-the-trigger';

	properties: INodeProperties[] = [
		{
			displayName: 'Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description:
				`A random secret of ${MIN_TOKEN_LENGTH} to ${MAX_TOKEN_LENGTH} letters, ` +
				'digits, "-" or "_", shared by the Khipu Santander AR Trigger and the Khipu ' +
				`Santander AR node. Generate one with: ${GENERATE_TOKEN_COMMAND}. Activating ` +
				'a trigger with a weaker token fails.',
		},
		{
			displayName: 'Previous Token',
			name: 'previousToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'When you replace Token: the token it replaces. Requests already sent carry ' +
				'it in their callback URL, so the trigger still accepts it until Previous ' +
				'Token Valid Until; the Khipu Santander AR node always sends Token. Leave empty otherwise.',
		},
		{
			displayName: 'Previous Token Valid Until',
			name: 'previousTokenValidUntil',
			type: 'string',
			default: '',
			placeholder: '2026-11-25T15:30:00-03:00',
			description:
				'Required with a Previous Token: the date-time, with its UTC offset or ' +
				'Z, until which the trigger accepts it; after it, callbacks with the previous ' +
				`token get 403. Set it at least 15 minutes (Khipu's LifeSpan for an asynchronous ` +
				`request) after saving the new token, for example one hour; at most ${PREVIOUS_TOKEN_MAX_DAYS} days ahead.`,
		},
	];
}

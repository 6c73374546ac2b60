import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

import { MAX_TOKEN_LENGTH, MIN_TOKEN_LENGTH } from '../nodes/shared/constants';

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
			description: `A random secret of ${MIN_TOKEN_LENGTH} to ${MAX_TOKEN_LENGTH} letters, digits, "-" or "_", shared by the Khipu Santander AR Trigger and the Khipu Santander AR node. Generate one with: node -e "console.log(require('crypto').randomBytes(24).toString('base64url'))". Activating a trigger with a weaker token fails and suggests a freshly generated one.`,
		},
	];
}

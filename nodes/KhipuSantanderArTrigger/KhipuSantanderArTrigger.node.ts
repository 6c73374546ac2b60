import {
	NodeConnectionTypes,
	NodeOperationError,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { testCallbackToken } from '../shared/callbackToken';
import { ANSWER_WITH_WEBHOOK_RESPONSE } from '../shared/n8nCompat';
import { asNodeError } from '../shared/nodeErrors';
import { InputError } from '../shared/validation';
import { intakeCallback, readSettingsFrom } from './callbackIntake';
import { triggerFields } from './triggerFields';

/**
 * Khipu has no webhook registration API, so there is nothing remote to create;
 * the hook still validates the settings so a bad token blocks activation.
 */
async function checkSettings(context: IHookFunctions): Promise<boolean> {
	try {
		const settings = await readSettingsFrom(context);
		if (settings.previousTokenProblem) throw settings.previousTokenProblem;
	} catch (error) {
		if (error instanceof InputError) {
			throw new NodeOperationError(context.getNode(), error.message, {
				description: `Field: ${error.field}`,
			});
		}
		throw asNodeError(context.getNode(), error);
	}
	return true;
}

export class KhipuSantanderArTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Khipu Santander AR Trigger',
		name: 'khipuSantanderArTrigger',
		icon: { light: 'file:../../icons/khipu.svg', dark: 'file:../../icons/khipu.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{ "Start on " + ($parameter["statuses"] === "both" ? "OK and ERROR" ' +
			': $parameter["statuses"]) + " callbacks" }}',
		description: 'Starts a workflow when Khipu POSTs an asynchronous Banco Santander Argentina result',
		defaults: { name: 'Khipu Santander AR Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		// Literal names: n8n's scanner reads them from the source to see the credential is tested.
		credentials: [{ name: 'khipuCallbackApi', required: true, testedBy: 'khipuCallbackToken' }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				responseData: ANSWER_WITH_WEBHOOK_RESPONSE,
				path: 'khipu',
			},
		],
		eventTriggerDescription: 'Waiting for a Khipu callback',
		activationMessage: 'Khipu callbacks to the Production URL (with the credential’s token) now start this workflow.',
		properties: triggerFields,
	};

	methods = {
		credentialTest: { khipuCallbackToken: testCallbackToken },
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return await checkSettings(this);
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return await checkSettings(this);
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await intakeCallback(this);
	}
}

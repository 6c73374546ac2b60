import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { asNodeError } from '../shared/nodeErrors';
import { InputError } from '../shared/validation';
import { intakeCallback } from './callbackIntake';
import { triggerFields } from './triggerFields';
import { readTriggerSettings } from './triggerSettings';

/**
 * Khipu has no webhook registration API, so there is nothing remote to create;
 * the hook still validates the settings so a bad token blocks activation.
 */
function checkSettings(context: IHookFunctions): boolean {
	try {
		readTriggerSettings({
			callbackToken: context.getNodeParameter('callbackToken', ''),
			ipAllowlist: context.getNodeParameter('ipAllowlist', ''),
			statuses: context.getNodeParameter('statuses', 'both'),
			options: context.getNodeParameter('options', {}) as IDataObject,
		});
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
		subtitle: '={{ "Start on " + ($parameter["statuses"] === "both" ? "OK and ERROR" : $parameter["statuses"]) + " callbacks" }}',
		description: 'Starts a workflow when Khipu POSTs an asynchronous Banco Santander Argentina result',
		defaults: { name: 'Khipu Santander AR Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				// Without it n8n 2.8 falls back to 'firstEntryJson' and answers with that literal
				// string; empty makes it send the webhookResponse (our acknowledgement) instead.
				responseData: '',
				path: 'khipu',
			},
		],
		eventTriggerDescription: 'Waiting for a Khipu callback',
		activationMessage: 'Khipu callbacks to the Production URL (with ?token=) now start this workflow.',
		properties: triggerFields,
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return checkSettings(this);
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return checkSettings(this);
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

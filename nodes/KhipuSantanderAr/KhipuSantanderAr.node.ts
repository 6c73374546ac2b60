import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type IHookFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { testCallbackToken } from '../shared/callbackToken';
import { KHIPU_CREDENTIAL_TYPE } from '../shared/constants';
import { route, routeResume } from './actions/router';
import { RESUME_WEBHOOK } from './delivery/pauseUntilCallback';
import { balanceFields, DELIVERY } from './descriptions/balanceFields';
import { optionsCollection } from './descriptions/options';
import { operationProperty, resourceProperty } from './descriptions/resource';
import { toolAccountNumberField, toolDescriptionField } from './descriptions/toolFields';

export class KhipuSantanderAr implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Khipu Santander AR',
		name: 'khipuSantanderAr',
		icon: { light: 'file:../../icons/khipu.svg', dark: 'file:../../icons/khipu.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ $parameter["operation"] === "getPendingCurrentDayBalances" ? "Get ' +
			'pending current day balances" : $parameter["operation"] }}',
		description: 'Read Banco Santander Argentina balances through Khipu’s open-banking API',
		defaults: { name: 'Khipu Santander AR' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			// Each has its own label: n8n otherwise shows two fields both labelled
			// "Credential to connect with" (COMPAT row 8).
			{ name: KHIPU_CREDENTIAL_TYPE, required: true, displayName: 'Khipu API Credential' },
			{
				// Literal names: n8n's scanner reads them from the source to see the credential is tested.
				name: 'khipuCallbackApi',
				displayName: 'Callback Token Credential',
				required: false,
				testedBy: 'khipuCallbackToken',
				// Shown for callback delivery only, by a condition on Delivery alone (COMPAT row 25): n8n's
				// editor takes a field all of whose values appear in credential conditions (a boolean such
				// as Add Callback Token always qualifies) for an authentication switch, and then hides it
				// and every field its own conditions name: Resource, Operation and Delivery. With Add
				// Callback Token off it is shown but not read (prepareRun).
				displayOptions: { show: { delivery: [DELIVERY.callbackUrl] } },
			},
		],
		// Only used by "Pause This Workflow Until Khipu Calls Back": n8n registers
		// restart webhooks per waiting execution, never at activation.
		webhooks: [RESUME_WEBHOOK],
		properties: [
			toolDescriptionField,
			resourceProperty,
			operationProperty,
			toolAccountNumberField,
			...balanceFields,
			optionsCollection,
		],
	};

	methods = {
		credentialTest: { khipuCallbackToken: testCallbackToken },
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await routeResume(this);
	}

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		if (this.getInputData().length === 0) return [[]];
		return await route(this);
	}
}

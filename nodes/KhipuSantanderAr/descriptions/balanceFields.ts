import type { INodeProperties } from 'n8n-workflow';

import { MAX_REFERENCE_LENGTH } from '../../shared/callbackUrl';
import { LIMITS } from '../../shared/constants';

const showForOperation = {
	resource: ['balance'],
	operation: ['getPendingCurrentDayBalances'],
};

export const DELIVERY = {
	sync: 'sync',
	callbackUrl: 'callbackUrl',
	resumeOnCallback: 'resumeOnCallback',
} as const;

export type Delivery = (typeof DELIVERY)[keyof typeof DELIVERY];

export const balanceFields: INodeProperties[] = [
	{
		displayName: 'Account Number',
		name: 'accountNumber',
		type: 'string',
		required: true,
		default: '',
		placeholder: '000011887755',
		description:
			`Banco Santander Argentina account number, at most ${LIMITS.accountNumber} ` +
			'characters. Spaces around it are removed.',
		// The tool variant has its own field that the AI model fills (toolFields.ts).
		displayOptions: { show: showForOperation, hide: { '@tool': [true] } },
	},
	{
		displayName: 'Delivery',
		name: 'delivery',
		type: 'options',
		noDataExpression: true,
		default: 'sync',
		displayOptions: { show: showForOperation },
		options: [
			{
				name: 'Wait for the Response',
				value: DELIVERY.sync,
				description: 'Synchronous: Khipu answers with the balances in the same request',
			},
			{
				name: 'Send the Result to a Callback URL',
				value: DELIVERY.callbackUrl,
				description:
					'Asynchronous: Khipu accepts at once and later POSTs the result to the ' +
					'URL (for example a Khipu Santander AR Trigger)',
			},
			{
				name: 'Pause This Workflow Until Khipu Calls Back',
				value: DELIVERY.resumeOnCallback,
				description:
					'Asynchronous without a second workflow: the execution waits and continues ' +
					'with the balances when Khipu calls back',
			},
		],
	},
	{
		displayName: 'Callback URL',
		name: 'callbackUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://n8n.example.com/webhook/khipu/…',
		description:
			'Where Khipu POSTs the result, http or https. Paste the Production URL ' +
			'of a Khipu Santander AR Trigger, without a token: the node adds the account ' +
			'number, the Reference and the token when it sends the request. With them ' +
			`it must fit Khipu's ${LIMITS.callbackUrl} characters.`,
		displayOptions: { show: { ...showForOperation, delivery: [DELIVERY.callbackUrl] } },
	},
	{
		displayName: 'Reference',
		name: 'reference',
		type: 'string',
		default: '',
		placeholder: 'e.g. customer-4711',
		description:
			'Optional text the trigger hands on with the result (as reference), for ' +
			`example a customer or run ID. At most ${MAX_REFERENCE_LENGTH} letters, ` +
			'digits, punctuation or spaces.',
		displayOptions: { show: { ...showForOperation, delivery: [DELIVERY.callbackUrl] } },
	},
	{
		displayName: 'Add Callback Token',
		name: 'addCallbackToken',
		type: 'boolean',
		noDataExpression: true,
		default: true,
		description:
			'Whether to add the token of the Khipu Callback Token API credential to ' +
			'the Callback URL when sending. Turn off only for a receiver that is protected ' +
			'another way; the Khipu Santander AR Trigger always requires the token.',
		displayOptions: { show: { ...showForOperation, delivery: [DELIVERY.callbackUrl] } },
	},
	{
		displayName: 'Allow Token Over Plain HTTP',
		name: 'allowTokenOverHttp',
		type: 'boolean',
		noDataExpression: true,
		default: false,
		description:
			'Whether to add the token also to an http Callback URL that is not this ' +
			'n8n’s own webhook address. Off: such a URL fails before anything is sent, ' +
			'because anyone on the network path could read the token.',
		displayOptions: { show: { ...showForOperation, delivery: [DELIVERY.callbackUrl], addCallbackToken: [true] } },
	},
];

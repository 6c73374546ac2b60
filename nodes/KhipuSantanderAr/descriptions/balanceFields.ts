import type { INodeProperties } from 'n8n-workflow';

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
		description: `Banco Santander Argentina account number, at most ${LIMITS.accountNumber} characters. Spaces around it are removed.`,
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
					'Asynchronous: Khipu accepts at once and later POSTs the result to the URL (for example a Khipu Santander AR Trigger)',
			},
			{
				name: 'Pause This Workflow Until Khipu Calls Back',
				value: DELIVERY.resumeOnCallback,
				description:
					'Asynchronous without a second workflow: the execution waits and continues with the balances when Khipu calls back',
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
		description: `Where Khipu POSTs the result, at most ${LIMITS.callbackUrl} characters, http or https. Paste the Production URL of a Khipu Santander AR Trigger.`,
		displayOptions: { show: { ...showForOperation, delivery: [DELIVERY.callbackUrl] } },
	},
];

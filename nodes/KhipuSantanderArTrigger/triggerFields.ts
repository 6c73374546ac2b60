import type { INodeProperties } from 'n8n-workflow';

import { maxBodySizeOption, MAX_BODY_KB } from '../shared/maxBodySizeOption';
import { amountFormatOption, onEmptyOption, outputOption } from '../shared/outputOptions';

export const TRIGGER_LIMITS = {
	dedupeHours: { min: 0, max: 720, default: 24 },
	maxBodyKb: MAX_BODY_KB,
} as const;

export const triggerFields: INodeProperties[] = [
	{
		displayName:
			'Give Khipu this node’s Production URL, for example in the Khipu Santander ' +
			'AR node’s Callback URL with the same Khipu Callback Token API credential: ' +
			'that node adds the account, the Reference and the token when it sends ' +
			'the request. Khipu cannot authenticate callbacks, so the token is what keeps strangers out.',
		name: 'urlNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Start On',
		name: 'statuses',
		type: 'options',
		default: 'both',
		options: [
			{ name: 'OK and ERROR Callbacks', value: 'both' },
			{ name: 'OK Callbacks Only', value: 'OK' },
			{ name: 'ERROR Callbacks Only', value: 'ERROR' },
		],
		description: 'Which callback statuses start the workflow; the others are acknowledged and dropped',
	},
	{
		displayName: 'IP Allowlist',
		name: 'ipAllowlist',
		type: 'string',
		default: '',
		placeholder: '203.0.113.0/24, 2001:db8::/32',
		description:
			'Addresses or CIDR ranges allowed to call, separated by commas. Empty allows ' +
			'any address. Behind a reverse proxy set N8N_PROXY_HOPS so n8n sees the client address.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			amountFormatOption(),
			{
				displayName: 'Ignore Repeated Deliveries (Hours)',
				name: 'dedupeHours',
				type: 'number',
				typeOptions: { minValue: TRIGGER_LIMITS.dedupeHours.min, maxValue: TRIGGER_LIMITS.dedupeHours.max },
				default: 24,
				description:
					'A callback with an OperationId already received within this many hours ' +
					'starts no new execution. 0 turns this off.',
			},
			maxBodySizeOption('start no execution'),
			outputOption('Raw Khipu Callback', 'The callback body exactly as received'),
			onEmptyOption('Start No Execution'),
		],
	},
];

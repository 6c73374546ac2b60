import type { INodeProperties } from 'n8n-workflow';

/**
 * The output shape options, shared so the balances node and the trigger offer
 * the same choices for the same items.
 */
export function outputOption(rawName: string, rawDescription: string): INodeProperties {
	return {
		displayName: 'Output',
		name: 'output',
		type: 'options',
		default: 'simplified',
		options: [
			{
				name: 'One Item per Balance',
				value: 'simplified',
				description: 'Flat items with a signed numeric amount, ready for IF and alert nodes',
			},
			{ name: rawName, value: 'raw', description: rawDescription },
		],
	};
}

export function onEmptyOption(nothingName: string): INodeProperties {
	return {
		displayName: 'When No Balances',
		name: 'onEmpty',
		type: 'options',
		default: 'infoItem',
		options: [
			{
				name: 'Output an Info Item',
				value: 'infoItem',
				description: 'One item with the operation ID and Khipu’s additional information',
			},
			{ name: nothingName, value: 'nothing' },
		],
		description: 'What to do when Khipu returns no balances (not an error)',
	};
}

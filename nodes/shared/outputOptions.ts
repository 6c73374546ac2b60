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

/**
 * How text amounts are read (balances/amount.ts). Both nodes output the same
 * items for the same answer, so both offer it.
 */
export function amountFormatOption(): INodeProperties {
	return {
		displayName: 'Amount Format',
		name: 'amountFormat',
		type: 'options',
		default: 'dotDecimal',
		options: [
			{
				name: 'Khipu Standard (Dot Decimal)',
				value: 'dotDecimal',
				description: 'Text such as 1234.56 or 1,234.56',
			},
			{
				name: 'Argentine (1.234,56)',
				value: 'argentine',
				description: 'Text such as 1234,56 or 1.234,56',
			},
		],
		description:
			'How Khipu writes amounts sent as text; JSON numbers are always taken as ' +
			'they are. Text that does not fit the format, or that the other format ' +
			'would read differently (2.500 is 2.5 or 2500), gets amount null and an ' +
			'amountProblem saying why, with the text kept in amountString, so an IF ' +
			'node on amount never sees a wrong number.',
	};
}

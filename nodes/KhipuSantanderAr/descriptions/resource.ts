import type { INodeProperties } from 'n8n-workflow';

export const resourceProperty: INodeProperties = {
	displayName: 'Resource',
	name: 'resource',
	type: 'options',
	noDataExpression: true,
	options: [{ name: 'Balance', value: 'balance' }],
	default: 'balance',
};

export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['balance'] } },
	options: [
		{
			name: 'Get Pending Current Day Balances',
			value: 'getPendingCurrentDayBalances',
			description: 'Get today’s balance (“Saldo en Cuenta”) of a Banco Santander Argentina account',
			action: 'Get pending current day balances',
		},
	],
	default: 'getPendingCurrentDayBalances',
};

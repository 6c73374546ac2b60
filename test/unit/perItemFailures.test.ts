import { NodeOperationError, type IExecuteFunctions, type INode } from 'n8n-workflow';

import { getPendingCurrentDayBalances } from '../../nodes/KhipuSantanderAr/actions/balance/getPendingCurrentDayBalances.operation';
import { DELIVERY, type Delivery } from '../../nodes/KhipuSantanderAr/descriptions/balanceFields';
import { executePause } from '../../nodes/KhipuSantanderAr/delivery/pauseUntilCallback';
import { requestEachItem } from '../../nodes/KhipuSantanderAr/delivery/requestEachItem';
import { readNodeOptions } from '../../nodes/KhipuSantanderAr/nodeOptions';
import type { RunContext } from '../../nodes/KhipuSantanderAr/runPreparation';

// Issue 20.9: a failure while one item is read (an expression that throws for it, a lone surrogate) is
// that item's failure: an error item under Continue On Fail, otherwise an error naming the item, and
// nothing is sent for it. Requests are counted at n8n's helper, which this fake context provides.
const NODE = {
	id: 'node-1',
	name: 'Khipu',
	type: 'khipuSantanderAr',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
} as INode;

function fakeContext(accounts: unknown[], continueOnFail: boolean, sent: unknown[]): IExecuteFunctions {
	return {
		getNode: () => NODE,
		getInputData: () => accounts.map(() => ({ json: {} })),
		continueOnFail: () => continueOnFail,
		getExecutionCancelSignal: () => undefined,
		getNodeParameter: (name: string, index: number) => {
			if (name !== 'accountNumber') throw new Error(`unexpected parameter ${name}`);
			const value = accounts[index];
			if (value instanceof Error) throw value; // what n8n throws for an expression that fails on this item
			return value;
		},
		helpers: {
			httpRequestWithAuthentication: async (_type: string, options: { body: unknown }) => {
				sent.push(options.body);
				return {
					statusCode: 200,
					headers: {},
					body: JSON.stringify({
						OperationId: 'op',
						Status: 'OK',
						Data: { Balance: [] },
						Error: null,
						AdditionalInformation: null,
						LifeSpan: null,
					}),
				};
			},
		},
	} as unknown as IExecuteFunctions;
}

function run(delivery: Delivery): RunContext {
	return {
		operation: getPendingCurrentDayBalances,
		connection: { baseUrl: 'http://khipu.invalid', credentials: { authType: 'jwt', jwtToken: 'test-only-jwt' } },
		options: readNodeOptions({ onEmpty: 'nothing' }),
		delivery,
	};
}

const expressionError = new Error("Cannot read properties of undefined (reading 'toUpperCase')");

describe('requestEachItem', () => {
	it('under Continue On Fail: each bad item is its own error item, paired, and only good items are sent', async () => {
		const sent: unknown[] = [];
		const context = fakeContext(['000011887755', '12\uD800', expressionError, '1000000002'], true, sent);
		const [output] = await requestEachItem(context, run(DELIVERY.sync));
		expect(output).toEqual([
			{
				json: {
					error: expect.stringMatching(/^Account Number contains a broken character/),
					field: 'Account Number',
					accountNumber: null,
				},
				pairedItem: { item: 1 },
			},
			{ json: { error: expressionError.message, accountNumber: null }, pairedItem: { item: 2 } },
		]);
		expect(sent.map((body) => (body as { RequestData: { AccountNumber: string } }).RequestData.AccountNumber)).toEqual([
			'000011887755',
			'1000000002',
		]);
	});

	it.each([
		[['000011887755', expressionError], /^Item 2: Cannot read properties of undefined/],
		[['000011887755', '12\uD800'], /^Item 2: Account Number contains a broken character/],
	])('without it: an error naming the item, and nothing sent (%#)', async (accounts, message) => {
		const sent: unknown[] = [];
		const failure = await requestEachItem(fakeContext(accounts, false, sent), run(DELIVERY.sync)).catch(
			(error: unknown) => error,
		);
		expect(failure).toBeInstanceOf(NodeOperationError);
		expect((failure as NodeOperationError).message).toMatch(message);
		expect((failure as NodeOperationError).description).toMatch(/Nothing was sent to Khipu/);
		expect(sent).toEqual([]);
	});
});

describe('executePause', () => {
	it('under Continue On Fail an item that fails while being read becomes its error item, nothing sent', async () => {
		const sent: unknown[] = [];
		const output = await executePause(fakeContext([expressionError], true, sent), run(DELIVERY.resumeOnCallback));
		expect(output).toEqual([
			[{ json: { error: expressionError.message, accountNumber: null }, pairedItem: { item: 0 } }],
		]);
		expect(sent).toEqual([]);
	});
});

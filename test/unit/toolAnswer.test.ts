import type { AmountFormat } from '../../nodes/shared/balances/amount';
import { parseEnvelope, type KhipuEnvelope } from '../../nodes/shared/khipu/envelope';
import { failureFromEnvelope, failureFromOutcome } from '../../nodes/shared/khipu/failure';
import { InputError } from '../../nodes/shared/validation';
import { getPendingCurrentDayBalances } from '../../nodes/KhipuSantanderAr/actions/balance/getPendingCurrentDayBalances.operation';
import { failureAnswer, PAUSE_REFUSAL } from '../../nodes/KhipuSantanderAr/delivery/toolAnswer';

const balancesAnswer = (answer: KhipuEnvelope, accountNumber: string, amountFormat: AmountFormat = 'dotDecimal') =>
	getPendingCurrentDayBalances.toolAnswer(answer, accountNumber, {
		output: 'simplified',
		onEmpty: 'infoItem',
		amountFormat,
	});
import {
	ACCOUNT_NUMBER_HINT,
	toolAccountNumberField,
	TOOL_DESCRIPTION,
} from '../../nodes/KhipuSantanderAr/descriptions/toolFields';

const OPERATION_ID = '6baf6c19-e485-463b-ae24-a821b025c8a4';

function envelope(balance: unknown[] | null, additionalInformation: string | null = null) {
	return parseEnvelope({
		OperationId: OPERATION_ID,
		Status: 'OK',
		Data: balance === null ? null : { Balance: balance },
		AdditionalInformation: additionalInformation,
		Error: null,
		LifeSpan: null,
	});
}

describe('tool answers', () => {
	it('one compact object: per-balance repeats dropped, debits negative, one entry per currency', () => {
		const answer = balancesAnswer(
			envelope([
				{
					AccountId: 'AR-001-1',
					CreditDebitIndicator: 'Debit',
					DateTime: '2022-11-30T01:55:00-0300',
					Type: 'InterimAvailable',
					Amount: [
						{ Amount: '1234.56', Currency: 'ARS' },
						{ Amount: '10.00', Currency: 'USD' },
					],
				},
			]),
			'1000000004',
		);
		expect(answer).toEqual({
			status: 'OK',
			accountNumber: '1000000004',
			operationId: OPERATION_ID,
			balances: [
				{
					balanceType: 'InterimAvailable',
					creditDebitIndicator: 'Debit',
					amount: -1234.56,
					currency: 'ARS',
					dateTime: '2022-11-30T01:55:00-03:00',
				},
				{
					balanceType: 'InterimAvailable',
					creditDebitIndicator: 'Debit',
					amount: -10,
					currency: 'USD',
					dateTime: '2022-11-30T01:55:00-03:00',
				},
			],
		});
	});

	it('keeps Khipu’s text only for an amount it could not read, and explains an empty answer', () => {
		const unreadable = balancesAnswer(
			envelope([{ Type: 'InterimAvailable', Amount: [{ Amount: 'n/a', Currency: 'ARS' }] }]),
			'1',
		);
		expect((unreadable.balances as object[])[0]).toMatchObject({
			amount: null,
			amountText: 'n/a',
			amountProblem: expect.stringMatching(/^"n\/a" is not a number/),
		});
		expect(balancesAnswer(envelope([], 'No balances for the current day'), '1')).toMatchObject({
			balances: [],
			message: 'No balances for the current day',
		});
		expect(balancesAnswer(envelope(null), '1').message).toMatch(/no balances/);
	});

	it('an ambiguous amount is no number for the model either: its text and the reason instead; the Amount Format option applies', () => {
		const balances = [
			{
				Type: 'InterimAvailable',
				CreditDebitIndicator: 'Credit',
				Amount: [
					{ Amount: '2.500', Currency: 'ARS' },
					{ Amount: '1.234,56', Currency: 'USD' },
				],
			},
		];
		expect(balancesAnswer(envelope(balances), '1').balances).toEqual([
			expect.objectContaining({
				amount: null,
				amountText: '2.500',
				amountProblem:
					'"2.500" is ambiguous: 2.5 in the Khipu standard format (dot decimal), 2500 in the Argentine format (1.234,56)',
			}),
			expect.objectContaining({
				amount: null,
				amountText: '1.234,56',
				amountProblem: expect.stringMatching(/set the Amount Format option/),
			}),
		]);
		const argentine = balancesAnswer(envelope(balances), '1', 'argentine').balances as Array<Record<string, unknown>>;
		expect(argentine.map((b) => b.amount)).toEqual([null, 1234.56]);
		expect(argentine[1]).not.toHaveProperty('amountText');
		expect(argentine[1]).not.toHaveProperty('amountProblem');
	});

	it('a Khipu error carries type, code and advice; an HTTP 200 status is left out', () => {
		const failure = failureFromEnvelope(
			parseEnvelope({
				OperationId: OPERATION_ID,
				Status: 'ERROR',
				Data: null,
				Error: { Code: 'E101', Type: 'DO_NOT_RETRY', Description: 'Invalid bank credentials' },
			}),
			200,
			1,
		);
		expect(failureAnswer(failure, '2000000003')).toEqual({
			status: 'ERROR',
			accountNumber: '2000000003',
			error: 'Khipu error E101 (DO_NOT_RETRY): Invalid bank credentials',
			type: 'DO_NOT_RETRY',
			code: 'E101',
			operationId: OPERATION_ID,
			advice: expect.stringMatching(/^Retrying will not help/),
		});
		const gateway = failureFromOutcome({ kind: 'notJson', httpStatus: 504, bodySummary: 'an HTML page' } as never, 1);
		expect(failureAnswer(gateway, '1')).toMatchObject({ status: 'ERROR', httpStatus: 504 });
	});

	it('refusals say who must act: the user for the account number, the workflow owner otherwise', () => {
		expect(
			failureAnswer(
				new InputError('Account Number', 'Account Number is 21 characters long; Khipu accepts at most 20'),
				null,
			),
		).toEqual({
			status: 'REFUSED',
			error: 'Account Number is 21 characters long; Khipu accepts at most 20',
			field: 'Account Number',
			advice: 'Nothing was sent to Khipu. Ask the user for the correct account number, then call the tool again.',
		});
		expect(
			failureAnswer(new InputError('Base URL (credential)', 'Base URL (credential) is required'), null).advice,
		).toMatch(/workflow owner; calling it again will not help/);
		expect(PAUSE_REFUSAL).toMatchObject({ status: 'REFUSED', field: 'Delivery' });
	});

	it('an unexpected error is a message and advice, never a stack trace', () => {
		const answer = failureAnswer(new Error('boom'), '1');
		expect(answer).toEqual({ status: 'ERROR', accountNumber: '1', error: 'boom', advice: expect.any(String) });
		expect(JSON.stringify(answer)).not.toMatch(/\bat\s/);
	});
});

describe('tool fields', () => {
	it('the model fills the account number with a hint that states the limit and fits the $fromAI() quotes', () => {
		expect(ACCOUNT_NUMBER_HINT).toMatch(/at most 20 characters/);
		expect(ACCOUNT_NUMBER_HINT).not.toMatch(/['`\\]/);
		expect(toolAccountNumberField.default).toBe(`={{ $fromAI('accountNumber', '${ACCOUNT_NUMBER_HINT}', 'string') }}`);
		expect(TOOL_DESCRIPTION).toMatch(/at most 20 characters/);
	});
});

import { normalizeDateTime, simplifyBalances } from '../../nodes/shared/balances/simplify';
import { envelopeProblem, parseEnvelope } from '../../nodes/shared/khipu/envelope';
import { envelopeToItems } from '../../nodes/shared/balances/items';

const docsExample = {
	OperationId: '6baf6c19-e485-463b-ae24-a821b025c8a4',
	Status: 'OK',
	Data: {
		Balance: [
			{
				AccountId: 'AR-001-00900888777',
				CreditDebitIndicator: 'Credit',
				DateTime: '2022-11-30T01:55:00-0300',
				Type: 'InterimAvailable',
				Amount: [{ Amount: '1234.56', Currency: 'ARS' }],
			},
		],
	},
	AdditionalInformation: null,
	Error: null,
	LifeSpan: null,
};

describe('envelope', () => {
	it('parses the documented example into simplified balances', () => {
		const envelope = parseEnvelope(docsExample);
		expect(simplifyBalances(envelope, '000011887755', 'dotDecimal')).toEqual([
			{
				accountNumber: '000011887755',
				accountId: 'AR-001-00900888777',
				balanceType: 'InterimAvailable',
				creditDebitIndicator: 'Credit',
				amount: 1234.56,
				amountString: '1234.56',
				amountProblem: null,
				currency: 'ARS',
				dateTime: '2022-11-30T01:55:00-03:00',
				operationId: docsExample.OperationId,
			},
		]);
	});

	it('makes debits negative and splits multi-currency amounts', () => {
		const envelope = parseEnvelope({
			...docsExample,
			Data: {
				Balance: [
					{
						CreditDebitIndicator: 'Debit',
						Type: 'ClosingBooked',
						Amount: [
							{ Amount: '1520.50', Currency: 'ARS' },
							{ Amount: 10, Currency: 'USD' },
						],
					},
				],
			},
		});
		const items = simplifyBalances(envelope, 'A', 'dotDecimal');
		expect(items.map((i) => [i.amount, i.currency])).toEqual([
			[-1520.5, 'ARS'],
			[-10, 'USD'],
		]);
	});

	it('accepts Amount as a single object and Balance as a single object', () => {
		const envelope = parseEnvelope({ ...docsExample, Data: { Balance: { Amount: { Amount: '7', Currency: 'USD' } } } });
		expect(simplifyBalances(envelope, 'A', 'dotDecimal')[0]).toMatchObject({
			amount: 7,
			currency: 'USD',
			accountId: null,
		});
	});

	it('keeps the original amount string when it cannot be parsed', () => {
		const envelope = parseEnvelope({
			...docsExample,
			Data: { Balance: [{ Amount: [{ Amount: 'n/a', Currency: 'ARS' }] }] },
		});
		expect(simplifyBalances(envelope, 'A', 'dotDecimal')[0]).toMatchObject({
			amount: null,
			amountString: 'n/a',
			amountProblem: expect.stringMatching(/^"n\/a" is not a number/),
		});
	});

	it('normalizes offsets without colon and keeps unparseable dates', () => {
		expect(normalizeDateTime('2022-11-30T01:55:00-0300')).toBe('2022-11-30T01:55:00-03:00');
		expect(normalizeDateTime('yesterday')).toBe('yesterday');
		expect(normalizeDateTime(null)).toBeNull();
	});

	it.each([
		[[], /an array/],
		[null, /null/],
		['text', /a string/],
		[{ Status: 'OK' }, /OperationId is missing/],
		[{ OperationId: 5, Status: 'OK' }, /OperationId is missing or not a string/],
		[{ OperationId: 'x'.repeat(37), Status: 'OK' }, /longer than 36/],
		[{ OperationId: 'a', Status: 'PENDING' }, /Status must be/],
	])('rejects a non-envelope %#', (body, message) => {
		expect(envelopeProblem(body)).toMatch(message);
		expect(() => parseEnvelope(body)).toThrow(message);
	});

	it('keeps unknown fields in the raw envelope and reads legacy error fields', () => {
		const envelope = parseEnvelope({
			OperationId: 'op',
			Status: 'error',
			FailureReason: 'LIFESPAN_EXCEEDED',
			Message: 'late',
			Extra: 1,
		});
		expect(envelope.status).toBe('ERROR');
		expect(envelope.error).toEqual({ code: 'LIFESPAN_EXCEEDED', type: 'UNKNOWN', description: 'late' });
		expect(envelope.raw.Extra).toBe(1);
	});

	it('reports empty and null data as info items, or nothing', () => {
		const empty = parseEnvelope({ ...docsExample, Data: { Balance: [] }, AdditionalInformation: 'No balances today' });
		expect(
			envelopeToItems(empty, 'A', { output: 'simplified', onEmpty: 'infoItem', amountFormat: 'dotDecimal' }),
		).toEqual([
			{
				accountNumber: 'A',
				operationId: docsExample.OperationId,
				status: 'OK',
				noBalances: true,
				message: 'No balances today',
			},
		]);
		const nullData = parseEnvelope({ ...docsExample, Data: null });
		expect(
			envelopeToItems(nullData, 'A', { output: 'simplified', onEmpty: 'infoItem', amountFormat: 'dotDecimal' })[0]
				.message,
		).toMatch(/no data/);
		expect(
			envelopeToItems(nullData, 'A', { output: 'simplified', onEmpty: 'nothing', amountFormat: 'dotDecimal' }),
		).toEqual([]);
		expect(envelopeToItems(nullData, 'A', { output: 'raw', onEmpty: 'nothing', amountFormat: 'dotDecimal' })).toEqual([
			{ ...docsExample, Data: null },
		]);
	});
});

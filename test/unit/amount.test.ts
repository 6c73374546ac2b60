import {
	MAX_SIGNIFICANT_DIGITS,
	readAmount,
	readAmountFormat,
	type AmountFormat,
} from '../../nodes/shared/balances/amount';
import { simplifyBalances } from '../../nodes/shared/balances/simplify';
import { parseEnvelope } from '../../nodes/shared/khipu/envelope';

const DOT: AmountFormat = 'dotDecimal';
const AR: AmountFormat = 'argentine';

/** [text, amount in the dot-decimal format, amount in the Argentine format]; null = not read. */
const TABLE: Array<[string, number | null, number | null]> = [
	// plain digits read the same in both
	['0', 0, 0],
	['15', 15, 15],
	['-15', -15, -15],
	['+15', 15, 15],
	['007', 7, 7],
	['125000', 125000, 125000],
	// decimals
	['1234.56', 1234.56, null],
	['1234,56', null, 1234.56],
	['-1520.50', -1520.5, null],
	['-1520,50', null, -1520.5],
	['2.5', 2.5, null],
	['2,5', null, 2.5],
	['2.50', 2.5, null],
	['2,50', null, 2.5],
	['0.500', 0.5, null],
	['0,500', null, 0.5],
	['1234.567', 1234.567, null],
	['1234,567', null, 1234.567],
	// grouping
	['1,234.56', 1234.56, null],
	['1.234,56', null, 1234.56],
	['1,234,567', 1234567, null],
	['1.234.567', null, 1234567],
	['1,234,567.89', 1234567.89, null],
	['1.234.567,89', null, 1234567.89],
	['-1.234.567,89', null, -1234567.89],
	// the only separator followed by exactly three digits: the formats disagree 1000×
	['2.500', null, null],
	['2,500', null, null],
	['-2.500', null, null],
	['123.456', null, null],
	['999,999', null, null],
	// malformed in both
	['.5', null, null],
	['5.', null, null],
	[',5', null, null],
	['5,', null, null],
	['1,23.45', null, null],
	['1.23,45', null, null],
	['12,34', null, 12.34],
	['1,2345.6', null, null],
	['0,234.5', null, null],
	['1.234.56', null, null],
	['1,234.56.7', null, null],
	['1 234.56', null, null],
	['- 15', null, null],
	['15-', null, null],
	['--15', null, null],
	['(15)', null, null],
	['$15', null, null],
	['15 ARS', null, null],
	['1e3', null, null],
	['1.5E+2', null, null],
	['0x10', null, null],
	['NaN', null, null],
	['Infinity', null, null],
	['-Infinity', null, null],
	['n/a', null, null],
	['١٢٣', null, null],
	['−15', null, null],
];

describe('readAmount', () => {
	it.each(TABLE)('%p reads %p (dot decimal) and %p (Argentine)', (text, dot, argentine) => {
		for (const [format, expected] of [
			[DOT, dot],
			[AR, argentine],
		] as const) {
			const read = readAmount(text, format);
			expect(read.amount).toBe(expected);
			// A null amount always says why; a number never carries a problem.
			if (expected === null) expect(read.problem).toEqual(expect.any(String));
			else expect(read.problem).toBeNull();
		}
	});

	it('outer spaces are trimmed, inner ones are not grouping', () => {
		expect(readAmount('  1234.56\n', DOT)).toEqual({ amount: 1234.56, problem: null });
		expect(readAmount(' 1.234,56 ', AR)).toEqual({ amount: 1234.56, problem: null });
		expect(readAmount('1 234,56', AR).problem).toBe(
			'"1 234,56" is not a number in the Argentine format (1.234,56), such as 1234,56 or 1.234,56',
		);
		expect(readAmount('   ', DOT).problem).toBe('Khipu sent an empty amount');
	});

	it('an ambiguous amount names both readings', () => {
		expect(readAmount('2.500', DOT).problem).toBe(
			'"2.500" is ambiguous: 2.5 in the Khipu standard format (dot decimal), 2500 in the Argentine format (1.234,56)',
		);
		expect(readAmount('2,500', AR).problem).toBe(
			'"2,500" is ambiguous: 2.5 in the Argentine format (1.234,56), 2500 in the Khipu standard format (dot decimal)',
		);
	});

	it('text in the other format points to the Amount Format option, without giving a number', () => {
		expect(readAmount('1.234,56', DOT)).toEqual({
			amount: null,
			problem:
				'"1.234,56" is not in the Khipu standard format (dot decimal); if Khipu writes amounts in the Argentine format (1.234,56), set the Amount Format option to it',
		});
		expect(readAmount('1234.56', AR).problem).toMatch(
			/^"1234\.56" is not in the Argentine format .*set the Amount Format option/,
		);
		expect(readAmount('1e3', DOT).problem).toBe(
			'"1e3" is not a number in the Khipu standard format (dot decimal), such as 1234.56 or 1,234.56',
		);
	});

	it(`more than ${MAX_SIGNIFICANT_DIGITS} significant digits is never a rounded number`, () => {
		// 15 significant digits come back exactly.
		expect(readAmount('1234567890123.45', DOT)).toEqual({ amount: 1234567890123.45, problem: null });
		expect(readAmount('1.234.567.890.123,45', AR)).toEqual({ amount: 1234567890123.45, problem: null });
		expect(readAmount('999999999999999', DOT).amount).toBe(999999999999999);
		// Leading zeros and trailing decimal zeros are not significant.
		expect(readAmount('000000000000000000001.50000000000000', DOT)).toEqual({ amount: 1.5, problem: null });
		// Number() rounds each of these (a 16-digit one can come back unchanged, so 15 is the limit).
		for (const text of ['9007199254740993', '12345678901234567890.12', '0.12345678901234567', `1${'0'.repeat(400)}1`]) {
			expect(Number(text.replace(/,/g, '')).toString()).not.toBe(text);
			const read = readAmount(text, DOT);
			expect(read.amount).toBeNull();
			expect(read.problem).toMatch(/has \d+ significant digits; a number keeps at most 15 without rounding$/);
		}
		expect(readAmount('12.345.678.901.234.567,89', AR).problem).toMatch(/has 19 significant digits/);
		// The reason quotes at most 40 characters of a very long text.
		expect(readAmount('9'.repeat(5000), DOT).problem!.length).toBeLessThan(120);
	});

	it('JSON numbers are taken as they are, unless too large to be exact', () => {
		expect(readAmount(2.5, DOT)).toEqual({ amount: 2.5, problem: null });
		expect(readAmount(2500, AR)).toEqual({ amount: 2500, problem: null });
		expect(readAmount(-0.01, AR)).toEqual({ amount: -0.01, problem: null });
		expect(readAmount(Number.MAX_SAFE_INTEGER, DOT).amount).toBe(Number.MAX_SAFE_INTEGER);
		expect(readAmount(2 ** 60, DOT)).toEqual({
			amount: null,
			problem: `${2 ** 60} is larger than 9007199254740991; it may have been rounded when it was read`,
		});
		expect(readAmount(Number.NaN, DOT).amount).toBeNull();
		expect(readAmount(Number.POSITIVE_INFINITY, DOT).amount).toBeNull();
	});

	it('anything else is null with the reason', () => {
		expect(readAmount(undefined, DOT)).toEqual({ amount: null, problem: 'Khipu sent no amount' });
		expect(readAmount(null, DOT)).toEqual({
			amount: null,
			problem: 'Khipu sent null as the amount, not a number or text',
		});
		expect(readAmount(true, DOT).problem).toBe('Khipu sent a boolean as the amount, not a number or text');
		expect(readAmount({ Amount: '1' }, DOT).problem).toBe('Khipu sent a object as the amount, not a number or text');
		expect(readAmount(['1'], DOT).problem).toBe('Khipu sent a list as the amount, not a number or text');
	});

	it('the option defaults to the dot-decimal format', () => {
		expect(readAmountFormat(undefined)).toBe('dotDecimal');
		expect(readAmountFormat('argentine')).toBe('argentine');
		expect(readAmountFormat('dotDecimal')).toBe('dotDecimal');
	});
});

describe('amounts in the simplified items', () => {
	const envelope = (amounts: unknown[], indicator = 'Credit') =>
		parseEnvelope({
			OperationId: 'op-1',
			Status: 'OK',
			Data: {
				Balance: [
					{
						Type: 'InterimAvailable',
						CreditDebitIndicator: indicator,
						Amount: amounts.map((Amount) => ({ Amount, Currency: 'ARS' })),
					},
				],
			},
		});

	it('an ambiguous or unreadable amount is null with amountProblem, the text kept in amountString', () => {
		const items = simplifyBalances(envelope(['2.500', '2,500', '1.234.567', '1,234.56', 42]), 'A', DOT);
		expect(items.map((i) => [i.amount, i.amountString, i.amountProblem === null])).toEqual([
			[null, '2.500', false],
			[null, '2,500', false],
			[null, '1.234.567', false],
			[1234.56, '1,234.56', true],
			[42, '42', true],
		]);
		const argentine = simplifyBalances(envelope(['2.500', '1.234.567', '1,234.56']), 'A', AR);
		expect(argentine.map((i) => i.amount)).toEqual([null, 1234567, null]);
	});

	it('a debit is negative whatever the format; a null amount stays null', () => {
		expect(simplifyBalances(envelope(['1.520,50', '7,5', '2,500'], 'Debit'), 'A', AR).map((i) => i.amount)).toEqual([
			-1520.5,
			-7.5,
			null,
		]);
		expect(simplifyBalances(envelope(['1520.50', '2.500'], 'Debit'), 'A', DOT).map((i) => i.amount)).toEqual([
			-1520.5,
			null,
		]);
	});

	it('a balance without an amount says so', () => {
		const items = simplifyBalances(
			parseEnvelope({ OperationId: 'op', Status: 'OK', Data: { Balance: [{ Type: 'X' }] } }),
			'A',
			DOT,
		);
		expect(items[0]).toMatchObject({ amount: null, amountString: null, amountProblem: 'Khipu sent no amount' });
	});
});

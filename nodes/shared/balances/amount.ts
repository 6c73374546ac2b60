/**
 * How a balance amount Khipu sent becomes a number, or null with the reason.
 *
 * Khipu's page does not pin down how text amounts are written, and the two
 * readings that matter differ 1000× on a value such as "2.500" (2.5 with a dot
 * decimal, 2500 with Argentine grouping). An alert compares that number, so a
 * wrong one is worse than none: text is read only when it fits the chosen
 * format and no other reading exists; everything else is null with a problem.
 */

export type AmountFormat = 'dotDecimal' | 'argentine';

export const DEFAULT_AMOUNT_FORMAT: AmountFormat = 'dotDecimal';

interface FormatRules {
	label: string;
	decimal: '.' | ',';
	group: '.' | ',';
	example: string;
}

export const AMOUNT_FORMATS: Record<AmountFormat, FormatRules> = {
	dotDecimal: {
		label: 'Khipu standard format (dot decimal)',
		decimal: '.',
		group: ',',
		example: '1234.56 or 1,234.56',
	},
	argentine: { label: 'Argentine format (1.234,56)', decimal: ',', group: '.', example: '1234,56 or 1.234,56' },
};

/**
 * A JavaScript number holds every decimal of up to 15 significant digits
 * exactly enough to give it back unchanged; beyond that it may round.
 */
export const MAX_SIGNIFICANT_DIGITS = 15;

export interface ReadAmount {
	amount: number | null;
	/** Why `amount` is null; null when it was read. */
	problem: string | null;
}

interface Digits {
	negative: boolean;
	integer: string;
	fraction: string;
}

const escape = (separator: string): string => `\\${separator}`;

/**
 * Optional sign, then either plain digits or groups of three after a first
 * group of 1–3 digits that does not start with 0, then optionally the decimal
 * separator and at least one digit. No spaces, exponents or symbols.
 */
function matchFormat(text: string, format: AmountFormat): Digits | null {
	const { decimal, group } = AMOUNT_FORMATS[format];
	const grammar = new RegExp(`^([+-]?)(\\d+|[1-9]\\d{0,2}(?:${escape(group)}\\d{3})+)(?:${escape(decimal)}(\\d+))?$`);
	const match = grammar.exec(text);
	if (!match) return null;
	return { negative: match[1] === '-', integer: match[2].split(group).join(''), fraction: match[3] ?? '' };
}

function significantDigits({ integer, fraction }: Digits): number {
	return `${integer}${fraction}`.replace(/^0+/, '').replace(/0+$/, '').length;
}

function toNumber(digits: Digits): number {
	const magnitude = Number(`${digits.integer}.${digits.fraction || '0'}`);
	return digits.negative ? -magnitude : magnitude;
}

function quote(text: string): string {
	return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function otherFormat(format: AmountFormat): AmountFormat {
	return format === 'dotDecimal' ? 'argentine' : 'dotDecimal';
}

function problem(text: string): ReadAmount {
	return { amount: null, problem: text };
}

function readText(raw: string, format: AmountFormat): ReadAmount {
	const text = raw.trim();
	if (text === '') return problem('Khipu sent an empty amount');
	const chosen = AMOUNT_FORMATS[format];
	const other = otherFormat(format);
	const digits = matchFormat(text, format);
	const otherDigits = matchFormat(text, other);
	if (digits && otherDigits && toNumber(digits) !== toNumber(otherDigits)) {
		return problem(
			`${quote(text)} is ambiguous: ${toNumber(digits)} in the ${chosen.label}, ` +
				`${toNumber(otherDigits)} in the ${AMOUNT_FORMATS[other].label}`,
		);
	}
	if (!digits) {
		if (otherDigits) {
			return problem(
				`${quote(text)} is not in the ${chosen.label}; if Khipu writes amounts ` +
					`in the ${AMOUNT_FORMATS[other].label}, set the Amount Format option to it`,
			);
		}
		return problem(`${quote(text)} is not a number in the ${chosen.label}, such as ${chosen.example}`);
	}
	const significant = significantDigits(digits);
	if (significant > MAX_SIGNIFICANT_DIGITS) {
		return problem(
			`${quote(text)} has ${significant} significant digits; a number keeps at ` +
				`most ${MAX_SIGNIFICANT_DIGITS} without rounding`,
		);
	}
	return { amount: toNumber(digits), problem: null };
}

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	return `a ${typeof value}`;
}

/**
 * JSON numbers are taken as they are, except beyond Number.MAX_SAFE_INTEGER,
 * where the JSON reader may already have rounded them and the number Khipu
 * sent is no longer known.
 */
export function readAmount(value: unknown, format: AmountFormat): ReadAmount {
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) return problem('Khipu sent an amount that is not a finite number');
		if (Math.abs(value) > Number.MAX_SAFE_INTEGER) {
			return problem(`${value} is larger than ${Number.MAX_SAFE_INTEGER}; it may have been rounded when it was read`);
		}
		return { amount: value, problem: null };
	}
	if (typeof value === 'string') return readText(value, format);
	if (value === undefined) return problem('Khipu sent no amount');
	return problem(`Khipu sent ${describe(value)} as the amount, not a number or text`);
}

export function readAmountFormat(value: unknown): AmountFormat {
	return value === 'argentine' ? 'argentine' : DEFAULT_AMOUNT_FORMAT;
}

'use strict';
// The bench's statistics: what every published ratio, spread and verdict is computed with.
const { quantile, summary, pairedRatios, medianInterval, verdict } = require('../../tools/bench/lib/stats');

describe('bench statistics', () => {
	test('quantiles interpolate between order statistics and skip missing samples', () => {
		expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
		expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
		expect(quantile([10, null, NaN, 20], 0.5)).toBe(15);
		expect(quantile([], 0.5)).toBeNull();
		expect(summary([5, 1, 3, 2, 4])).toEqual({ n: 5, min: 1, q1: 2, median: 3, q3: 4, max: 5 });
	});

	test('the 95 % interval of the median uses the ranks the binomial distribution gives', () => {
		const ranks = (n) => {
			const ci = medianInterval(Array.from({ length: n }, (_, i) => i + 1));
			return ci && [ci.low, ci.high];
		};
		// n = 5: even the extremes cover the median with only 1 - 2/32 = 93.75 %
		expect(ranks(5)).toBeNull();
		expect(ranks(6)).toEqual([1, 6]);
		// n = 10: [2nd, 9th] covers 97.9 %, [3rd, 8th] only 89.1 %
		expect(ranks(10)).toEqual([2, 9]);
		expect(ranks(15)).toEqual([4, 12]);
		expect(ranks(21)).toEqual([6, 16]);
	});

	test('paired ratios are taken round by round, not as a ratio of medians', () => {
		// A is exactly 1.1 × B in every round although both drift a lot
		const b = [10, 20, 40, 12, 30, 25, 18, 50];
		const a = b.map((v) => v * 1.1);
		const p = pairedRatios(a, b);
		expect(p.n).toBe(8);
		expect(p.median).toBe(1.1);
		expect([p.q1, p.q3]).toEqual([1.1, 1.1]);
		expect(p.ci95).toEqual([1.1, 1.1]);
		expect(p.rounds).toHaveLength(8);
		// a round with a missing or zero denominator is left out
		expect(pairedRatios([1, 2, 3], [1, 0, null]).n).toBe(1);
	});

	test('a verdict is judged on the median and says whether the interval is clear of the goal', () => {
		const ratios = (values) =>
			pairedRatios(
				values,
				values.map(() => 1),
			);
		const within = ratios([1.01, 1.02, 1.03, 1.04, 1.05, 1.06, 1.07, 1.08]);
		expect(verdict(within, { max: 1.15 })).toEqual({ status: 'met', clear: true });
		const over = ratios([1.2, 1.21, 1.22, 1.23, 1.24, 1.25, 1.3, 1.4]);
		expect(verdict(over, { max: 1.15 })).toEqual({ status: 'missed', clear: true });
		const straddling = ratios([1.0, 1.05, 1.1, 1.14, 1.17, 1.2, 1.25, 1.3]);
		expect(verdict(straddling, { max: 1.15 })).toEqual({ status: 'missed', clear: false });
		expect(verdict(ratios([0.9, 0.95, 1, 1.02, 1.04, 1.1]), { min: 0.95 }).status).toBe('met');
		expect(verdict(ratios([]), { max: 1 })).toBeNull();
	});
});

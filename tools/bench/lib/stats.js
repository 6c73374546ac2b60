'use strict';
// Statistics of the bench. Every comparison is made round by round: in each round every variant runs once
// (order rotated), the round's ratio is variant A's figure over variant B's, and a row reports the median of
// those ratios with its interquartile range and a 95 % confidence interval of the median (order statistics,
// no assumption about the distribution). Slow drifts of the machine (another process starting, CPU
// frequency, caches) hit both sides of a round alike and drop out of its ratio.

function sorted(values) {
	return values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
}

/** Linear interpolation between order statistics (numpy's default, R type 7). */
function quantile(values, q) {
	const s = sorted(values);
	if (s.length === 0) return null;
	const pos = (s.length - 1) * q;
	const lo = Math.floor(pos);
	const hi = Math.ceil(pos);
	return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

const median = (values) => quantile(values, 0.5);

function round(v, digits = 2) {
	if (v === null || v === undefined || !Number.isFinite(v)) return null;
	const f = 10 ** digits;
	return Math.round(v * f) / f;
}

/** P(X <= k) for X ~ Binomial(n, 1/2). */
function binomialHalfCdf(k, n) {
	let term = 0.5 ** n; // P(X = 0)
	let sum = term;
	for (let i = 1; i <= k; i++) {
		term = (term * (n - i + 1)) / i;
		sum += term;
	}
	return sum;
}

/**
 * Distribution-free confidence interval of the median: the k-th smallest and k-th largest sample, k the
 * largest rank whose interval still covers the median with probability >= `level`. null with fewer than 6
 * samples (no such interval exists at 95 %).
 */
function medianInterval(values, level = 0.95) {
	const s = sorted(values);
	const n = s.length;
	let k = 0;
	// coverage of [s[j-1], s[n-j]] is 1 - 2 P(X <= j-1)
	for (let j = 1; j <= Math.floor(n / 2); j++) {
		if (1 - 2 * binomialHalfCdf(j - 1, n) >= level) k = j;
		else break;
	}
	return k === 0 ? null : { low: s[k - 1], high: s[n - k], level };
}

/** {n, min, q1, median, q3, max} of the samples, rounded to `digits` (p90 when asked). */
function summary(values, { digits = 2, p90 = false } = {}) {
	const s = sorted(values);
	if (s.length === 0) return { n: 0, min: null, q1: null, median: null, q3: null, max: null };
	const r = (v) => round(v, digits);
	const out = {
		n: s.length,
		min: r(s[0]),
		q1: r(quantile(s, 0.25)),
		median: r(quantile(s, 0.5)),
		q3: r(quantile(s, 0.75)),
		max: r(s[s.length - 1]),
	};
	if (p90) out.p90 = r(quantile(s, 0.9));
	return out;
}

/** Ratio a/b of two numbers (null when either is missing). */
function ratio(a, b, digits = 3) {
	if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
	return round(a / b, digits);
}

/**
 * Round-by-round ratios a[i] / b[i]: their summary (median, quartiles), the 95 % interval of the median and
 * every ratio (rounded), so a reader can redo the arithmetic.
 */
function pairedRatios(a, b, digits = 3) {
	const ratios = [];
	for (let i = 0; i < Math.min(a.length, b.length); i++) {
		if (Number.isFinite(a[i]) && Number.isFinite(b[i]) && b[i] !== 0) ratios.push(a[i] / b[i]);
	}
	const ci = medianInterval(ratios);
	return {
		...summary(ratios, { digits }),
		ci95: ci ? [round(ci.low, digits), round(ci.high, digits)] : null,
		rounds: ratios.map((v) => round(v, digits)),
	};
}

/**
 * Whether a paired ratio meets its goal ({max} or {min}), judged on the median: 'met' or 'missed'; 'clear'
 * tells whether the whole 95 % interval is on the same side (else the median is within noise of the goal).
 */
function verdict(paired, goal) {
	if (!goal || !paired || paired.median === null) return null;
	const ok = (v) => (goal.max !== undefined ? v <= goal.max : v >= goal.min);
	const met = ok(paired.median);
	const clear = paired.ci95 ? ok(paired.ci95[0]) === met && ok(paired.ci95[1]) === met : false;
	return { status: met ? 'met' : 'missed', clear };
}

/** Least-squares slope and intercept of y over x, and R². */
function linearFit(xs, ys) {
	const n = xs.length;
	const mx = xs.reduce((a, b) => a + b, 0) / n;
	const my = ys.reduce((a, b) => a + b, 0) / n;
	let sxy = 0;
	let sxx = 0;
	let syy = 0;
	for (let i = 0; i < n; i++) {
		sxy += (xs[i] - mx) * (ys[i] - my);
		sxx += (xs[i] - mx) ** 2;
		syy += (ys[i] - my) ** 2;
	}
	const slope = sxx === 0 ? 0 : sxy / sxx;
	const intercept = my - slope * mx;
	const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
	return { slope, intercept, r2 };
}

module.exports = { summary, median, quantile, round, ratio, pairedRatios, medianInterval, verdict, linearFit };

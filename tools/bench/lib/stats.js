'use strict';
// Small statistics helpers: every figure is reported as min / median / max over its samples.

function sorted(values) {
	return values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
}

function quantile(values, q) {
	const s = sorted(values);
	if (s.length === 0) return null;
	const pos = (s.length - 1) * q;
	const lo = Math.floor(pos);
	const hi = Math.ceil(pos);
	return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

const median = (values) => quantile(values, 0.5);

/** {n, min, median, max} (plus p90 when asked), rounded to `digits`. */
function summary(values, { digits = 2, p90 = false } = {}) {
	const s = sorted(values);
	if (s.length === 0) return { n: 0, min: null, median: null, max: null };
	const r = (v) => round(v, digits);
	const out = { n: s.length, min: r(s[0]), median: r(median(s)), max: r(s[s.length - 1]) };
	if (p90) out.p90 = r(quantile(s, 0.9));
	return out;
}

function round(v, digits = 2) {
	if (v === null || v === undefined || !Number.isFinite(v)) return null;
	const f = 10 ** digits;
	return Math.round(v * f) / f;
}

/** Ratio a/b of two numbers (null when either is missing). */
function ratio(a, b, digits = 3) {
	if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
	return round(a / b, digits);
}

/** Element-wise ratios of paired samples (round i of A over round i of B), summarised. */
function pairedRatios(a, b, digits = 3) {
	const out = [];
	for (let i = 0; i < Math.min(a.length, b.length); i++) {
		if (Number.isFinite(a[i]) && Number.isFinite(b[i]) && b[i] !== 0) out.push(a[i] / b[i]);
	}
	return summary(out, { digits });
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

module.exports = { summary, median, quantile, round, ratio, pairedRatios, linearFit };

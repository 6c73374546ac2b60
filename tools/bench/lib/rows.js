'use strict';
// How the bench compares: variants run side by side in rounds (order rotated every round), each row is the
// round-by-round ratio of two of them, judged against its goal, and every row carries the load of the machine
// while its section ran.
const { summary, pairedRatios, verdict } = require('./stats');
const { watchMachine } = require('./meter');

/** Runs `runOnce(variant, round)` for every variant in every round, rotating the order; samples by variant key. */
async function interleaved(variants, rounds, runOnce) {
	const samples = Object.fromEntries(variants.map((v) => [v.key, []]));
	for (let round = 0; round < rounds; round++) {
		for (let k = 0; k < variants.length; k++) {
			const v = variants[(round + k) % variants.length];
			samples[v.key].push(await runOnce(v, round));
		}
	}
	return samples;
}

/**
 * One row: `a` over `b`, round by round. `goal` is {max} or {min} with its text; rows without a goal are
 * shown for what they tell, never judged.
 * @param {{id: string, title: string, unit?: string, digits?: number, primary?: boolean,
 *          a: {label: string, values: number[]}, b: {label: string, values: number[]},
 *          goal?: {max?: number, min?: number, text: string}, note?: string}} o
 */
function comparison({ id, title, unit = '', digits = 2, primary = false, a, b, goal = null, note }) {
	const ratio = pairedRatios(a.values, b.values);
	return {
		id,
		title,
		unit,
		primary,
		a: { label: a.label, ...summary(a.values, { digits }) },
		b: { label: b.label, ...summary(b.values, { digits }) },
		ratio,
		goal,
		verdict: verdict(ratio, goal),
		...(note ? { note } : {}),
	};
}

/**
 * Runs one section of the bench and returns what it returned, each row with the machine's load meanwhile
 * (1-minute load average at both ends, the other processes' and the hypervisor's share of all cores).
 * `ownCpuMs` counts what the bench itself runs (its stacks and its own process), so it is not counted as load.
 */
async function measuredSection(ownCpuMs, fn) {
	const stop = watchMachine(ownCpuMs);
	const out = await fn();
	const load = stop();
	for (const row of out.rows || []) row.load = load;
	return { ...out, load };
}

module.exports = { interleaved, comparison, measuredSection };

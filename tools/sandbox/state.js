'use strict';

const { SCENARIOS } = require('./scenarios');

const CONFIG_KEYS = ['latencyMs', 'callbackDelayMs', 'slowMs', 'lifeSpanMs'];
const MAX_DELAY_MS = 10 * 60 * 1000;
/** LifeSpan of an accepted request is not a wait: a day is allowed (Khipu's own is 15 minutes here). */
const MAX_MS = { lifeSpanMs: 24 * 60 * 60 * 1000 };

function checkConfigPatch(patch) {
	if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
		throw new TypeError('config must be an object');
	}
	for (const [key, value] of Object.entries(patch)) {
		if (!CONFIG_KEYS.includes(key)) throw new TypeError(`unknown config key: ${key}`);
		const max = MAX_MS[key] ?? MAX_DELAY_MS;
		if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
			throw new TypeError(`${key} must be a number of milliseconds between 0 and ${max}`);
		}
	}
}

/**
 * Everything the sandbox remembers. Records only ever hold values that are
 * already redacted; secrets never reach this module.
 */
function createState(initialConfig) {
	checkConfigPatch(initialConfig);
	const config = { ...initialConfig };
	let requests = [];
	let callbacks = [];
	let attempts = new Map();
	let requestSeq = 0;
	let deliverySeq = 0;
	let inFlight = 0;
	let maxInFlight = 0;
	// Deliveries started before a reset belong to an earlier test; the epoch
	// lets them finish without polluting the fresh records.
	let epoch = 0;
	const resetHooks = [];
	const waiters = new Set();

	const notifyWaiters = () => waiters.forEach((check) => check());

	const internal = {
		config: () => ({ ...config }),
		epoch: () => epoch,
		onReset: (hook) => resetHooks.push(hook),

		recordRequest(fields) {
			requestSeq += 1;
			const record = { seq: requestSeq, receivedAt: new Date().toISOString(), ...fields };
			requests.push(record);
			return record;
		},
		enterFlight() {
			inFlight += 1;
			maxInFlight = Math.max(maxInFlight, inFlight);
		},
		leaveFlight() {
			inFlight -= 1;
		},
		/** 1 for the first request for this account since the last reset, then 2, 3... */
		nextAttempt(accountNumber) {
			const attempt = (attempts.get(accountNumber) || 0) + 1;
			attempts.set(accountNumber, attempt);
			return attempt;
		},
		recordDelivery(deliveryEpoch, fields) {
			if (deliveryEpoch !== epoch) return null;
			deliverySeq += 1;
			const record = { seq: deliverySeq, ...fields };
			callbacks.push(record);
			notifyWaiters();
			return record;
		},
	};

	const view = {
		requests: () => structuredClone(requests),
		callbacks: () => structuredClone(callbacks),
		stats: () => ({ requests: requests.length, maxInFlight, inFlight }),
		scenarios: () => structuredClone(SCENARIOS),
		config: () => ({ ...config }),
		configure(patch) {
			checkConfigPatch(patch);
			Object.assign(config, patch);
			return { ...config };
		},
		/** Forgets records, counters, per-account attempts and pending callbacks; keeps the config. */
		reset() {
			epoch += 1;
			requests = [];
			callbacks = [];
			attempts = new Map();
			requestSeq = 0;
			deliverySeq = 0;
			maxInFlight = inFlight;
			resetHooks.forEach((hook) => hook());
			notifyWaiters();
		},
		/** Resolves with the delivery records once at least `count` exist. */
		waitForCallbacks(count, timeoutMs = 5000) {
			return new Promise((resolve, reject) => {
				const check = () => {
					if (callbacks.length < count) return;
					finish();
					resolve(structuredClone(callbacks));
				};
				const timer = setTimeout(() => {
					finish();
					reject(new Error(`expected ${count} callback deliveries, got ${callbacks.length} in ${timeoutMs} ms`));
				}, timeoutMs);
				const finish = () => {
					clearTimeout(timer);
					waiters.delete(check);
				};
				waiters.add(check);
				check();
			});
		},
	};

	return { internal, view };
}

module.exports = { createState, checkConfigPatch, CONFIG_KEYS };

'use strict';

const { createHash } = require('node:crypto');
const { formatArgentinaDateTime, startOfArgentinaDay } = require('./envelope');

// Cycled through by counted payloads so large responses are not uniform.
const COUNTED_TYPES = ['InterimAvailable', 'InterimBooked', 'ClosingBooked', 'OpeningAvailable', 'Expected'];

function accountIdFor(accountNumber) {
	return `AR-001-${accountNumber}`;
}

/** Turns a table entry (or generated spec) into the wire shape Khipu uses. */
function balanceItem(accountNumber, spec, dateTime) {
	const amount = { Amount: spec.Amount, Currency: spec.Currency };
	return {
		AccountId: accountIdFor(accountNumber),
		CreditDebitIndicator: spec.CreditDebitIndicator,
		DateTime: formatArgentinaDateTime(dateTime),
		Type: spec.Type,
		Amount: spec.amountAsObject ? amount : [amount],
	};
}

/** A seed that depends only on the text, so the same account always gets the same money. */
function seedFrom(text) {
	return createHash('sha256').update(text).digest().readUInt32BE(0);
}

// mulberry32: a tiny deterministic generator; cheap enough for 100k balances.
function generator(seed) {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function centsToAmount(cents) {
	return (cents / 100).toFixed(2);
}

/** Balances "as of now": minutes precision, like Khipu's example. */
function reportingTime(now) {
	const minute = new Date(now.getTime());
	minute.setUTCSeconds(0, 0);
	return minute;
}

/** Today's available balance plus last night's closing balance, both derived from the account. */
function hashedBalances(accountNumber, now) {
	const next = generator(seedFrom(accountNumber));
	const closingCents = Math.floor(next() * 1_000_000_000);
	const movementCents = Math.floor(next() * 5_000_000);
	return [
		balanceItem(
			accountNumber,
			{
				Type: 'InterimAvailable',
				CreditDebitIndicator: 'Credit',
				Amount: centsToAmount(closingCents + movementCents),
				Currency: 'ARS',
			},
			reportingTime(now),
		),
		balanceItem(
			accountNumber,
			{ Type: 'ClosingBooked', CreditDebitIndicator: 'Credit', Amount: centsToAmount(closingCents), Currency: 'ARS' },
			startOfArgentinaDay(now),
		),
	];
}

/** Balances spelled out in the scenario table. */
function listedBalances(accountNumber, specs, now) {
	const at = reportingTime(now);
	return specs.map((spec) => balanceItem(accountNumber, spec, at));
}

function countedBalances(accountNumber, count, now) {
	const next = generator(seedFrom(accountNumber));
	const at = reportingTime(now);
	const items = new Array(count);
	for (let i = 0; i < count; i += 1) {
		items[i] = balanceItem(
			accountNumber,
			{
				Type: COUNTED_TYPES[i % COUNTED_TYPES.length],
				CreditDebitIndicator: next() < 0.8 ? 'Credit' : 'Debit',
				Amount: centsToAmount(Math.floor(next() * 100_000_000)),
				Currency: 'ARS',
			},
			at,
		);
	}
	return items;
}

module.exports = { accountIdFor, hashedBalances, listedBalances, countedBalances, generator };

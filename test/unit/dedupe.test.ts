import type { IDataObject } from 'n8n-workflow';

import { firstDelivery, forgetAll, MAX_REMEMBERED_IDS, SHARED_KEY } from '../../nodes/shared/dedupe';
import { appendEntries, findEntry } from '../../nodes/shared/dedupeLog';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 26, 12);

/** What n8n does between requests: the static data goes to the database as JSON and comes back. */
function roundTrip(store: IDataObject): IDataObject {
	return JSON.parse(JSON.stringify(store)) as IDataObject;
}

function storedIds(store: IDataObject): string[] {
	return String(store[SHARED_KEY] ?? '')
		.split('\n')
		.filter(Boolean)
		.map((line) => decodeURIComponent(line.slice(line.indexOf(' ') + 1)));
}

describe('dedupe across processes (workflow static data)', () => {
	beforeEach(() => forgetAll());

	it('records a first delivery in the shared store and finds it after a restart', () => {
		const store: IDataObject = {};
		expect(firstDelivery('wf:node', 'op-1', HOUR, T0 + 1_000, store)).toBe(true);
		expect(storedIds(store)).toEqual(['op-1']);
		forgetAll(); // the process restarted: only the database remembers
		expect(firstDelivery('wf:node', 'op-1', HOUR, T0 + 2_000, roundTrip(store))).toBe(false);
		expect(firstDelivery('wf:node', 'op-2', HOUR, T0 + 2_000, roundTrip(store))).toBe(true);
	});

	it('a repeat on another process is a duplicate once the first process saved its store', () => {
		const db: IDataObject = {};
		// process A takes op-1 and saves; process B has never seen it
		const readByA = roundTrip(db);
		expect(firstDelivery('A', 'op-1', HOUR, T0 + 1_000, readByA)).toBe(true);
		Object.assign(db, roundTrip(readByA));
		expect(firstDelivery('B', 'op-1', HOUR, T0 + 1_500, roundTrip(db))).toBe(false);
	});

	it('keeps the union when two processes overwrite each other (last writer wins)', () => {
		const db: IDataObject = {};
		// both read the same (empty) store, each accepts its own id, B saves last and drops A's id
		const readByA = roundTrip(db);
		const readByB = roundTrip(db);
		expect(firstDelivery('A', 'op-a', HOUR, T0 + 1_000, readByA)).toBe(true);
		expect(firstDelivery('B', 'op-b', HOUR, T0 + 1_000, readByB)).toBe(true);
		Object.assign(db, roundTrip(readByA));
		Object.assign(db, roundTrip(readByB));
		expect(storedIds(db)).toEqual(['op-b']);
		// A's next request (any callback, even a duplicate) writes its ids back together with B's
		const next = roundTrip(db);
		expect(firstDelivery('A', 'op-a', HOUR, T0 + 1_200, next)).toBe(false);
		expect(new Set(storedIds(next))).toEqual(new Set(['op-a', 'op-b']));
		Object.assign(db, roundTrip(next));
		expect(firstDelivery('B', 'op-a', HOUR, T0 + 1_300, roundTrip(db))).toBe(false);
	});

	it('re-adds an id that a slower process saved over after this process had already read it back', () => {
		const db: IDataObject = {};
		const readByB = roundTrip(db); // B's request starts before A saves op-a
		const readByA = roundTrip(db);
		expect(firstDelivery('A', 'op-a', HOUR, T0, readByA)).toBe(true);
		Object.assign(db, roundTrip(readByA));
		expect(firstDelivery('A', 'op-x', HOUR, T0 + 100, roundTrip(db))).toBe(true); // A reads op-a back
		expect(firstDelivery('B', 'op-b', HOUR, T0 + 150, readByB)).toBe(true);
		Object.assign(db, roundTrip(readByB)); // B saves last: op-a and op-x are gone
		const next = roundTrip(db);
		expect(firstDelivery('A', 'op-y', HOUR, T0 + 200, next)).toBe(true);
		expect(new Set(storedIds(next))).toEqual(new Set(['op-a', 'op-x', 'op-b', 'op-y']));
	});

	it('a duplicate does not rewrite the store when it holds what this process wrote', () => {
		const store: IDataObject = {};
		expect(firstDelivery('wf:node', 'op-1', HOUR, T0 + 1_000, store)).toBe(true);
		const written = store[SHARED_KEY];
		const again = roundTrip(store);
		expect(firstDelivery('wf:node', 'op-1', HOUR, T0 + 1_100, again)).toBe(false);
		expect(again[SHARED_KEY]).toBe(written);
	});

	it('forgets ids older than the window, in memory and in the store', () => {
		const store: IDataObject = {};
		expect(firstDelivery('wf:node', 'old', 1_000, T0, store)).toBe(true);
		expect(firstDelivery('wf:node', 'new', 1_000, T0 + 2_000, store)).toBe(true);
		expect(storedIds(store)).toEqual(['new']);
		forgetAll();
		expect(firstDelivery('wf:node', 'old', 1_000, T0 + 2_100, roundTrip(store))).toBe(true);
	});

	it('ignores expired entries and text it did not write', () => {
		const store: IDataObject = { [SHARED_KEY]: appendEntries('', [['expired', T0 - 1_000], ['kept', T0 + HOUR]]) };
		expect(firstDelivery('wf:node', 'expired', HOUR, T0, roundTrip(store))).toBe(true);
		expect(firstDelivery('wf:node', 'kept', HOUR, T0, roundTrip(store))).toBe(false);
		expect(firstDelivery('other', 'x', HOUR, T0, { [SHARED_KEY]: 'not a log' })).toBe(true);
		expect(firstDelivery('other', 'x', HOUR, T0, { [SHARED_KEY]: 42 })).toBe(false);
	});

	it('ids holding spaces, newlines or % match only themselves', () => {
		const store: IDataObject = {};
		expect(firstDelivery('wf:node', 'a b', HOUR, T0, store)).toBe(true);
		expect(firstDelivery('wf:node', 'a\nb', HOUR, T0, store)).toBe(true);
		expect(firstDelivery('wf:node', '%20', HOUR, T0, store)).toBe(true);
		forgetAll();
		for (const id of ['a b', 'a\nb', '%20']) expect(firstDelivery('wf:node', id, HOUR, T0 + 1, roundTrip(store))).toBe(false);
		expect(findEntry(String(store[SHARED_KEY]), 'b', T0)).toBeUndefined();
		expect(findEntry(String(store[SHARED_KEY]), 'a', T0)).toBeUndefined();
	});

	it(`keeps about ${MAX_REMEMBERED_IDS} UUID OperationIds, dropping the oldest`, () => {
		const store: IDataObject = {};
		const ids = Array.from({ length: MAX_REMEMBERED_IDS + 10 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
		ids.forEach((id, i) => expect(firstDelivery('wf:node', id, HOUR, T0 + i, store)).toBe(true));
		const kept = storedIds(store);
		expect(kept).toEqual(ids.slice(-MAX_REMEMBERED_IDS));
		forgetAll();
		expect(firstDelivery('wf:node', ids[0], HOUR, T0 + 60_000, roundTrip(store))).toBe(true);
		expect(firstDelivery('wf:node', ids.at(-1) as string, HOUR, T0 + 60_000, roundTrip(store))).toBe(false);
	});

	it('without a store it still catches simultaneous duplicates in this process', () => {
		expect(firstDelivery('mem', 'op', HOUR, 0)).toBe(true);
		expect(firstDelivery('mem', 'op', HOUR, 1)).toBe(false);
	});
});

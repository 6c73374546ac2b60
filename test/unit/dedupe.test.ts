import type { IDataObject } from 'n8n-workflow';

import { firstDelivery, forgetAll, MAX_REMEMBERED_IDS, SHARED_KEY } from '../../nodes/shared/dedupe';

const HOUR = 3_600_000;

/** What n8n does between requests: the static data goes to the database as JSON and comes back. */
function roundTrip(store: IDataObject): IDataObject {
	return JSON.parse(JSON.stringify(store)) as IDataObject;
}

function storedIds(store: IDataObject): string[] {
	return (JSON.parse(String(store[SHARED_KEY])) as Array<[string, number]>).map(([id]) => id);
}

describe('dedupe across processes (workflow static data)', () => {
	beforeEach(() => forgetAll());

	it('records a first delivery in the shared store and finds it after a restart', () => {
		const store: IDataObject = {};
		expect(firstDelivery('wf:node', 'op-1', HOUR, 1_000, store)).toBe(true);
		expect(storedIds(store)).toEqual(['op-1']);
		forgetAll(); // the process restarted: only the database remembers
		expect(firstDelivery('wf:node', 'op-1', HOUR, 2_000, roundTrip(store))).toBe(false);
		expect(firstDelivery('wf:node', 'op-2', HOUR, 2_000, roundTrip(store))).toBe(true);
	});

	it('a repeat on another process is a duplicate once the first process saved its store', () => {
		const db: IDataObject = {};
		// process A takes op-1 and saves; process B has never seen it
		const readByA = roundTrip(db);
		expect(firstDelivery('A', 'op-1', HOUR, 1_000, readByA)).toBe(true);
		Object.assign(db, roundTrip(readByA));
		expect(firstDelivery('B', 'op-1', HOUR, 1_500, roundTrip(db))).toBe(false);
	});

	it('keeps the union when two processes overwrite each other (last writer wins)', () => {
		const db: IDataObject = {};
		// both read the same (empty) store, each accepts its own id, B saves last and drops A's id
		const readByA = roundTrip(db);
		const readByB = roundTrip(db);
		expect(firstDelivery('A', 'op-a', HOUR, 1_000, readByA)).toBe(true);
		expect(firstDelivery('B', 'op-b', HOUR, 1_000, readByB)).toBe(true);
		Object.assign(db, roundTrip(readByA));
		Object.assign(db, roundTrip(readByB));
		expect(storedIds(db)).toEqual(['op-b']);
		// A's next request (any callback, even a duplicate) writes its ids back together with B's
		const next = roundTrip(db);
		expect(firstDelivery('A', 'op-a', HOUR, 1_200, next)).toBe(false);
		expect(new Set(storedIds(next))).toEqual(new Set(['op-a', 'op-b']));
		Object.assign(db, roundTrip(next));
		expect(firstDelivery('B', 'op-a', HOUR, 1_300, roundTrip(db))).toBe(false);
	});

	it('a duplicate does not rewrite the store when it holds what this process wrote', () => {
		const store: IDataObject = {};
		expect(firstDelivery('wf:node', 'op-1', HOUR, 1_000, store)).toBe(true);
		const written = store[SHARED_KEY];
		const again = roundTrip(store);
		expect(firstDelivery('wf:node', 'op-1', HOUR, 1_100, again)).toBe(false);
		expect(again[SHARED_KEY]).toBe(written);
	});

	it('forgets ids older than the window, in memory and in the store', () => {
		const store: IDataObject = {};
		expect(firstDelivery('wf:node', 'old', 1_000, 0, store)).toBe(true);
		expect(firstDelivery('wf:node', 'new', 1_000, 2_000, store)).toBe(true);
		expect(storedIds(store)).toEqual(['new']);
		forgetAll();
		expect(firstDelivery('wf:node', 'old', 1_000, 2_100, roundTrip(store))).toBe(true);
	});

	it('ignores expired and malformed entries written by someone else', () => {
		const store: IDataObject = { [SHARED_KEY]: JSON.stringify([['expired', 1], 'junk', [42, 9e9], ['kept', 9e9]]) };
		expect(firstDelivery('wf:node', 'expired', HOUR, 10_000, roundTrip(store))).toBe(true);
		expect(firstDelivery('wf:node', 'kept', HOUR, 10_000, roundTrip(store))).toBe(false);
		expect(firstDelivery('other', 'x', HOUR, 10_000, { [SHARED_KEY]: 'not json' })).toBe(true);
	});

	it(`keeps at most ${MAX_REMEMBERED_IDS} ids, dropping the oldest`, () => {
		const store: IDataObject = {};
		for (let i = 0; i <= MAX_REMEMBERED_IDS; i++) expect(firstDelivery('wf:node', `op-${i}`, HOUR, 1_000 + i, store)).toBe(true);
		const ids = storedIds(store);
		expect(ids).toHaveLength(MAX_REMEMBERED_IDS);
		expect(ids[0]).toBe('op-1');
		expect(ids.at(-1)).toBe(`op-${MAX_REMEMBERED_IDS}`);
		expect(firstDelivery('wf:node', 'op-0', HOUR, 5_000, store)).toBe(true);
		expect(firstDelivery('wf:node', `op-${MAX_REMEMBERED_IDS}`, HOUR, 5_000, store)).toBe(false);
	});

	it('without a store it still catches simultaneous duplicates in this process', () => {
		expect(firstDelivery('mem', 'op', HOUR, 0)).toBe(true);
		expect(firstDelivery('mem', 'op', HOUR, 1)).toBe(false);
	});
});

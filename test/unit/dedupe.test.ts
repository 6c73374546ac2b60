import type { IDataObject } from 'n8n-workflow';

import { COALESCE_MS, firstDelivery, forgetAll, MAX_REMEMBERED_IDS, saveShared, SHARED_KEY, type Clock } from '../../nodes/shared/dedupe';
import { appendEntries, findEntry, fingerprint, MAX_SHARED_CHARS } from '../../nodes/shared/dedupeLog';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 26, 12);

/** What n8n does between requests: the static data goes to the database as JSON and comes back. */
function roundTrip(store: IDataObject): IDataObject {
	return JSON.parse(JSON.stringify(store)) as IDataObject;
}

/** A clock standing still at `at`; a request that would have to wait fails the test. */
function at(t: number): Clock {
	return {
		now: () => t,
		sleep: async () => {
			throw new Error(`waited at ${t}`);
		},
	};
}

/** One callback as the trigger handles it: check, record, then put what is missing into the request's store. */
async function deliver(scope: string, id: string, ttl: number, now: number, store: IDataObject): Promise<boolean> {
	const first = firstDelivery(scope, id, ttl, now, store);
	await saveShared(scope, store, at(now));
	return first;
}

/** The fingerprints in the store, oldest first. */
function stored(store: IDataObject): string[] {
	return String(store[SHARED_KEY] ?? '')
		.split('\n')
		.filter(Boolean)
		.map((line) => line.slice(line.indexOf(' ') + 1));
}

const fps = (...ids: string[]) => ids.map(fingerprint);

describe('dedupe across processes (workflow static data)', () => {
	beforeEach(() => forgetAll());

	it('records a first delivery in the shared store and finds it after a restart', async () => {
		const store: IDataObject = {};
		expect(await deliver('wf:node', 'op-1', HOUR, T0 + 1_000, store)).toBe(true);
		expect(stored(store)).toEqual(fps('op-1'));
		forgetAll(); // the process restarted: only the database remembers
		expect(await deliver('wf:node', 'op-1', HOUR, T0 + 2_000, roundTrip(store))).toBe(false);
		expect(await deliver('wf:node', 'op-2', HOUR, T0 + 2_000, roundTrip(store))).toBe(true);
	});

	it('a repeat on another process is a duplicate once the first process saved its store', async () => {
		const db: IDataObject = {};
		// process A takes op-1 and saves; process B has never seen it
		const readByA = roundTrip(db);
		expect(await deliver('A', 'op-1', HOUR, T0 + 1_000, readByA)).toBe(true);
		Object.assign(db, roundTrip(readByA));
		expect(await deliver('B', 'op-1', HOUR, T0 + 1_500, roundTrip(db))).toBe(false);
	});

	it('keeps the union when two processes overwrite each other (last writer wins)', async () => {
		const db: IDataObject = {};
		// both read the same (empty) store, each accepts its own id, B saves last and drops A's id
		const readByA = roundTrip(db);
		const readByB = roundTrip(db);
		expect(await deliver('A', 'op-a', HOUR, T0 + 1_000, readByA)).toBe(true);
		expect(await deliver('B', 'op-b', HOUR, T0 + 1_000, readByB)).toBe(true);
		Object.assign(db, roundTrip(readByA));
		Object.assign(db, roundTrip(readByB));
		expect(stored(db)).toEqual(fps('op-b'));
		// A's next request (any callback, even a duplicate) writes its ids back together with B's
		const next = roundTrip(db);
		expect(await deliver('A', 'op-a', HOUR, T0 + 1_200, next)).toBe(false);
		expect(new Set(stored(next))).toEqual(new Set(fps('op-a', 'op-b')));
		Object.assign(db, roundTrip(next));
		expect(await deliver('B', 'op-a', HOUR, T0 + 1_300, roundTrip(db))).toBe(false);
	});

	it('re-adds an id that a slower process saved over after this process had already read it back', async () => {
		const db: IDataObject = {};
		const readByB = roundTrip(db); // B's request starts before A saves op-a
		const readByA = roundTrip(db);
		expect(await deliver('A', 'op-a', HOUR, T0, readByA)).toBe(true);
		Object.assign(db, roundTrip(readByA));
		expect(await deliver('A', 'op-x', HOUR, T0 + 100, roundTrip(db))).toBe(true); // A reads op-a back
		expect(await deliver('B', 'op-b', HOUR, T0 + 150, readByB)).toBe(true);
		Object.assign(db, roundTrip(readByB)); // B saves last: op-a and op-x are gone
		const next = roundTrip(db);
		expect(await deliver('A', 'op-y', HOUR, T0 + 200, next)).toBe(true);
		expect(new Set(stored(next))).toEqual(new Set(fps('op-a', 'op-x', 'op-b', 'op-y')));
	});

	it('a duplicate does not rewrite the store when it holds what this process wrote', async () => {
		const store: IDataObject = {};
		expect(await deliver('wf:node', 'op-1', HOUR, T0 + 1_000, store)).toBe(true);
		const written = store[SHARED_KEY];
		const again = roundTrip(store);
		expect(await deliver('wf:node', 'op-1', HOUR, T0 + 1_100, again)).toBe(false);
		expect(again[SHARED_KEY]).toBe(written);
	});

	it('forgets ids older than the window, in memory and in the store', async () => {
		const store: IDataObject = {};
		expect(await deliver('wf:node', 'old', 1_000, T0, store)).toBe(true);
		expect(await deliver('wf:node', 'new', 1_000, T0 + 2_000, store)).toBe(true);
		expect(stored(store)).toEqual(fps('new'));
		forgetAll();
		expect(await deliver('wf:node', 'old', 1_000, T0 + 2_100, roundTrip(store))).toBe(true);
	});

	it('ignores expired entries and text it did not write', async () => {
		const store: IDataObject = { [SHARED_KEY]: appendEntries('', [[fingerprint('expired'), T0 - 1_000], [fingerprint('kept'), T0 + HOUR]]) };
		expect(await deliver('wf:node', 'expired', HOUR, T0, roundTrip(store))).toBe(true);
		expect(await deliver('wf:node', 'kept', HOUR, T0 + COALESCE_MS, roundTrip(store))).toBe(false);
		expect(await deliver('other', 'x', HOUR, T0, { [SHARED_KEY]: 'not a log' })).toBe(true);
		expect(await deliver('other', 'x', HOUR, T0 + COALESCE_MS, { [SHARED_KEY]: 42 })).toBe(false);
	});

	it('the store holds 12-character fingerprints, never the OperationIds, and 2,000 of them fit its size bound', async () => {
		const store: IDataObject = {};
		const ids = Array.from({ length: MAX_REMEMBERED_IDS }, (_, i) => `0f6b2c1e-9a4d-4c8e-b1a7-${String(i).padStart(12, '0')}`);
		for (const [i, id] of ids.entries()) await deliver('size', id, HOUR, T0 + i * COALESCE_MS, store);
		const text = String(store[SHARED_KEY]);
		expect(ids.filter((id) => text.includes(id))).toEqual([]);
		expect(new Set(stored(store)).size).toBe(MAX_REMEMBERED_IDS);
		expect(stored(store).every((fp) => /^[A-Za-z0-9_-]{12}$/.test(fp))).toBe(true);
		expect(text.length).toBeLessThanOrEqual(MAX_SHARED_CHARS);
	});

	it('ids holding spaces, newlines or % match only themselves', async () => {
		const store: IDataObject = {};
		expect(await deliver('wf:node', 'a b', HOUR, T0, store)).toBe(true);
		expect(await deliver('wf:node', 'a\nb', HOUR, T0 + COALESCE_MS, store)).toBe(true);
		expect(await deliver('wf:node', '%20', HOUR, T0 + 2 * COALESCE_MS, store)).toBe(true);
		forgetAll();
		for (const id of ['a b', 'a\nb', '%20']) expect(await deliver('wf:node', id, HOUR, T0 + 3 * COALESCE_MS, roundTrip(store))).toBe(false);
		expect(findEntry(String(store[SHARED_KEY]), fingerprint('b'), T0)).toBeUndefined();
		expect(findEntry(String(store[SHARED_KEY]), fingerprint('a'), T0)).toBeUndefined();
		// one line per id, whatever it holds
		expect(String(store[SHARED_KEY]).split('\n')).toHaveLength(4);
	});

	it(`keeps about ${MAX_REMEMBERED_IDS} UUID OperationIds, dropping the oldest`, async () => {
		const store: IDataObject = {};
		const ids = Array.from({ length: MAX_REMEMBERED_IDS + 10 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
		for (const [i, id] of ids.entries()) expect(await deliver('wf:node', id, HOUR, T0 + i * COALESCE_MS, store)).toBe(true);
		expect(stored(store)).toEqual(fps(...ids.slice(-MAX_REMEMBERED_IDS)));
		forgetAll();
		expect(await deliver('wf:node', ids[0], HOUR, T0 + ids.length * COALESCE_MS, roundTrip(store))).toBe(true);
		expect(await deliver('wf:node', ids.at(-1) as string, HOUR, T0 + (ids.length + 1) * COALESCE_MS, roundTrip(store))).toBe(false);
	});

	it('without a store it still catches simultaneous duplicates in this process', async () => {
		expect(firstDelivery('mem', 'op', HOUR, 0)).toBe(true);
		expect(firstDelivery('mem', 'op', HOUR, 1)).toBe(false);
	});
	it('a lone callback writes at once; a burst in one process costs one write per interval and loses no id', async () => {
		const db: IDataObject = {};
		let writes = 0;
		/** One request on the wall clock: read the store, handle the callback, and save when n8n would (the text changed). */
		const request = async (id: string) => {
			const read = roundTrip(db);
			const before = read[SHARED_KEY];
			const first = firstDelivery('burst', id, HOUR, Date.now(), read);
			await saveShared('burst', read);
			if (read[SHARED_KEY] !== before) {
				writes += 1;
				Object.assign(db, roundTrip(read));
			}
			return first;
		};
		const started = Date.now();
		expect(await request('lone')).toBe(true);
		expect(Date.now() - started).toBeLessThan(COALESCE_MS);
		expect(writes).toBe(1);

		const ids = Array.from({ length: 50 }, (_, i) => `op-${i}`);
		const waited: string[] = [];
		const results = await Promise.all(
			ids.map(async (id) => {
				const t = Date.now();
				const first = await request(id);
				if (Date.now() - t >= COALESCE_MS / 2) waited.push(id);
				return first;
			}),
		);
		expect(results.every(Boolean)).toBe(true);
		// every request of the burst read the store before any of them saved; one write carried all 50,
		// made by the one request that waited out the interval while the other 49 answered at once
		expect(writes).toBe(2);
		expect(waited).toEqual(['op-0']);
		expect(new Set(stored(db))).toEqual(new Set(fps('lone', ...ids)));
		forgetAll(); // a restart right after the burst: the last id of the burst is in the store too
		expect(await request('op-49')).toBe(false);
	});

	it('a callback whose id another request already wrote does not wait for the interval to write again', async () => {
		const store: IDataObject = {};
		expect(await deliver('quiet', 'op-1', HOUR, T0, store)).toBe(true);
		// the same process, 10 ms later, reads the store holding op-1: nothing is missing, so no wait and no write
		const next = roundTrip(store);
		expect(await deliver('quiet', 'op-1', HOUR, T0 + 10, next)).toBe(false);
		expect(next[SHARED_KEY]).toBe(store[SHARED_KEY]);
	});
});

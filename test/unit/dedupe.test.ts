import { sleep, type IDataObject } from 'n8n-workflow';

import {
	answered,
	answerEnded,
	forgetAll,
	IN_FLIGHT_WAIT_MS,
	MAX_REMEMBERED_IDS,
	receive,
	repairStore,
	SHARED_KEY,
	started,
	type AnswerOutcome,
	type Delivery,
} from '../../nodes/shared/dedupe';
import { appendEntries, fingerprint, MAX_SHARED_CHARS } from '../../nodes/shared/dedupeLog';

const HOUR = 3_600_000;
// the memory compares expiries with the time it is given; Date.now() only bounds waits
const T0 = Date.now();

/** What n8n does between requests: the static data goes to the database as JSON and comes back. */
function roundTrip(store: IDataObject): IDataObject {
	return JSON.parse(JSON.stringify(store)) as IDataObject;
}

/** The fingerprints in a store, oldest first. */
function stored(store: IDataObject): string[] {
	return String(store[SHARED_KEY] ?? '')
		.split('\n')
		.filter(Boolean)
		.map((line) => line.slice(line.indexOf(' ') + 1));
}

const fps = (...ids: string[]) => ids.map(fingerprint);

/**
 * One database row holding the workflow's static data, as n8n treats it: every request reads a copy
 * when it starts and, when node code changed it, saves that copy whole (last writer wins).
 */
class Db {
	row: IDataObject = {};
	read(): IDataObject {
		return roundTrip(this.row);
	}
	save(copy: IDataObject): void {
		this.row = roundTrip(copy);
	}
}

/**
 * One callback through n8n, step by step as LiveWebhooks runs it: read the static data, run the
 * node (receive), start the execution (or fail to), read the acknowledgement (started), save, answer.
 */
async function request(
	db: Db,
	process: string,
	id: string,
	{
		now = T0,
		ttl = HOUR,
		startFails = false,
		read = db.read(),
	}: { now?: number; ttl?: number; startFails?: boolean; read?: IDataObject } = {},
): Promise<Delivery> {
	const before = JSON.stringify(read);
	const delivery = await receive(process, id, ttl, read, now);
	if (delivery === 'repeat') repairStore(process, read, now);
	if (delivery === 'first' && !startFails) started(process, id, read, now);
	// n8n saves only a changed store, and not at all when the start failed
	if (!startFails && JSON.stringify(read) !== before) db.save(read);
	if (delivery === 'first') answered(process, id, startFails ? 'answeredOtherwise' : 'answered2xx', now);
	answerEnded(process, read);
	return delivery;
}

describe('repeated-delivery memory (nodes/shared/dedupe.ts)', () => {
	beforeEach(() => forgetAll());

	it('an id is new once within the window, per scope; without a store the process memory still holds it', async () => {
		expect(await receive('s', 'op', 1000, undefined, T0)).toBe('first');
		answered('s', 'op', 'answered2xx', T0);
		expect(await receive('s', 'op', 1000, undefined, T0 + 500)).toBe('repeat');
		expect(await receive('other', 'op', 1000, undefined, T0 + 500)).toBe('first');
		expect(await receive('s', 'op', 1000, undefined, T0 + 1500)).toBe('first');
	});

	it('writes the id when n8n has started its execution, so the save before the answer holds it; a restart reads it back', async () => {
		const db = new Db();
		const read = db.read();
		expect(await receive('A', 'op-1', HOUR, read, T0)).toBe('first');
		// node code itself writes nothing: n8n 2.41 would not save a change made then (COMPAT row 13)
		expect(read[SHARED_KEY]).toBeUndefined();
		started('A', 'op-1', read, T0);
		expect(stored(read)).toEqual(fps('op-1'));
		db.save(read);
		answered('A', 'op-1', 'answered2xx', T0);
		forgetAll(); // the process restarted: only the database remembers
		expect(await request(db, 'A', 'op-1', { now: T0 + 1000 })).toBe('repeat');
		expect(await request(db, 'A', 'op-2', { now: T0 + 1000 })).toBe('first');
	});

	it('a start that fails leaves no trace: not in the store, not in memory; the repeat runs, once', async () => {
		const db = new Db();
		expect(await request(db, 'A', 'op-fail', { startFails: true })).toBe('first');
		expect(stored(db.row)).toEqual([]);
		// another callback of the same process writes what the process knows: the failed id is not part of it
		expect(await request(db, 'A', 'op-other', { now: T0 + 10 })).toBe('first');
		expect(stored(db.row)).toEqual(fps('op-other'));
		expect(await request(db, 'A', 'op-fail', { now: T0 + 20 })).toBe('first');
		expect(await request(db, 'A', 'op-fail', { now: T0 + 30 })).toBe('repeat');
		expect(await request(db, 'B', 'op-fail', { now: T0 + 40 })).toBe('repeat');
	});

	it('a repeat while the first delivery is being answered here waits for that answer: repeat after a 2xx, first after a failure', async () => {
		const ok = new Db();
		expect(await receive('A', 'op-ok', HOUR, ok.read(), T0)).toBe('first');
		const waitingOk = receive('A', 'op-ok', HOUR, ok.read(), T0 + 1);
		expect(await Promise.race([waitingOk, Promise.resolve('still waiting')])).toBe('still waiting');
		started('A', 'op-ok', ok.read(), T0 + 2);
		answered('A', 'op-ok', 'answered2xx', T0 + 3);
		expect(await waitingOk).toBe('repeat');

		expect(await receive('A', 'op-ko', HOUR, ok.read(), T0)).toBe('first');
		const waitingKo = receive('A', 'op-ko', HOUR, ok.read(), T0 + 1);
		answered('A', 'op-ko', 'answeredOtherwise', T0 + 3);
		// the waiting repeat takes over: it is now the first delivery
		expect(await waitingKo).toBe('first');
		answered('A', 'op-ko', 'answered2xx', T0 + 4);
		expect(await receive('A', 'op-ko', HOUR, ok.read(), T0 + 5)).toBe('repeat');
	});

	it('the connection closing: remembered when n8n had started the execution, also when it starts it after the sender left', async () => {
		jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
		try {
			const close = async (id: string, startBefore: boolean, startAfter: boolean): Promise<Delivery> => {
				const read = {};
				expect(await receive('A', id, HOUR, read, T0)).toBe('first');
				if (startBefore) started('A', id, read, T0);
				answered('A', id, 'connectionClosed' satisfies AnswerOutcome, T0);
				if (startAfter) started('A', id, read, T0 + 5);
				const next = receive('A', id, HOUR, undefined, T0 + 10);
				await jest.advanceTimersByTimeAsync(IN_FLIGHT_WAIT_MS + 1);
				return await next;
			};
			expect(await close('started-before', true, false)).toBe('repeat');
			expect(await close('started-after', false, true)).toBe('repeat');
			// n8n never started it: after the wait the repeat runs it
			expect(await close('never-started', false, false)).toBe('first');
		} finally {
			jest.useRealTimers();
		}
	});

	it('a repeat still in flight after the wait is refused as in flight, not answered as a duplicate', async () => {
		jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
		try {
			expect(await receive('A', 'slow', HOUR, undefined, T0)).toBe('first');
			const repeat = receive('A', 'slow', HOUR, undefined, T0 + 1);
			await jest.advanceTimersByTimeAsync(IN_FLIGHT_WAIT_MS + 1);
			expect(await repeat).toBe('inFlight');
		} finally {
			jest.useRealTimers();
		}
	});

	it('last writer wins between processes: a save drops only ids its process has not read yet, and the owner writes them back', async () => {
		const db = new Db();
		// both requests read the empty store; A saves op-a, then B saves its copy with op-b only
		const readByB = db.read();
		expect(await request(db, 'A', 'op-a')).toBe('first');
		expect(await request(db, 'B', 'op-b', { read: readByB })).toBe('first');
		expect(stored(db.row)).toEqual(fps('op-b'));
		// A's next callback of any kind writes what A knows: its own id and B's
		expect(await request(db, 'A', 'op-a', { now: T0 + 10 })).toBe('repeat');
		expect(new Set(stored(db.row))).toEqual(new Set(fps('op-a', 'op-b')));
		// B has now read op-a: even a save of B built on an old copy keeps it
		expect(await request(db, 'B', 'op-b', { now: T0 + 20 })).toBe('repeat');
		expect(await request(db, 'B', 'op-c', { now: T0 + 30, read: {} })).toBe('first');
		expect(new Set(stored(db.row))).toEqual(new Set(fps('op-a', 'op-b', 'op-c')));
	});

	it('saves of one process landing out of order never drop its own ids: a later id goes into every copy not yet saved', async () => {
		const db = new Db();
		const r1 = db.read();
		const r2 = db.read();
		expect(await receive('A', 'op-1', HOUR, r1, T0)).toBe('first');
		expect(await receive('A', 'op-2', HOUR, r2, T0)).toBe('first');
		started('A', 'op-1', r1, T0);
		started('A', 'op-2', r2, T0 + 1);
		// request 2 saves and answers first; request 1's older copy is saved after it
		db.save(r2);
		answered('A', 'op-2', 'answered2xx', T0 + 2);
		answerEnded('A', r2);
		db.save(r1);
		answered('A', 'op-1', 'answered2xx', T0 + 3);
		answerEnded('A', r1);
		expect(new Set(stored(db.row))).toEqual(new Set(fps('op-1', 'op-2')));
		forgetAll();
		expect(await request(db, 'A', 'op-2', { now: T0 + 4 })).toBe('repeat');
	});

	it('a store is written only in the turn of the event loop n8n takes it to save: a later id never rewrites it', async () => {
		// n8n 2.41 in one process: the execution shares the store and saves it again at its end when changed
		const db = new Db();
		const r1 = db.read();
		const r2 = db.read();
		expect(await receive('A', 'op-1', HOUR, r1, T0)).toBe('first');
		started('A', 'op-1', r1, T0);
		const saved = r1[SHARED_KEY];
		await sleep(1);
		expect(await receive('A', 'op-2', HOUR, r2, T0 + 1)).toBe('first');
		started('A', 'op-2', r2, T0 + 1);
		expect(r1[SHARED_KEY]).toBe(saved);
		expect(stored({ [SHARED_KEY]: r2[SHARED_KEY] } as IDataObject)).toEqual(
			expect.arrayContaining(fps('op-1', 'op-2')),
		);
	});

	it('a sender that left before n8n started the execution: its store is not kept and rewritten later', async () => {
		const db = new Db();
		const r1 = db.read();
		const r2 = db.read();
		expect(await receive('A', 'op-1', HOUR, r1, T0)).toBe('first');
		answered('A', 'op-1', 'connectionClosed', T0);
		answerEnded('A', r1);
		// n8n carries on and starts it
		started('A', 'op-1', r1, T0 + 1);
		const saved = r1[SHARED_KEY];
		await sleep(1);
		expect(await receive('A', 'op-2', HOUR, r2, T0 + 2)).toBe('first');
		started('A', 'op-2', r2, T0 + 2);
		expect(r1[SHARED_KEY]).toBe(saved);
		expect(await receive('A', 'op-1', HOUR, db.read(), T0 + 3)).toBe('repeat');
	});

	it('a burst on one process: every id answered is in the database the moment its answer goes out', async () => {
		const db = new Db();
		const ids = Array.from({ length: 50 }, (_, i) => `op-${i}`);
		const reads = ids.map(() => db.read());
		// every request read the empty store before any saved; starts, saves and answers interleave
		for (const [i, id] of ids.entries()) expect(await receive('A', id, HOUR, reads[i], T0)).toBe('first');
		const answeredIds: string[] = [];
		for (const [i, id] of [...ids.entries()].reverse()) {
			started('A', id, reads[i], T0 + 1);
			db.save(reads[i]);
			answered('A', id, 'answered2xx', T0 + 2);
			answerEnded('A', reads[i]);
			answeredIds.push(id);
			expect(new Set(stored(db.row))).toEqual(new Set(fps(...answeredIds)));
		}
	});

	it('a repeat rewrites the store only when it lacks ids this process knows', async () => {
		const db = new Db();
		expect(await request(db, 'A', 'op-1')).toBe('first');
		const written = db.row[SHARED_KEY];
		const copy = db.read();
		repairStore('A', copy, T0 + 1);
		expect(copy[SHARED_KEY]).toBe(written);
		const overwritten = { [SHARED_KEY]: appendEntries('', [[fingerprint('op-b'), T0 + HOUR]]) };
		expect(await receive('A', 'op-1', HOUR, overwritten, T0 + 2)).toBe('repeat');
		repairStore('A', overwritten, T0 + 2);
		expect(new Set(stored(overwritten))).toEqual(new Set(fps('op-1', 'op-b')));
	});

	it('forgets ids older than the window, in memory and in the store', async () => {
		const db = new Db();
		expect(await request(db, 'A', 'old', { ttl: 1000 })).toBe('first');
		expect(await request(db, 'A', 'new', { ttl: 1000, now: T0 + 2000 })).toBe('first');
		expect(stored(db.row)).toEqual(fps('new'));
		expect(await request(db, 'A', 'old', { ttl: 1000, now: T0 + 2100 })).toBe('first');
	});

	it('reads the log written by the previous version, skips expired entries and text it did not write', async () => {
		const store: IDataObject = {
			[SHARED_KEY]: appendEntries('', [
				[fingerprint('expired'), T0 - 1000],
				[fingerprint('kept'), T0 + HOUR],
			]),
		};
		expect(await receive('A', 'expired', HOUR, roundTrip(store), T0)).toBe('first');
		expect(await receive('A', 'kept', HOUR, roundTrip(store), T0)).toBe('repeat');
		expect(await receive('B', 'x', HOUR, { [SHARED_KEY]: 'not a log\n12 short\n' }, T0)).toBe('first');
		expect(await receive('C', 'x', HOUR, { [SHARED_KEY]: 42 }, T0)).toBe('first');
	});

	it('the store holds 12-character fingerprints, never the OperationIds: the newest 2,000 within its size bound', async () => {
		const db = new Db();
		const ids = Array.from(
			{ length: MAX_REMEMBERED_IDS + 10 },
			(_, i) => `0f6b2c1e-9a4d-4c8e-b1a7-${String(i).padStart(12, '0')}`,
		);
		for (const [i, id] of ids.entries()) expect(await request(db, 'A', id, { now: T0 + i * 1000 })).toBe('first');
		const text = String(db.row[SHARED_KEY]);
		expect(ids.filter((id) => text.includes(id))).toEqual([]);
		expect(new Set(stored(db.row))).toEqual(new Set(fps(...ids.slice(-MAX_REMEMBERED_IDS))));
		expect(stored(db.row).every((fp) => /^[A-Za-z0-9_-]{12}$/.test(fp))).toBe(true);
		expect(text.length).toBeLessThanOrEqual(MAX_SHARED_CHARS);
		forgetAll();
		expect(await request(db, 'A', ids[0], { now: T0 + ids.length * 1000 })).toBe('first');
		expect(await request(db, 'A', ids.at(-1) as string, { now: T0 + ids.length * 1000 })).toBe('repeat');
	});

	it('ids holding spaces, newlines or % match only themselves', async () => {
		const db = new Db();
		for (const id of ['a b', 'a\nb', '%20']) expect(await request(db, 'A', id)).toBe('first');
		forgetAll();
		for (const id of ['a b', 'a\nb', '%20']) expect(await request(db, 'A', id, { now: T0 + 1 })).toBe('repeat');
		for (const id of ['a', 'b']) expect(await request(db, 'A', id, { now: T0 + 2 })).toBe('first');
	});
});

import { sleep, type IDataObject } from 'n8n-workflow';

import {
	appendEntries,
	findEntry,
	fingerprint,
	fingerprintsNearEnd,
	MAX_REMEMBERED_IDS,
	MAX_SHARED_CHARS,
	SHARED_KEY,
	trimEntries,
} from './dedupeLog';
import { markStaticDataChangedAfterReturn } from './n8nCompat';

export { MAX_REMEMBERED_IDS, SHARED_KEY } from './dedupeLog';

/**
 * Remembers OperationIds per trigger node for the Ignore Repeated Deliveries
 * window. Two memories work together:
 *
 * - this process's Map: the check-and-record is synchronous, so simultaneous
 *   duplicates reaching the same process cannot both pass;
 * - the trigger's workflow static data (`shared`): n8n reads it fresh for every
 *   production webhook request and saves it after the webhook answers, in
 *   whichever main or webhook process took the request, so other processes and
 *   restarts see the ids too. n8n saves it whole and the last writer wins, so each
 *   process re-adds the ids it accepted until it reads them back from the store.
 *
 * The shared copy is a text log searched and appended as a string, so no callback
 * parses every remembered id; its size bound keeps what n8n reads and writes
 * small, and writes are coalesced (see `saveShared`); both measured in `npm run bench`.
 */
const MAX_IN_PROCESS = 50_000;
/**
 * At most one store write per process in this interval; an id waits at most this
 * long to be written, far below the seconds after which Khipu repeats a delivery.
 */
export const COALESCE_MS = 100;
// Overwrites between processes happen within a request's duration; an id still
// missing from the store after REPAIR_WINDOW_MS was trimmed, not overwritten.
const REPAIR_WINDOW_MS = 60_000;
const SETTLE_MS = 5_000;

interface Memory {
	seen: Map<string, number>;
	/** Fingerprints of the ids this process accepted (with the time) and has not yet read back from the shared store. */
	unconfirmed: Map<string, { acceptedAt: number; expiresAt: number }>;
	lastWriteAt: number;
	/** A request is waiting to write this process's missing ids. */
	guardian: boolean;
}

const memories = new Map<string, Memory>();

function memoryFor(scope: string): Memory {
	let memory = memories.get(scope);
	if (!memory) {
		memory = { seen: new Map(), unconfirmed: new Map(), lastWriteAt: -Infinity, guardian: false };
		memories.set(scope, memory);
	}
	return memory;
}

/** Map keeps insertion order, so the oldest entries are dropped first. */
function forgetOld(seen: Map<string, number>, now: number, max: number): void {
	for (const [key, expiresAt] of seen) {
		if (seen.size <= max && expiresAt > now) break;
		seen.delete(key);
	}
}

function storedText(shared: IDataObject): string {
	const stored = shared[SHARED_KEY];
	return typeof stored === 'string' ? stored : '';
}

/**
 * The ids this process accepted lately that `text` lacks: not yet written, or
 * another process saved over them. An id counts as safe once it is read back
 * SETTLE_MS after it was accepted: any save that could overwrite it began before then.
 */
function missingIds(memory: Memory, text: string, now: number): Array<[string, number]> {
	const missing: Array<[string, number]> = [];
	if (memory.unconfirmed.size === 0) return missing;
	// accepted ids sit near the end of any store that has them; one missed there is appended again
	const present = fingerprintsNearEnd(text, Math.max(8_192, memory.unconfirmed.size * 40));
	for (const [fp, { acceptedAt, expiresAt }] of memory.unconfirmed) {
		if (now - acceptedAt > REPAIR_WINDOW_MS || expiresAt <= now) {
			memory.unconfirmed.delete(fp);
		} else if (present.has(fp)) {
			if (now - acceptedAt >= SETTLE_MS) memory.unconfirmed.delete(fp);
		} else {
			missing.push([fp, expiresAt]);
		}
	}
	return missing;
}

/**
 * true when `operationId` was not seen in this scope within `ttlMs`; records it
 * in memory. `shared` is the trigger's static data as this request read it (omit
 * it to use this process's memory only); `saveShared` writes the id there.
 */
export function firstDelivery(
	scope: string,
	operationId: string,
	ttlMs: number,
	now = Date.now(),
	shared?: IDataObject,
): boolean {
	const memory = memoryFor(scope);
	const known = memory.seen.get(operationId);
	if (known !== undefined && known > now) return false;
	const fp = shared ? fingerprint(operationId) : undefined;
	const inStore = shared && fp ? findEntry(storedText(shared), fp, now) : undefined;
	if (inStore !== undefined) {
		memory.seen.set(operationId, inStore);
		return false;
	}
	const expiresAt = now + ttlMs;
	memory.seen.delete(operationId);
	memory.seen.set(operationId, expiresAt);
	forgetOld(memory.seen, now, MAX_IN_PROCESS);
	if (fp) {
		memory.unconfirmed.set(fp, { acceptedAt: now, expiresAt });
		if (memory.unconfirmed.size > MAX_REMEMBERED_IDS) memory.unconfirmed.delete(memory.unconfirmed.keys().next().value as string);
	}
	return true;
}

export interface Clock {
	now(): number;
	sleep(ms: number): Promise<void>;
}

const wallClock: Clock = { now: () => Date.now(), sleep };

/**
 * Puts into this request's static data the ids this process accepted that the
 * store lacks, so n8n saves them when the webhook answers; a store already
 * holding them is left untouched, and n8n then writes nothing.
 *
 * n8n's save is a database write in the path of the answer, the largest cost a
 * callback adds over n8n's own Webhook node, so a process writes at most once
 * per COALESCE_MS. Within the interval one request (the guardian) waits it out
 * and then writes every id still missing; requests arriving meanwhile answer at
 * once and leave their ids to it. So the last id of a burst is written too, and
 * a lone callback never waits.
 */
export async function saveShared(scope: string, shared: IDataObject, clock: Clock = wallClock): Promise<void> {
	const memory = memoryFor(scope);
	if (memory.guardian) return;
	const read = storedText(shared);
	let now = clock.now();
	let missing = missingIds(memory, read, now);
	if (missing.length === 0) return;
	const wait = memory.lastWriteAt + COALESCE_MS - now;
	if (wait > 0) {
		memory.guardian = true;
		try {
			await clock.sleep(wait);
		} finally {
			memory.guardian = false;
		}
		now = clock.now();
		missing = missingIds(memory, read, now);
	}
	memory.lastWriteAt = now;
	const text = trimEntries(missing.length ? appendEntries(read, missing) : read, now, MAX_SHARED_CHARS);
	if (text === read) return;
	shared[SHARED_KEY] = text;
	markStaticDataChangedAfterReturn(shared, SHARED_KEY, text);
}

/** Forgets everything this process remembers (tests simulate a restart with it). */
export function forgetAll(): void {
	memories.clear();
}

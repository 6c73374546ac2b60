import type { IDataObject } from 'n8n-workflow';

import { appendEntries, escapeId, findEntry, idsNearEnd, trimEntries } from './dedupeLog';

/**
 * Remembers OperationIds per trigger node for the Ignore Repeated Deliveries
 * window. Two memories work together:
 *
 * - this process's Map: the check-and-record is synchronous, so simultaneous
 *   duplicates reaching the same process cannot both pass;
 * - the trigger's workflow static data (`shared`): n8n reads it fresh for every
 *   production webhook request and saves it after the response, in whichever
 *   main or webhook process took the request, so other processes and restarts
 *   see the ids too. n8n saves it whole and the last writer wins, so each
 *   process re-adds the ids it accepted until it reads them back from the store.
 *
 * The shared copy is a text log searched and appended as a string, so no callback
 * parses every remembered id; its size bound keeps what n8n reads and writes on
 * every callback small (measured in `npm run bench`).
 */
export const MAX_REMEMBERED_IDS = 2_000;
/** A UUID OperationId takes 44 characters in the store (expiry, space, id, newline). */
export const MAX_SHARED_CHARS = MAX_REMEMBERED_IDS * 44;
const MAX_IN_PROCESS = 50_000;
export const SHARED_KEY = 'operationIds';
// Overwrites between processes happen within a request's duration; an id still
// missing from the store after REPAIR_WINDOW_MS was trimmed, not overwritten.
const REPAIR_WINDOW_MS = 60_000;
const SETTLE_MS = 5_000;

interface Memory {
	seen: Map<string, number>;
	/** Ids this process accepted (with the time) and has not yet read back from the shared store. */
	unconfirmed: Map<string, { acceptedAt: number; expiresAt: number }>;
}

const memories = new Map<string, Memory>();

function memoryFor(scope: string): Memory {
	let memory = memories.get(scope);
	if (!memory) {
		memory = { seen: new Map(), unconfirmed: new Map() };
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

/**
 * Adds back the ids this process accepted lately that the store it just read
 * lacks (another process saved over them). An id counts as safe once it is read
 * back SETTLE_MS after it was accepted: any save that could overwrite it began
 * before then.
 */
function repair(memory: Memory, text: string, now: number): string {
	if (memory.unconfirmed.size === 0) return text;
	// accepted ids sit near the end of any store that has them; one missed there is appended again
	const present = idsNearEnd(text, Math.max(16_384, memory.unconfirmed.size * 96));
	const missing: Array<[string, number]> = [];
	for (const [id, { acceptedAt, expiresAt }] of memory.unconfirmed) {
		if (now - acceptedAt > REPAIR_WINDOW_MS || expiresAt <= now) {
			memory.unconfirmed.delete(id);
		} else if (present.has(escapeId(id))) {
			if (now - acceptedAt >= SETTLE_MS) memory.unconfirmed.delete(id);
		} else {
			missing.push([id, expiresAt]);
		}
	}
	return missing.length ? appendEntries(text, missing) : text;
}

/**
 * true when `operationId` was not seen in this scope within `ttlMs`; records it.
 * `shared` is the trigger's static data (omit it to use this process's memory only).
 */
export function firstDelivery(
	scope: string,
	operationId: string,
	ttlMs: number,
	now = Date.now(),
	shared?: IDataObject,
): boolean {
	const memory = memoryFor(scope);
	const stored = shared?.[SHARED_KEY];
	const read = typeof stored === 'string' ? stored : '';
	let text = shared ? repair(memory, read, now) : read;

	const known = memory.seen.get(operationId);
	const inMemory = known !== undefined && known > now;
	const inStore = shared && !inMemory ? findEntry(text, operationId, now) : undefined;
	if (inStore !== undefined) memory.seen.set(operationId, inStore);
	const duplicate = inMemory || inStore !== undefined;
	if (!duplicate) {
		const expiresAt = now + ttlMs;
		memory.seen.delete(operationId);
		memory.seen.set(operationId, expiresAt);
		forgetOld(memory.seen, now, MAX_IN_PROCESS);
		if (shared) {
			memory.unconfirmed.set(operationId, { acceptedAt: now, expiresAt });
			if (memory.unconfirmed.size > MAX_REMEMBERED_IDS) memory.unconfirmed.delete(memory.unconfirmed.keys().next().value as string);
			text = appendEntries(text, [[operationId, expiresAt]]);
		}
	}
	if (shared && text !== read) shared[SHARED_KEY] = trimEntries(text, now, MAX_SHARED_CHARS);
	return !duplicate;
}

/** Forgets everything this process remembers (tests simulate a restart with it). */
export function forgetAll(): void {
	memories.clear();
}

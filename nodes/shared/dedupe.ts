import type { IDataObject } from 'n8n-workflow';

/**
 * Remembers OperationIds per trigger node for the Ignore Repeated Deliveries
 * window. Two memories work together:
 *
 * - this process's Map: the check-and-record is synchronous, so simultaneous
 *   duplicates reaching the same process cannot both pass;
 * - the trigger's workflow static data (`shared`): n8n reads it fresh for every
 *   production webhook request and saves it after the response, in whichever
 *   main or webhook process took the request, so other processes and restarts
 *   see the ids too. n8n saves it whole and last writer wins, so every write
 *   carries the union of what this process knows, and a process that finds its
 *   record overwritten writes it again even on a duplicate.
 *
 * The count bound keeps the static data small: n8n reads and writes all of it
 * on every callback (the bench's intake section measures the cost at this size).
 */
export const MAX_REMEMBERED_IDS = 2_000;
export const SHARED_KEY = 'operationIds';
const RECENT_WRITES = 16;

interface Memory {
	seen: Map<string, number>;
	/** Texts this process wrote lately: reading one back teaches nothing new. */
	written: string[];
}

const memories = new Map<string, Memory>();

function memoryFor(scope: string): Memory {
	let memory = memories.get(scope);
	if (!memory) {
		memory = { seen: new Map(), written: [] };
		memories.set(scope, memory);
	}
	return memory;
}

/** Map keeps insertion order, so the oldest entries are dropped first. */
function forgetOld(seen: Map<string, number>, now: number): void {
	for (const [key, expiresAt] of seen) {
		if (seen.size <= MAX_REMEMBERED_IDS && expiresAt > now) break;
		seen.delete(key);
	}
}

function parseShared(text: string): Array<[string, number]> {
	try {
		const value: unknown = JSON.parse(text);
		return Array.isArray(value) ? (value as Array<[string, number]>) : [];
	} catch {
		return [];
	}
}

function recall(memory: Memory, shared: IDataObject, now: number): void {
	const text = shared[SHARED_KEY];
	if (typeof text !== 'string' || memory.written.includes(text)) return;
	for (const entry of parseShared(text)) {
		if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') continue;
		const expiresAt = entry[1] * 1000;
		if (expiresAt > now && !memory.seen.has(entry[0])) memory.seen.set(entry[0], expiresAt);
	}
	forgetOld(memory.seen, now);
}

function share(memory: Memory, shared: IDataObject): void {
	const entries: Array<[string, number]> = [];
	for (const [id, expiresAt] of memory.seen) entries.push([id, Math.ceil(expiresAt / 1000)]);
	const text = JSON.stringify(entries);
	shared[SHARED_KEY] = text;
	memory.written.push(text);
	if (memory.written.length > RECENT_WRITES) memory.written.shift();
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
	if (shared) recall(memory, shared, now);
	const expiresAt = memory.seen.get(operationId);
	if (expiresAt !== undefined && expiresAt > now) {
		const stored = shared?.[SHARED_KEY];
		if (shared && (typeof stored !== 'string' || !memory.written.includes(stored))) share(memory, shared);
		return false;
	}
	memory.seen.delete(operationId);
	memory.seen.set(operationId, now + ttlMs);
	forgetOld(memory.seen, now);
	if (shared) share(memory, shared);
	return true;
}

/** Forgets everything this process remembers (tests simulate a restart with it). */
export function forgetAll(): void {
	memories.clear();
}

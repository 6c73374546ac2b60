import { sleep, type IDataObject } from 'n8n-workflow';

import { appendEntries, fingerprint, MAX_REMEMBERED_IDS, readEntries, SHARED_KEY } from './dedupeLog';
import { sleepUnlessStopped } from './n8nCompat';

export { MAX_REMEMBERED_IDS, SHARED_KEY } from './dedupeLog';

/**
 * Remembers OperationIds per trigger node for the Ignore Repeated Deliveries
 * window, so that each callback starts one execution.
 *
 * An id is remembered only once n8n has started its execution: n8n then saves
 * the workflow's static data and answers 2xx. If n8n fails before (queueing,
 * database), the id was never written anywhere and a repeat runs it.
 *
 * Two memories work together:
 *
 * - this process's maps: checks and claims are synchronous, so duplicates
 *   reaching the same process at the same time start one execution; a repeat
 *   of an id whose first delivery is still being answered here waits for that
 *   answer;
 * - the trigger's workflow static data (the store): n8n reads it for every
 *   production webhook request and saves it whole before answering, in
 *   whichever main or webhook process took the request, last writer wins. Each
 *   process therefore writes everything it knows: its own ids and every id it
 *   has read from the store, so one process's save drops only ids of another
 *   process that it has not read yet, and never its own.
 */
const MAX_IN_PROCESS = 50_000;
/** How long a repeat waits for the answer to a delivery of the same id in flight on this process. */
export const IN_FLIGHT_WAIT_MS = 60_000;

/** How the answer to a first delivery ended. */
export type AnswerOutcome = 'answered2xx' | 'answeredOtherwise' | 'connectionClosed';

export type Delivery = 'first' | 'repeat' | 'inFlight';

interface InFlight {
	expiresAt: number;
	/** n8n started the execution and is saving the store before it answers. */
	started: boolean;
	/** The sender closed the connection before n8n had started the execution: set while waiting for n8n to start it. */
	closedEarly?: AbortController;
	settled: Promise<boolean>;
	settle: (remembered: boolean) => void;
}

interface Memory {
	/** fingerprint -> expiry of the ids remembered here, up to MAX_IN_PROCESS (oldest dropped first). */
	seen: Map<string, number>;
	/** The newest ids this process knows, its own and those read from the store: what it writes there. */
	known: Map<string, number>;
	/** `known` as the store's text, until it changes. */
	knownText: string | undefined;
	inFlight: Map<string, InFlight>;
	/** Ids whose execution started but whose answer was not 2xx: never written again by this process. */
	forgotten: Map<string, number>;
	/** Static data this process wrote in this turn of the event loop; ids accepted meanwhile go in too. */
	unsaved: Set<IDataObject>;
	/** The store text last read, and its fingerprints: requests in a burst mostly read the same text. */
	lastRead: string;
	lastReadFps: Set<string>;
}

const memories = new Map<string, Memory>();

function memoryFor(scope: string): Memory {
	let memory = memories.get(scope);
	if (!memory) {
		memory = {
			seen: new Map(),
			known: new Map(),
			knownText: undefined,
			inFlight: new Map(),
			forgotten: new Map(),
			unsaved: new Set(),
			lastRead: '',
			lastReadFps: new Set(),
		};
		memories.set(scope, memory);
	}
	return memory;
}

function rememberSeen(memory: Memory, fp: string, expiresAt: number, now: number): void {
	const current = memory.seen.get(fp);
	if (current !== undefined && current >= expiresAt) return;
	memory.seen.delete(fp);
	memory.seen.set(fp, expiresAt);
	// Map keeps insertion order, so the oldest entries are dropped first
	for (const [key, expiry] of memory.seen) {
		if (memory.seen.size <= MAX_IN_PROCESS && expiry > now) break;
		memory.seen.delete(key);
	}
}

function addKnown(memory: Memory, fp: string, expiresAt: number): void {
	const current = memory.known.get(fp);
	if (current !== undefined && current >= expiresAt) return;
	memory.known.set(fp, expiresAt);
	memory.knownText = undefined;
}

/** Drops expired ids and, beyond MAX_REMEMBERED_IDS, those expiring first. */
function trimKnown(memory: Memory, now: number): void {
	for (const [fp, expiresAt] of memory.known) {
		if (expiresAt <= now) {
			memory.known.delete(fp);
			memory.knownText = undefined;
		}
	}
	for (const [fp, until] of memory.forgotten) if (until <= now) memory.forgotten.delete(fp);
	if (memory.known.size <= MAX_REMEMBERED_IDS) return;
	const newest = [...memory.known].sort((a, b) => b[1] - a[1]).slice(0, MAX_REMEMBERED_IDS);
	memory.known = new Map(newest.reverse());
	memory.knownText = undefined;
}

function storedText(store: IDataObject): string {
	const stored = store[SHARED_KEY];
	return typeof stored === 'string' ? stored : '';
}

/** Takes every live id of the store into this process's memory; true when the store lacks ids this process knows. */
function readStore(memory: Memory, store: IDataObject, now: number): boolean {
	const text = storedText(store);
	if (text !== memory.lastRead) {
		const fps = new Set<string>();
		for (const [fp, expiresAt] of readEntries(text)) {
			if (expiresAt <= now || memory.forgotten.has(fp)) continue;
			fps.add(fp);
			rememberSeen(memory, fp, expiresAt, now);
			addKnown(memory, fp, expiresAt);
		}
		memory.lastRead = text;
		memory.lastReadFps = fps;
	}
	trimKnown(memory, now);
	for (const fp of memory.known.keys()) if (!memory.lastReadFps.has(fp)) return true;
	return false;
}

function knownText(memory: Memory): string {
	memory.knownText ??= appendEntries('', memory.known);
	return memory.knownText;
}

/**
 * Puts everything this process knows into `store` and into every store written
 * in this same turn of the event loop, which n8n has not serialized yet.
 * n8n serializes a store for its save within microtasks of the write, and
 * resets the store's change flag when that save returns. A write after that
 * would set the flag again, and on n8n 2.41 in one process (where the
 * execution shares the store) the execution's end would save that copy
 * later, over newer saves; so a store leaves this set on the next timer tick.
 */
function writeKnown(memory: Memory, store: IDataObject | undefined): void {
	const text = knownText(memory);
	for (const unsaved of memory.unsaved) unsaved[SHARED_KEY] = text;
	if (store) {
		store[SHARED_KEY] = text;
		if (!memory.unsaved.has(store)) {
			memory.unsaved.add(store);
			void sleep(0).then(() => memory.unsaved.delete(store));
		}
	}
}

/** Waits for `promise` at most `ms`, leaving no timer behind. */
async function waitFor(promise: Promise<unknown>, ms: number): Promise<void> {
	const done = new AbortController();
	await Promise.race([promise, sleepUnlessStopped(ms, done.signal).catch(() => {})]);
	done.abort();
}

/**
 * Whether `operationId` is new in this scope within `ttlMs`. `store` is the
 * trigger's static data as this request read it (omit it to use this
 * process's memory only). A first delivery is claimed: until its answer ends
 * (`answered`), a repeat here waits for it, up to IN_FLIGHT_WAIT_MS
 * ('inFlight' after that, so the sender delivers it again later).
 */
export async function receive(
	scope: string,
	operationId: string,
	ttlMs: number,
	store?: IDataObject,
	now = Date.now(),
): Promise<Delivery> {
	const memory = memoryFor(scope);
	const fp = fingerprint(operationId);
	if (store) readStore(memory, store, now);
	const waitUntil = Date.now() + IN_FLIGHT_WAIT_MS;
	for (;;) {
		const expiresAt = memory.seen.get(fp);
		if (expiresAt !== undefined && expiresAt > now) return 'repeat';
		const inFlight = memory.inFlight.get(fp);
		if (!inFlight) break;
		const remaining = waitUntil - Date.now();
		if (remaining <= 0) return 'inFlight';
		await waitFor(inFlight.settled, remaining);
	}
	let resolve: (remembered: boolean) => void = () => {};
	const settled = new Promise<boolean>((done) => (resolve = done));
	memory.inFlight.set(fp, { expiresAt: now + ttlMs, started: false, settled, settle: resolve });
	return 'first';
}

/**
 * n8n has started the execution of a first delivery and saves `store` next,
 * before it answers: the id goes into the store now, with everything else
 * this process knows.
 */
export function started(scope: string, operationId: string, store?: IDataObject, now = Date.now()): void {
	const memory = memoryFor(scope);
	const fp = fingerprint(operationId);
	const inFlight = memory.inFlight.get(fp);
	if (!inFlight || inFlight.started) return;
	inFlight.started = true;
	memory.forgotten.delete(fp);
	addKnown(memory, fp, inFlight.expiresAt);
	trimKnown(memory, now);
	if (store) writeKnown(memory, store);
	// n8n carried on after the sender left: the execution runs, so a repeat must not run it again
	if (inFlight.closedEarly) settle(memory, fp, inFlight, true, now);
}

/**
 * A repeat answered here: when the store lacks ids this process knows (another
 * process saved over them), they go back in with this request's save.
 */
export function repairStore(scope: string, store: IDataObject, now = Date.now()): void {
	const memory = memoryFor(scope);
	if (readStore(memory, store, now)) writeKnown(memory, store);
}

/** The answer to a request that wrote `store` has ended: n8n saved it (or never will). */
export function answerEnded(scope: string, store: IDataObject): void {
	memoryFor(scope).unsaved.delete(store);
}

function settle(memory: Memory, fp: string, inFlight: InFlight, remembered: boolean, now: number): void {
	if (memory.inFlight.get(fp) !== inFlight) return;
	memory.inFlight.delete(fp);
	inFlight.closedEarly?.abort();
	if (remembered) {
		rememberSeen(memory, fp, inFlight.expiresAt, now);
		// answered 2xx without n8n reading the acknowledgement first: the next write carries it
		addKnown(memory, fp, inFlight.expiresAt);
	} else if (inFlight.started) {
		memory.known.delete(fp);
		memory.knownText = undefined;
		memory.forgotten.set(fp, inFlight.expiresAt);
		writeKnown(memory, undefined);
	}
	inFlight.settle(remembered);
}

/**
 * The answer to a first delivery has ended. The id is remembered when it was
 * answered 2xx, or when n8n started its execution although the sender closed
 * the connection (a repeat must not run it again); otherwise it is forgotten,
 * here and in what this process writes to the store, and a repeat runs it.
 * When the sender left before n8n started the execution, n8n may still start
 * it: the id stays claimed until then, or for IN_FLIGHT_WAIT_MS.
 */
export function answered(scope: string, operationId: string, outcome: AnswerOutcome, now = Date.now()): void {
	const memory = memoryFor(scope);
	const fp = fingerprint(operationId);
	const inFlight = memory.inFlight.get(fp);
	if (!inFlight) return;
	if (outcome === 'connectionClosed' && !inFlight.started) {
		const closedEarly = new AbortController();
		inFlight.closedEarly = closedEarly;
		void sleepUnlessStopped(IN_FLIGHT_WAIT_MS, closedEarly.signal).then(
			() => settle(memory, fp, inFlight, false, Date.now()),
			() => {},
		);
		return;
	}
	settle(memory, fp, inFlight, outcome !== 'answeredOtherwise', now);
}

/** Forgets everything this process remembers (tests simulate a restart with it). */
export function forgetAll(): void {
	memories.clear();
}

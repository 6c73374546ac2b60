import { createHash } from 'node:crypto';

/**
 * The shared memory of OperationIds as one string, one `<expiry> <fingerprint>`
 * line per id, oldest first (expiry in epoch seconds, base 36). Lookups are a
 * substring search and appends a concatenation, so no callback pays for parsing
 * every remembered id. n8n reads the whole string from the database for every
 * callback and writes it back, so each entry is kept short: a 72-bit
 * fingerprint of the id instead of the id (two of 2,000 ids colliding has a
 * probability below 1e-15), which also keeps Khipu's ids out of the workflow.
 */

/** The trigger's static-data key holding the log. */
export const SHARED_KEY = 'operationIds';
export const MAX_REMEMBERED_IDS = 2_000;
/** An entry takes 20 characters (6 expiry until 2038, then 7; space; 12 fingerprint; newline). */
export const MAX_SHARED_CHARS = MAX_REMEMBERED_IDS * 20;

/** 12 base64url characters: no space or newline, so entries need no escaping. */
export function fingerprint(id: string): string {
	return createHash('sha256').update(id, 'utf8').digest('base64url').slice(0, 12);
}

/** The expiry (ms) of a live entry for the id with fingerprint `fp`, or undefined. */
export function findEntry(text: string, fp: string, now: number): number | undefined {
	const needle = ` ${fp}\n`;
	for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
		const lineStart = text.lastIndexOf('\n', at - 1) + 1;
		const expiresAt = parseInt(text.slice(lineStart, at), 36) * 1000;
		if (expiresAt > now) return expiresAt;
	}
	return undefined;
}

/** The fingerprints in the last `chars` characters of the log; the first line may be cut. */
export function fingerprintsNearEnd(text: string, chars: number): Set<string> {
	const fps = new Set<string>();
	const tail = text.length > chars ? text.slice(-chars) : text;
	for (const line of tail.split('\n')) fps.add(line.slice(line.indexOf(' ') + 1));
	return fps;
}

export function appendEntries(text: string, entries: Array<[fp: string, expiresAt: number]>): string {
	let out = text;
	for (const [fp, expiresAt] of entries) out += `${Math.ceil(expiresAt / 1000).toString(36)} ${fp}\n`;
	return out;
}

/** Drops expired entries from the front, then the oldest beyond `maxChars`. */
export function trimEntries(text: string, now: number, maxChars: number): string {
	let start = 0;
	for (;;) {
		const space = text.indexOf(' ', start);
		const end = text.indexOf('\n', start);
		if (space === -1 || end === -1 || parseInt(text.slice(start, space), 36) * 1000 > now) break;
		start = end + 1;
	}
	if (text.length - start > maxChars) start = text.indexOf('\n', text.length - maxChars - 1) + 1;
	return start === 0 ? text : text.slice(start);
}

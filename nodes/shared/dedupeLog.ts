/**
 * The shared memory of OperationIds as one string, one `<expiry> <id>` line per
 * id, oldest first (expiry in epoch seconds, base 36). Lookups are a substring
 * search and appends are a concatenation, so no callback pays for parsing every
 * remembered id.
 */

const UNSAFE = /[% \n]/;

/** Space and newline delimit entries; an id holding either (or %) is escaped. */
export function escapeId(id: string): string {
	return UNSAFE.test(id) ? id.replace(/%/g, '%25').replace(/ /g, '%20').replace(/\n/g, '%0A') : id;
}

/** The expiry (ms) of a live entry for `id`, or undefined. */
export function findEntry(text: string, id: string, now: number): number | undefined {
	const needle = ` ${escapeId(id)}\n`;
	for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
		const lineStart = text.lastIndexOf('\n', at - 1) + 1;
		const expiresAt = parseInt(text.slice(lineStart, at), 36) * 1000;
		if (expiresAt > now) return expiresAt;
	}
	return undefined;
}

/** The (escaped) ids of the last `chars` characters of the log; the first line may be cut. */
export function idsNearEnd(text: string, chars: number): Set<string> {
	const ids = new Set<string>();
	const tail = text.length > chars ? text.slice(-chars) : text;
	for (const line of tail.split('\n')) ids.add(line.slice(line.indexOf(' ') + 1));
	return ids;
}

export function appendEntries(text: string, entries: Array<[string, number]>): string {
	let out = text;
	for (const [id, expiresAt] of entries) out += `${Math.ceil(expiresAt / 1000).toString(36)} ${escapeId(id)}\n`;
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

import { createHash } from 'node:crypto';

/**
 * The shared memory of OperationIds as one string, one `<expiry> <fingerprint>`
 * line per id (expiry in epoch seconds, base 36). n8n reads the whole string
 * from the database for every callback and writes it back, so each entry is
 * kept short: a 72-bit fingerprint of the id instead of the id (two of 2,000
 * ids colliding has a probability below 1e-15), which also keeps Khipu's ids
 * out of the workflow.
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

const FINGERPRINT = /^[A-Za-z0-9_-]{12}$/;

/** Every well-formed entry of the log as [fingerprint, expiry in ms]; anything else is skipped. */
export function readEntries(text: string): Array<[fp: string, expiresAt: number]> {
	const entries: Array<[string, number]> = [];
	for (const line of text.split('\n')) {
		const space = line.indexOf(' ');
		const fp = line.slice(space + 1);
		const expiresAt = parseInt(line.slice(0, space), 36) * 1000;
		if (space > 0 && FINGERPRINT.test(fp) && Number.isFinite(expiresAt)) entries.push([fp, expiresAt]);
	}
	return entries;
}

export function appendEntries(text: string, entries: Iterable<[fp: string, expiresAt: number]>): string {
	let out = text;
	for (const [fp, expiresAt] of entries) out += `${Math.ceil(expiresAt / 1000).toString(36)} ${fp}\n`;
	return out;
}

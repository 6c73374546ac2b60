/**
 * Remembers OperationIds per trigger node in this n8n process. Khipu may deliver
 * a callback more than once; the check-and-record is synchronous, so concurrent
 * duplicates in one process cannot both pass.
 */
const MAX_ENTRIES_PER_SCOPE = 50_000;
const scopes = new Map<string, Map<string, number>>();

export function firstDelivery(scope: string, operationId: string, ttlMs: number, now = Date.now()): boolean {
	let seen = scopes.get(scope);
	if (!seen) {
		seen = new Map();
		scopes.set(scope, seen);
	}
	const expiresAt = seen.get(operationId);
	if (expiresAt !== undefined && expiresAt > now) return false;
	seen.delete(operationId);
	seen.set(operationId, now + ttlMs);
	// Map keeps insertion order, so the oldest entries are dropped first.
	for (const [key, expiry] of seen) {
		if (seen.size <= MAX_ENTRIES_PER_SCOPE && expiry > now) break;
		seen.delete(key);
	}
	return true;
}

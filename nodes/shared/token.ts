import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 24 random bytes: 192 bits, 32 URL-safe characters. */
export function generateToken(): string {
	return randomBytes(24).toString('base64url');
}

export function deriveToken(secret: string, ...parts: string[]): string {
	return createHmac('sha256', secret).update(parts.join('\n')).digest('base64url').slice(0, 32);
}

/** Constant-time for equal lengths; different lengths fail without comparing content. */
export function tokensMatch(expected: string, received: unknown): boolean {
	if (typeof received !== 'string' || expected.length === 0) return false;
	const a = Buffer.from(expected, 'utf8');
	const b = Buffer.from(received, 'utf8');
	if (a.length !== b.length) {
		timingSafeEqual(a, a);
		return false;
	}
	return timingSafeEqual(a, b);
}

import { sleep } from 'n8n-workflow';

import { ipAllowed, parseAllowlist, parseIp } from '../../nodes/shared/ipAllowlist';
import { runPool } from '../../nodes/shared/pool';
import { generateToken, tokenDigest, tokensMatch } from '../../nodes/shared/callbackToken';

describe('runPool', () => {
	it('keeps input order and never exceeds the limit', async () => {
		let inFlight = 0;
		let maxInFlight = 0;
		const results = await runPool(
			25,
			4,
			async (i) => {
				inFlight++;
				maxInFlight = Math.max(maxInFlight, inFlight);
				await sleep((25 - i) % 7);
				inFlight--;
				return i * 2;
			},
			false,
		);
		expect(results.map((r) => (r?.ok ? r.value : null))).toEqual(Array.from({ length: 25 }, (_, i) => i * 2));
		expect(maxInFlight).toBe(4);
	});

	it('stops starting tasks after a failure unless told to keep going', async () => {
		const started: number[] = [];
		const task = async (i: number) => {
			started.push(i);
			if (i === 2) throw new Error('boom');
			return i;
		};
		const stopped = await runPool(10, 1, task, false);
		expect(started).toEqual([0, 1, 2]);
		expect(stopped[2]).toMatchObject({ ok: false });
		expect(stopped[3]).toBeUndefined();
		started.length = 0;
		const all = await runPool(10, 3, task, true);
		expect(started.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
		expect(all.filter((r) => r?.ok)).toHaveLength(9);
	});
});

describe('IP allowlist', () => {
	it('matches IPv4, IPv6 and IPv4-mapped addresses against CIDR ranges', () => {
		const ranges = parseAllowlist('203.0.113.0/24, 2001:db8::/32\n10.1.2.3');
		expect(ipAllowed(ranges, '203.0.113.77')).toBe(true);
		expect(ipAllowed(ranges, '::ffff:203.0.113.5')).toBe(true);
		expect(ipAllowed(ranges, '203.0.114.1')).toBe(false);
		expect(ipAllowed(ranges, '2001:db8:1::5')).toBe(true);
		expect(ipAllowed(ranges, '2001:db9::1')).toBe(false);
		expect(ipAllowed(ranges, '10.1.2.3')).toBe(true);
		expect(ipAllowed(ranges, '10.1.2.4')).toBe(false);
		expect(ipAllowed(ranges, undefined)).toBe(false);
		expect(ipAllowed(parseAllowlist(''), '1.2.3.4')).toBe(true);
		expect(ipAllowed(parseAllowlist('0.0.0.0/0'), '8.8.8.8')).toBe(true);
		expect(ipAllowed(parseAllowlist('127.0.0.1/25'), '127.0.0.100')).toBe(true);
		expect(ipAllowed(parseAllowlist('127.0.0.1/25'), '127.0.0.200')).toBe(false);
	});
	it('rejects bad entries, naming the field', () => {
		expect(() => parseAllowlist('10.0.0.0/33')).toThrow(/IP Allowlist entry "10.0.0.0\/33"/);
		expect(() => parseAllowlist('example.com')).toThrow(/not an IP address/);
		expect(parseIp('256.1.1.1')).toBeNull();
		expect(parseIp('::1')).toEqual([...new Array(15).fill(0), 1]);
	});
});

describe('tokens', () => {
	it('generates 32-character URL-safe tokens', () => {
		const a = generateToken();
		expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
		expect(generateToken()).not.toBe(a);
	});
	it('compares tokens of any length safely', () => {
		expect(tokensMatch('abc', 'abc')).toBe(true);
		expect(tokensMatch('abc', 'abd')).toBe(false);
		expect(tokensMatch('abc', 'abcd')).toBe(false);
		expect(tokensMatch('abc', undefined)).toBe(false);
		expect(tokensMatch('abc', ['abc'])).toBe(false);
		expect(tokensMatch('', '')).toBe(false);
	});
	it('digests a token bound to every part, without containing it', () => {
		const token = generateToken();
		expect(tokenDigest(token, 'account-1')).toBe(tokenDigest(token, 'account-1'));
		expect(tokenDigest(token, 'account-1')).not.toBe(tokenDigest(token, 'account-2'));
		expect(tokenDigest(generateToken(), 'account-1')).not.toBe(tokenDigest(token, 'account-1'));
		expect(tokenDigest(token, 'account-1')).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(tokenDigest(token, 'account-1')).not.toContain(token);
	});
});

import { InputError } from './validation';

interface Range {
	bytes: number[];
	prefix: number;
}

function parseIpv4(text: string): number[] | null {
	const parts = text.split('.');
	if (parts.length !== 4) return null;
	const bytes = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : NaN));
	return bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255) ? bytes : null;
}

function parseIpv6(text: string): number[] | null {
	let value = text;
	let tail: number[] = [];
	const lastColon = value.lastIndexOf(':');
	if (value.includes('.') && lastColon !== -1) {
		const v4 = parseIpv4(value.slice(lastColon + 1));
		if (!v4) return null;
		tail = v4;
		value = `${value.slice(0, lastColon)}:0:0`;
	}
	const halves = value.split('::');
	if (halves.length > 2) return null;
	const groups = (half: string) => (half === '' ? [] : half.split(':'));
	const head = groups(halves[0]);
	const rest = halves.length === 2 ? groups(halves[1]) : [];
	const missing = 8 - head.length - rest.length;
	if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
	const all = [...head, ...new Array(halves.length === 2 ? missing : 0).fill('0'), ...rest];
	const bytes: number[] = [];
	for (const group of all) {
		if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
		const n = parseInt(group, 16);
		bytes.push(n >> 8, n & 0xff);
	}
	if (tail.length) bytes.splice(12, 4, ...tail);
	return bytes;
}

/** IPv4-mapped IPv6 (::ffff:1.2.3.4), as Node reports IPv4 clients on dual-stack sockets. */
export function parseIp(text: string): number[] | null {
	const trimmed = text
		.trim()
		.replace(/^\[|\]$/g, '')
		.split('%')[0];
	const v4 = parseIpv4(trimmed);
	if (v4) return v4;
	const v6 = parseIpv6(trimmed);
	if (!v6) return null;
	const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
	return mapped ? v6.slice(12) : v6;
}

function parseRange(entry: string): Range | null {
	const [address, prefixText, extra] = entry.split('/');
	if (extra !== undefined) return null;
	const bytes = parseIp(address);
	if (!bytes) return null;
	const max = bytes.length * 8;
	if (prefixText === undefined) return { bytes, prefix: max };
	if (!/^\d{1,3}$/.test(prefixText)) return null;
	const prefix = Number(prefixText);
	return prefix <= max ? { bytes, prefix } : null;
}

/** Accepts addresses and CIDR ranges, comma- or line-separated; rejects the whole list on any bad entry. */
export function parseAllowlist(text: string): Range[] {
	const entries = text
		.split(/[\s,]+/)
		.map((e) => e.trim())
		.filter(Boolean);
	return entries.map((entry) => {
		const range = parseRange(entry);
		if (!range) {
			throw new InputError(
				'IP Allowlist',
				`IP Allowlist entry "${entry.slice(0, 60)}" is not an IP address or CIDR range`,
			);
		}
		return range;
	});
}

export function ipAllowed(ranges: Range[], ip: string | undefined): boolean {
	if (ranges.length === 0) return true;
	if (!ip) return false;
	const bytes = parseIp(ip);
	if (!bytes) return false;
	return ranges.some((range) => {
		if (range.bytes.length !== bytes.length) return false;
		let bits = range.prefix;
		for (let i = 0; bits > 0; i++, bits -= 8) {
			const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
			if ((range.bytes[i] & mask) !== (bytes[i] & mask)) return false;
		}
		return true;
	});
}

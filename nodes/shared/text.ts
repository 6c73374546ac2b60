/**
 * Control characters are never legitimate in identifiers or URLs, and they make
 * error messages and logs ambiguous, so they are rejected rather than stripped.
 */
export function hasControlChars(value: string): boolean {
	for (let i = 0; i < value.length; i++) {
		const code = value.charCodeAt(i);
		if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
	}
	return false;
}

/**
 * Half of a UTF-16 surrogate pair on its own (e.g. "12\uD800" from a cut-off
 * string) is no character at all: it cannot be URL-encoded (URIError) and
 * would reach Khipu as garbage. In a `u` pattern a complete pair is one code
 * point, so only a lone half matches.
 */
export function hasLoneSurrogate(value: string): boolean {
	return /[\uD800-\uDFFF]/u.test(value);
}

export function describeType(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	const type = typeof value;
	return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

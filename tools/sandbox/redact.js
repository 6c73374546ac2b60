'use strict';

// Khipu cannot authenticate its callbacks, so callers protect them with an
// unguessable path segment or query token. Anything that may hold such a token
// is masked before it is stored, returned or printed.

const MASK = '***';
const LONGEST_VISIBLE_SEGMENT = 20;

function redactPathname(pathname) {
	return pathname
		.split('/')
		.map((segment) => (segment.length > LONGEST_VISIBLE_SEGMENT ? MASK : segment))
		.join('/');
}

/** Redacts an absolute URL; text that is not a URL is masked whole. */
function redactUrl(raw) {
	if (typeof raw !== 'string') return null;
	let url;
	try {
		url = new URL(raw);
	} catch {
		return MASK;
	}
	const userInfo = url.username || url.password ? `${MASK}@` : '';
	const query = url.search ? `?${MASK}` : '';
	return `${url.protocol}//${userInfo}${url.host}${redactPathname(url.pathname)}${query}`;
}

/** Redacts a request target such as `/some/path?x=1` (what `req.url` holds). */
function redactRequestTarget(target) {
	const withoutFragment = String(target).split('#')[0];
	const queryStart = withoutFragment.indexOf('?');
	if (queryStart === -1) return redactPathname(withoutFragment);
	const hasQuery = queryStart < withoutFragment.length - 1;
	return redactPathname(withoutFragment.slice(0, queryStart)) + (hasQuery ? `?${MASK}` : '');
}

module.exports = { MASK, redactUrl, redactRequestTarget };

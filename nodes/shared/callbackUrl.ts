import { LIMITS } from './constants';
import { hasControlChars } from './text';
import { InputError } from './validation';

/** Query parameters the package adds to every URL it gives Khipu, in this order. */
export const CALLBACK_PARAMS = {
	account: 'account',
	reference: 'reference',
	token: 'token',
} as const;

export const MAX_REFERENCE_LENGTH = 64;

export interface CallbackParams {
	account: string;
	reference?: string;
	token?: string;
}

/**
 * Letters, digits, punctuation, symbols and plain spaces: enough for customer or
 * run ids, while line breaks, invisible and bidi-control characters, which would
 * make the value read differently in logs and spreadsheets, are refused.
 */
const HINT_PATTERN = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]+$/u;

/** The Reference field: optional, trimmed; empty means "no reference". */
export function validateReference(raw: unknown, field = 'Reference'): string | undefined {
	if (raw === undefined || raw === null) return undefined;
	if (typeof raw === 'number' && Number.isFinite(raw)) raw = String(raw);
	if (typeof raw !== 'string') throw new InputError(field, `${field} must be text or a number`);
	const value = raw.trim();
	if (value === '') return undefined;
	if (value.length > MAX_REFERENCE_LENGTH) {
		throw new InputError(
			field,
			`${field} is ${value.length} characters long; at most ${MAX_REFERENCE_LENGTH} are allowed`,
		);
	}
	if (hasControlChars(value) || !HINT_PATTERN.test(value)) {
		throw new InputError(field, `${field} may only hold letters, digits, punctuation, symbols and spaces`);
	}
	return value;
}

/**
 * What a callback's query says about itself. The values are covered by the
 * token but still come from outside, so anything outside the limits is dropped
 * rather than passed on (dropping keeps an authentic Khipu result flowing).
 */
export function readCallbackHints(query: Record<string, unknown>): { accountNumber?: string; reference?: string } {
	const hints: { accountNumber?: string; reference?: string } = {};
	const account = query[CALLBACK_PARAMS.account];
	if (typeof account === 'string' && isHint(account, LIMITS.accountNumber)) hints.accountNumber = account;
	const reference = query[CALLBACK_PARAMS.reference];
	if (typeof reference === 'string' && isHint(reference, MAX_REFERENCE_LENGTH)) hints.reference = reference;
	return hints;
}

function isHint(value: string, maxLength: number): boolean {
	return value.length > 0 && value.length <= maxLength && value.trim() === value && HINT_PATTERN.test(value);
}

/**
 * The name a receiving n8n files a query parameter under. n8n parses query
 * strings with Express's extended parser (qs), which reads brackets as nesting
 * after decoding: `token[]=x`, `token[a]=x`, `token%5B%5D=x` and `[token]=x`
 * all land under `token`, next to (or instead of) the one the node adds.
 */
function queryRootName(name: string): string {
	const open = name.indexOf('[');
	if (open !== 0) return open < 0 ? name : name.slice(0, open);
	const close = name.indexOf(']');
	return close < 0 ? name : name.slice(1, close);
}

/**
 * The names n8n will read the user's parameters under; true where one was
 * written in bracket form (never echoed: the message names the form instead).
 */
function takenNames(query: string): Map<string, boolean> {
	const taken = new Map<string, boolean>();
	for (const name of new URLSearchParams(query).keys()) {
		const root = queryRootName(name);
		taken.set(root, taken.get(root) === true || root !== name);
	}
	return taken;
}

function bracketHint(taken: Map<string, boolean>, name: string): string {
	return taken.get(name) === true ? ` (n8n reads "${name}[…]" as "${name}")` : '';
}

/**
 * The one place that turns a URL into the callback URL sent to Khipu. The
 * user's own query is kept byte for byte and ours is appended; a fragment is
 * refused because HTTP clients never send it, so anything after "#" (including
 * our parameters) would be lost on the way back.
 */
export function buildCallbackUrl(
	base: string,
	params: CallbackParams,
	{ field = 'Callback URL', advice }: { field?: string; advice?: string } = {},
): string {
	if (base.includes('#')) {
		throw new InputError(
			field,
			`${field} must not contain a fragment ("#…"): it is never sent back by Khipu. Remove it.`,
		);
	}
	const queryStart = base.indexOf('?');
	const existing = queryStart < 0 ? '' : base.slice(queryStart + 1);
	const taken = takenNames(existing);
	if (taken.has(CALLBACK_PARAMS.token)) {
		throw new InputError(
			field,
			`${field} already contains a "token" parameter${bracketHint(taken, CALLBACK_PARAMS.token)}. ` +
				'Remove it: the node adds the token from the callback credential when it ' +
				'sends the request, so the token is never stored in the workflow.',
		);
	}
	for (const name of [CALLBACK_PARAMS.account, CALLBACK_PARAMS.reference]) {
		if (taken.has(name)) {
			const article = name === CALLBACK_PARAMS.account ? 'an' : 'a';
			throw new InputError(
				field,
				`${field} already contains ${article} "${name}" parameter${bracketHint(taken, name)}; ` +
					'the node adds it. Remove it from the URL.',
			);
		}
	}

	const added: string[] = [`${CALLBACK_PARAMS.account}=${encodeURIComponent(params.account)}`];
	if (params.reference !== undefined)
		added.push(`${CALLBACK_PARAMS.reference}=${encodeURIComponent(params.reference)}`);
	if (params.token !== undefined) added.push(`${CALLBACK_PARAMS.token}=${encodeURIComponent(params.token)}`);

	const path = queryStart < 0 ? base : base.slice(0, queryStart);
	const kept = existing.replace(/&+$/, '');
	const url = `${path}?${kept === '' ? '' : `${kept}&`}${added.join('&')}`;
	if (url.length > LIMITS.callbackUrl) {
		const parts = [
			'the account number',
			params.reference === undefined ? '' : 'the Reference',
			params.token === undefined ? '' : 'the token',
		];
		const named = parts.filter((part) => part !== '');
		const what = named.length > 1 ? `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}` : named[0];
		const fix = advice ?? `Shorten the URL${params.reference === undefined ? '' : ' or the Reference'}.`;
		throw new InputError(
			field,
			`${field} with ${what} added is ${url.length} characters long; ` +
				`Khipu accepts at most ${LIMITS.callbackUrl}. ${fix}`,
		);
	}
	return url;
}

/**
 * Where the callback token may go: over https, or to this n8n's own webhook
 * base (where the trigger listens, with whatever scheme WEBHOOK_URL has).
 * The Callback URL can come from item data, so without this check the
 * trigger's secret could travel to any host, or in clear text over the network.
 */
export function checkTokenDestination(url: string, ownWebhookBase: URL, field = 'Callback URL'): void {
	const target = new URL(url);
	if (target.protocol === 'https:') return;
	if (target.origin === ownWebhookBase.origin && target.pathname.startsWith(ownWebhookBase.pathname)) return;
	throw new InputError(
		field,
		`${field} uses plain http to ${target.origin}, which is not this n8n's ` +
			`webhook address (${ownWebhookBase.href}), so the callback token would ` +
			`travel unencrypted to another host. Use an https URL or this n8n's own ` +
			'webhook URL, or turn on Allow Token Over Plain HTTP if that network path is trusted.',
	);
}

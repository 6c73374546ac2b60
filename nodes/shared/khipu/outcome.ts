import { envelopeProblem, parseEnvelope, type KhipuEnvelope } from './envelope';
import type { KhipuHttpResponse } from './transport';

export type KhipuOutcome =
	| { kind: 'result'; envelope: KhipuEnvelope }
	| { kind: 'accepted'; envelope: KhipuEnvelope }
	| { kind: 'khipuError'; envelope: KhipuEnvelope; httpStatus: number }
	| {
			kind: 'httpError';
			httpStatus: number;
			envelope: KhipuEnvelope | null;
			retryAfterSeconds: number | null;
			bodySummary: string;
	  }
	| { kind: 'notJson'; httpStatus: number; bodySummary: string };

function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false } {
	if (text.trim() === '') return { ok: false };
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch {
		return { ok: false };
	}
}

function tryEnvelope(value: unknown): KhipuEnvelope | null {
	return envelopeProblem(value) === null ? parseEnvelope(value) : null;
}

/**
 * A gateway page names itself in its <title>, near the top, so only this much
 * of a failure's body is searched: a broken or hostile answer can be long.
 */
export const TITLE_SCAN_CHARS = 16 * 1024;

/** Bounded on both sides of the tag name, so a run of unclosed "<title" costs linear time. */
const TITLE_PATTERN = /<title[^>]{0,200}>([^<]{1,120})<\/title>/i;

/** Gateway pages are described by their <title> only: bodies may be long or hostile. */
export function summarizeBody(text: string, contentType: string | undefined): string {
	if (text.trim() === '') return 'an empty body';
	const title = TITLE_PATTERN.exec(text.slice(0, TITLE_SCAN_CHARS))?.[1]?.trim();
	const kind = contentType ? contentType.split(';')[0].trim() : 'unknown content type';
	return title ? `${kind} page "${title}"` : `${text.length} bytes of ${kind}`;
}

/** RFC 9110 allows seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
	if (!value) return null;
	const trimmed = value.trim();
	if (/^\d+$/.test(trimmed)) return Number(trimmed);
	const date = Date.parse(trimmed);
	if (Number.isNaN(date)) return null;
	return Math.max(0, Math.ceil((date - now) / 1000));
}

export function classifyResponse(response: KhipuHttpResponse): KhipuOutcome {
	const { statusCode, bodyText, headers } = response;
	const parsed = tryParseJson(bodyText);
	const envelope = parsed.ok ? tryEnvelope(parsed.value) : null;
	// Described only for failures: a result's body is never searched for a title.
	const bodySummary = () => summarizeBody(bodyText, headers['content-type']);

	if (statusCode >= 200 && statusCode < 300) {
		if (!envelope) {
			return {
				kind: 'notJson',
				httpStatus: statusCode,
				bodySummary: parsed.ok ? 'JSON that is not a Khipu envelope' : bodySummary(),
			};
		}
		if (envelope.status === 'ERROR') return { kind: 'khipuError', envelope, httpStatus: statusCode };
		if (statusCode === 202) return { kind: 'accepted', envelope };
		return { kind: 'result', envelope };
	}
	if (envelope && envelope.status === 'ERROR' && statusCode === 400) {
		return { kind: 'khipuError', envelope, httpStatus: statusCode };
	}
	return {
		kind: 'httpError',
		httpStatus: statusCode,
		envelope,
		retryAfterSeconds: parseRetryAfter(headers['retry-after']),
		bodySummary: bodySummary(),
	};
}

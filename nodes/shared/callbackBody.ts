import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

import { envelopeProblem, parseEnvelope, type KhipuEnvelope } from './khipu/envelope';

interface RawRequest {
	body?: unknown;
	rawBody?: Buffer;
	encoding?: string;
	headers: IDataObject;
}

function request(context: IWebhookFunctions): RawRequest {
	return context.getRequestObject() as unknown as RawRequest;
}

function bodySize(req: RawRequest): number {
	if (Buffer.isBuffer(req.rawBody)) return req.rawBody.length;
	const declared = Number(req.headers['content-length']);
	return Number.isFinite(declared) ? declared : 0;
}

/**
 * n8n decodes bodies leniently, turning bytes that are not UTF-8 into U+FFFD,
 * which would silently change an OperationId or an amount.
 */
function isUtf8(req: RawRequest): boolean {
	if (!Buffer.isBuffer(req.rawBody) || (req.encoding && !/^utf-?8$/i.test(req.encoding))) return true;
	try {
		new TextDecoder('utf-8', { fatal: true }).decode(req.rawBody);
		return true;
	} catch {
		return false;
	}
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch {
		return { ok: false };
	}
}

/**
 * n8n has already parsed an application/json body (a JSON string stays a
 * string); other content types arrive as text or bytes and are parsed here.
 */
function readJson(req: RawRequest): { ok: true; value: unknown } | { ok: false } {
	const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
	const parsedByN8n = /\bjson\b/.test(contentType);
	const body = req.body;
	if (!parsedByN8n && (typeof body === 'string' || Buffer.isBuffer(body))) return tryJson(body.toString());
	if (body === undefined && Buffer.isBuffer(req.rawBody)) return tryJson(req.rawBody.toString('utf8'));
	return { ok: true, value: body };
}

export type CallbackBody = { ok: true; envelope: KhipuEnvelope } | { ok: false; status: number; error: string };

/**
 * The checks every Khipu callback goes through, for the trigger and for the
 * paused execution alike: size, encoding, JSON, then the envelope itself.
 */
export function readCallbackBody(context: IWebhookFunctions, maxBytes: number): CallbackBody {
	const req = request(context);
	if (bodySize(req) > maxBytes) return { ok: false, status: 413, error: `Body larger than ${maxBytes} bytes` };
	if (!isUtf8(req)) return { ok: false, status: 400, error: 'Body is not valid UTF-8' };
	const json = readJson(req);
	if (!json.ok) return { ok: false, status: 400, error: 'Body is not valid JSON' };
	const problem = envelopeProblem(json.value);
	if (problem) return { ok: false, status: 400, error: `Not a Khipu callback: ${problem}` };
	return { ok: true, envelope: parseEnvelope(json.value) };
}

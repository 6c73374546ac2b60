import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';

import { KHIPU_CREDENTIAL_TYPE } from '../constants';
import { LIBRARY_TIMEOUT_MARGIN_MS, requestScope } from '../n8nCompat';

export interface KhipuHttpResponse {
	statusCode: number;
	headers: Record<string, string>;
	bodyText: string;
}

/** A failure below HTTP: the request never got an answer. */
export class KhipuConnectionError extends Error {
	constructor(
		readonly code: string,
		message: string,
	) {
		super(message);
		this.name = 'KhipuConnectionError';
	}
}

/** Where and as whom to call: read once per run, shared by every request of it. */
export interface KhipuConnection {
	baseUrl: string;
	credentials: ICredentialDataDecryptedObject;
}

/** One call to a Khipu endpoint: its path under the Base URL and the JSON body. */
export interface KhipuRequest {
	path: string;
	body: IDataObject;
}

function normalizeHeaders(headers: unknown): Record<string, string> {
	const result: Record<string, string> = {};
	if (!headers || typeof headers !== 'object') return result;
	for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
		if (value === undefined || value === null) continue;
		result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
	}
	return result;
}

function bodyToText(body: unknown): string {
	if (typeof body === 'string') return body;
	if (body === undefined || body === null) return '';
	if (Buffer.isBuffer(body)) return body.toString('utf8');
	return JSON.stringify(body);
}

const CONNECTION_MESSAGES: Record<string, string> = {
	ECONNRESET: 'the connection was reset before Khipu answered',
	ECONNREFUSED: 'the connection was refused',
	ENOTFOUND: 'the host name could not be resolved',
	EAI_AGAIN: 'the host name could not be resolved (DNS is unavailable)',
	ETIMEDOUT: 'the request timed out',
	ECONNABORTED: 'the request timed out',
	EPIPE: 'the connection was closed while sending the request',
	ERR_SOCKET_CONNECTION_TIMEOUT: 'the connection timed out',
	// axios: the answer stream was cut off (or could not be read) after the status line arrived.
	ERR_BAD_RESPONSE: 'the connection was closed before the whole answer arrived',
};

/**
 * n8n wraps the HTTP library's error (sometimes twice), so the socket error code
 * is searched for along the cause chain.
 */
function findErrorCode(error: unknown): { code: string; timedOut: boolean } {
	let timedOut = false;
	let current: unknown = error;
	for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
		const candidate = current as {
			code?: unknown;
			message?: unknown;
			messages?: unknown;
			cause?: unknown;
			error?: unknown;
			reason?: unknown;
			errorResponse?: unknown;
			httpCode?: unknown;
		};
		if (typeof candidate.httpCode === 'string' && CONNECTION_MESSAGES[candidate.httpCode]) {
			const code = candidate.httpCode;
			return { code, timedOut: timedOut || code === 'ETIMEDOUT' || code === 'ECONNABORTED' };
		}
		const texts = [candidate.message, ...(Array.isArray(candidate.messages) ? candidate.messages : [])];
		for (const text of texts) {
			if (typeof text !== 'string') continue;
			if (/timeout|timed out/i.test(text)) timedOut = true;
			if (/socket hang up/i.test(text)) return { code: 'ECONNRESET', timedOut };
			const found = /\b(E[A-Z]{4,}[A-Z0-9_]*)\b/.exec(text)?.[1];
			if (found && CONNECTION_MESSAGES[found])
				return { code: found, timedOut: timedOut || found === 'ETIMEDOUT' || found === 'ECONNABORTED' };
		}
		if (typeof candidate.code === 'string' && /^E[A-Z0-9_]+$/.test(candidate.code)) {
			return {
				code: candidate.code,
				timedOut: timedOut || candidate.code === 'ECONNABORTED' || candidate.code === 'ETIMEDOUT',
			};
		}
		current = candidate.cause ?? candidate.errorResponse ?? candidate.error ?? candidate.reason;
	}
	return { code: timedOut ? 'ETIMEDOUT' : 'UNKNOWN', timedOut };
}

/**
 * Only the code and a fixed sentence survive: the library error holds the
 * request, and with it the credential headers and body.
 */
function toConnectionError(error: unknown, timeoutMs: number): KhipuConnectionError {
	const { code, timedOut } = findErrorCode(error);
	if (timedOut) return timeoutError(timeoutMs);
	const reason = CONNECTION_MESSAGES[code] ?? 'the request failed before Khipu answered';
	return new KhipuConnectionError(code, `Could not get an answer from Khipu: ${reason}`);
}

function timeoutError(timeoutMs: number): KhipuConnectionError {
	return new KhipuConnectionError(
		'ETIMEDOUT',
		`Could not get an answer from Khipu: the request timed out after ${timeoutMs} ms`,
	);
}

/**
 * The one place that speaks HTTP to Khipu: one POST, signed by the Khipu API
 * credential (its authenticate()), answered with the raw response or the reason
 * there was none.
 */
export async function sendOnce(
	context: IExecuteFunctions,
	connection: KhipuConnection,
	request: KhipuRequest,
	timeoutMs: number,
): Promise<KhipuHttpResponse | KhipuConnectionError> {
	const scope = requestScope(context, timeoutMs);
	const options: IHttpRequestOptions = {
		method: 'POST',
		baseURL: connection.baseUrl,
		url: request.path,
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		body: request.body,
		// Raw text so gateway HTML pages and malformed JSON can be told apart from envelopes.
		encoding: 'text',
		json: false,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		// A redirect would carry the API key and the bank login to wherever it points.
		disableFollowRedirect: true,
		abortSignal: scope.signal,
		timeout: timeoutMs + LIBRARY_TIMEOUT_MARGIN_MS,
	};
	let response: IN8nHttpFullResponse;
	try {
		response = (await scope.context.helpers.httpRequestWithAuthentication.call(
			scope.context,
			KHIPU_CREDENTIAL_TYPE,
			options,
			// Already decrypted for validation: handing it over saves n8n a database read per request.
			{ credentialsDecrypted: { id: '', name: '', type: KHIPU_CREDENTIAL_TYPE, data: connection.credentials } },
		)) as IN8nHttpFullResponse;
	} catch (error) {
		if (scope.timedOut()) return timeoutError(timeoutMs);
		return toConnectionError(error, timeoutMs);
	}
	return {
		statusCode: Number(response.statusCode),
		headers: normalizeHeaders(response.headers),
		bodyText: bodyToText(response.body),
	};
}

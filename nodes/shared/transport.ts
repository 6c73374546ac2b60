import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';

import { BALANCES_PATH, KHIPU_CREDENTIAL_TYPE } from './constants';

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

export interface BalancesRequest {
	accountNumber: string;
	callbackUrl?: string;
}

/**
 * The JSON body Khipu expects. AccountCredential is added by the credential's
 * authenticate() in API-key mode only, so secrets never pass through node code.
 */
export function buildBalancesBody(request: BalancesRequest): IDataObject {
	const body: IDataObject = { RequestData: { AccountNumber: request.accountNumber } };
	if (request.callbackUrl) body.CallbackUrl = request.callbackUrl;
	return body;
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
			if (found && CONNECTION_MESSAGES[found]) return { code: found, timedOut: timedOut || found === 'ETIMEDOUT' || found === 'ECONNABORTED' };
		}
		if (typeof candidate.code === 'string' && /^E[A-Z0-9_]+$/.test(candidate.code)) {
			return { code: candidate.code, timedOut: timedOut || candidate.code === 'ECONNABORTED' || candidate.code === 'ETIMEDOUT' };
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
	const reason = timedOut ? 'the request timed out' : (CONNECTION_MESSAGES[code] ?? 'the request failed before Khipu answered');
	const suffix = timedOut ? ` after ${timeoutMs} ms` : '';
	return new KhipuConnectionError(timedOut ? 'ETIMEDOUT' : code, `Could not get an answer from Khipu: ${reason}${suffix}`);
}

/** The one place that speaks HTTP to Khipu. */
export async function postBalances(
	context: IExecuteFunctions,
	connection: KhipuConnection,
	request: BalancesRequest,
	timeoutMs: number,
): Promise<KhipuHttpResponse | KhipuConnectionError> {
	const options: IHttpRequestOptions = {
		method: 'POST',
		baseURL: connection.baseUrl,
		url: BALANCES_PATH,
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		body: buildBalancesBody(request),
		// Raw text so gateway HTML pages and malformed JSON can be told apart from envelopes.
		encoding: 'text',
		json: false,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		disableFollowRedirect: true,
		timeout: timeoutMs,
	};
	let response: IN8nHttpFullResponse;
	try {
		response = (await context.helpers.httpRequestWithAuthentication.call(
			context,
			KHIPU_CREDENTIAL_TYPE,
			options,
			// Already decrypted for validation: handing it over saves n8n a database read per request.
			{ credentialsDecrypted: { id: '', name: '', type: KHIPU_CREDENTIAL_TYPE, data: connection.credentials } },
		)) as IN8nHttpFullResponse;
	} catch (error) {
		return toConnectionError(error, timeoutMs);
	}
	return {
		statusCode: Number(response.statusCode),
		headers: normalizeHeaders(response.headers),
		bodyText: bodyToText(response.body),
	};
}

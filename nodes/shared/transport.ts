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
	if (timedOut) return timeoutError(timeoutMs);
	const reason = CONNECTION_MESSAGES[code] ?? 'the request failed before Khipu answered';
	return new KhipuConnectionError(code, `Could not get an answer from Khipu: ${reason}`);
}

function timeoutError(timeoutMs: number): KhipuConnectionError {
	return new KhipuConnectionError('ETIMEDOUT', `Could not get an answer from Khipu: the request timed out after ${timeoutMs} ms`);
}

/**
 * Margin for n8n's own request timeout, which only backs up the abort signal: on n8n 2.8
 * (axios 1.12) that timeout rejects but leaves the socket open until the server answers,
 * so the signal has to fire first. Aborting is what closes the socket on every version.
 */
const LIBRARY_TIMEOUT_MARGIN_MS = 1000;

/** Signals made here: a request carrying one is already bounded by its timeout. */
const ABORTS_AT_TIMEOUT = new WeakSet<AbortSignal>();

function timeoutSignal(timeoutMs: number, cancelled: AbortSignal | undefined): AbortSignal {
	const timedOut = AbortSignal.timeout(timeoutMs);
	const signal = cancelled ? AbortSignal.any([cancelled, timedOut]) : timedOut;
	ABORTS_AT_TIMEOUT.add(signal);
	return signal;
}

/**
 * For requests n8n sends on the credential's behalf (its credential test): one that comes
 * without a timeout signal of ours gets one at its timeout, so giving up closes the socket.
 * Node requests already carry theirs (see postBalances) and pass through unchanged.
 */
export function abortAtTimeout(options: IHttpRequestOptions): IHttpRequestOptions {
	const current = options.abortSignal instanceof AbortSignal ? options.abortSignal : undefined;
	if (options.timeout === undefined || (current && ABORTS_AT_TIMEOUT.has(current))) return options;
	const signal = timeoutSignal(options.timeout, current);
	return { ...options, abortSignal: signal, timeout: options.timeout + LIBRARY_TIMEOUT_MARGIN_MS };
}

interface RequestScope {
	context: IExecuteFunctions;
	signal: AbortSignal;
	timedOut: () => boolean;
}

/**
 * n8n's authenticated helper replaces the request's `abortSignal` with the execution's
 * cancel signal, read from the context it is called on, so the request goes out from a
 * view of the context whose cancel signal also fires when this request's timeout passes.
 */
function requestScope(context: IExecuteFunctions, timeoutMs: number): RequestScope {
	const cancelled = context.getExecutionCancelSignal?.();
	const signal = timeoutSignal(timeoutMs, cancelled);
	const scoped = Object.create(context, {
		getExecutionCancelSignal: { value: () => signal },
	}) as IExecuteFunctions;
	return { context: scoped, signal, timedOut: () => signal.aborted && !cancelled?.aborted };
}

/** The one place that speaks HTTP to Khipu. */
export async function postBalances(
	context: IExecuteFunctions,
	connection: KhipuConnection,
	request: BalancesRequest,
	timeoutMs: number,
): Promise<KhipuHttpResponse | KhipuConnectionError> {
	const scope = requestScope(context, timeoutMs);
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

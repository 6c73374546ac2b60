import {
	sleep,
	sleepWithAbort,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type INodeExecutionData,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

/**
 * Every place where the package works around how a given n8n version behaves,
 * in one module. Each entry names its row in docs/COMPAT.md and the test that
 * fails when n8n changes under it; when a row no longer applies to any
 * supported version, its entry here goes too.
 */

/**
 * Webhook descriptions answer with the node's `webhookResponse` (COMPAT row 17).
 * Without `responseData`, n8n 2.8 falls back to 'firstEntryJson' and answers a
 * `responseMode: 'onReceived'` call with that literal string.
 * Test: trigger.test.js "an accepted request is answered at once …" checks the acknowledgement body.
 */
export const ANSWER_WITH_WEBHOOK_RESPONSE = '';

/**
 * A request's own timeout, enforced by aborting it (COMPAT rows 14 and 15).
 *
 * - Row 14: n8n's `httpRequestWithAuthentication` replaces `options.abortSignal`
 *   with the execution's cancel signal, read from the context it is called on,
 *   so the request goes out from a view of the context whose cancel signal also
 *   fires when this request's timeout passes.
 * - Row 15: on n8n 2.8 (axios 1.12) the library's own timeout rejects but leaves
 *   the socket open until the server answers, so the signal has to fire first;
 *   n8n's timeout stays as a backstop LIBRARY_TIMEOUT_MARGIN_MS later.
 *
 * Test: timeout.test.js (every connection closed by n8n within 1 s of giving up).
 */
export const LIBRARY_TIMEOUT_MARGIN_MS = 1000;

/** Signals made here: a request carrying one was sent by node code, already bounded by its timeout. */
const NODE_REQUEST_SIGNALS = new WeakSet<AbortSignal>();

export interface RequestScope {
	/** The context to send the request from. */
	context: IExecuteFunctions;
	signal: AbortSignal;
	/** Whether the request was aborted by its own timeout (not by the user stopping the execution). */
	timedOut: () => boolean;
}

function timeoutSignal(timeoutMs: number, cancelled: AbortSignal | undefined): AbortSignal {
	const timedOut = AbortSignal.timeout(timeoutMs);
	const signal = cancelled ? AbortSignal.any([cancelled, timedOut]) : timedOut;
	NODE_REQUEST_SIGNALS.add(signal);
	return signal;
}

export function requestScope(context: IExecuteFunctions, timeoutMs: number): RequestScope {
	const cancelled = context.getExecutionCancelSignal?.();
	const signal = timeoutSignal(timeoutMs, cancelled);
	const scoped = Object.create(context, {
		getExecutionCancelSignal: { value: () => signal },
	}) as IExecuteFunctions;
	return { context: scoped, signal, timedOut: () => signal.aborted && !cancelled?.aborted };
}

/**
 * Whether n8n sends this request on the credential's behalf (its credential
 * test) rather than node code, which always sends from a `requestScope`.
 */
export function isCredentialTestRequest(options: IHttpRequestOptions): boolean {
	const signal = options.abortSignal instanceof AbortSignal ? options.abortSignal : undefined;
	return !signal || !NODE_REQUEST_SIGNALS.has(signal);
}

/**
 * The credential test's own bound (COMPAT row 16): n8n gives a declarative test
 * request a fixed 300 s timeout, which would hold the editor's Test button for
 * five minutes against a Base URL that never answers, and (row 15) would leave
 * the socket open on 2.8. The test gets `maxMs` and an abort at it.
 * Test: timeout.test.js "the credential test … held 30 s, not 300 s, then closed".
 */
export function boundCredentialTest(options: IHttpRequestOptions, maxMs: number): IHttpRequestOptions {
	const current = options.abortSignal instanceof AbortSignal ? options.abortSignal : undefined;
	const timeout = Math.min(options.timeout ?? maxMs, maxMs);
	return {
		...options,
		abortSignal: timeoutSignal(timeout, current),
		timeout: timeout + LIBRARY_TIMEOUT_MARGIN_MS,
	};
}

/**
 * Waits `ms`, or less when the execution is stopped (COMPAT row 24): then it
 * rejects, so a retry wait of up to the Retry-After cap never outlives a Stop.
 * n8n-workflow 2.8.0 has `sleepWithAbort(ms, signal)`; 2.41.0 no longer
 * exports it and takes the signal in `sleep(ms, signal)` instead (2.8.0's
 * `sleep` ignores a second argument).
 * Test: timeout.test.js "the running n8n's own n8n-workflow ends the node's retry wait …".
 */
export async function sleepUnlessStopped(ms: number, signal: AbortSignal | undefined): Promise<void> {
	if (typeof sleepWithAbort === 'function') return await sleepWithAbort(ms, signal);
	return await (sleep as (ms: number, signal?: AbortSignal) => Promise<void>)(ms, signal);
}

/**
 * Runs `onStarted` when n8n, having started the execution of the returned
 * `workflowData`, reads the acknowledgement to send (COMPAT rows 13 and 21).
 * On n8n 2.8 and 2.41 that read comes after the execution was created and
 * queued or started, and right before n8n saves the workflow's static data
 * and answers; if the start fails, n8n answers an error and never reads it.
 * A change to the static data made then is saved before the answer on both
 * versions, also on 2.41, which clears the change flag of the static data
 * while it starts the execution (row 13): a change made in `webhook()` itself
 * is not saved there.
 * Test: trigger.test.js "every OperationId answered 200 is in the saved static data when the answer arrives …".
 */
export function acknowledgeWhenStarted(
	response: IWebhookResponseData,
	acknowledgement: IDataObject,
	onStarted: () => void,
): IWebhookResponseData {
	let read = false;
	return Object.defineProperty(response, 'webhookResponse', {
		enumerable: true,
		get() {
			if (!read) {
				read = true;
				onStarted();
			}
			return acknowledgement;
		},
	});
}

/**
 * The item a paused execution continues with when its wait limit passes
 * (COMPAT row 18). n8n then resumes without running node code: its wait tracker
 * marks the waiting node disabled, and a disabled node passes its input on, so
 * replacing the input before pausing is how this item reaches the next node.
 * Test: pause.test.js "never called back …: the execution ends at the limit with one TIMED_OUT item".
 */
export function setWaitTimeoutOutput(context: IExecuteFunctions, item: INodeExecutionData): void {
	context.getExecuteData().data = { main: [[item]] };
}

/** `$execution.resumeUrl`: n8n builds it from its public webhook base (WEBHOOK_URL) on every version. */
function executionResumeUrl(context: IExecuteFunctions): URL {
	return new URL(String(context.evaluateExpression('{{ $execution.resumeUrl }}', 0) ?? ''));
}

/**
 * The URL Khipu calls to resume this execution at the node's own webhook
 * (COMPAT row 1): n8n 2.41 signs `$execution.resumeUrl` with `?signature=`,
 * which has to survive next to the node's own parameters, so the URL is
 * parsed rather than concatenated.
 * Test: pause.test.js "the execution waits, the callback resumes it …".
 */
export function resumeUrlForNode(context: IExecuteFunctions, nodeId: string): string {
	const resume = executionResumeUrl(context);
	resume.pathname = `${resume.pathname.replace(/\/+$/, '')}/${nodeId}`;
	return resume.toString();
}

/**
 * Data a node keeps in its own waiting execution, read back by its resume
 * webhook (COMPAT row 20). The node context (`getContext('node')`) is saved
 * with the execution when it starts waiting and loaded with it when n8n
 * resumes it, on both versions; `IWebhookFunctions` has no `getContext`, so the
 * webhook reads the value through the expression `$node[<name>].context[<key>]`,
 * which n8n resolves against the resumed execution's data. The name is written
 * as \u escapes so no node name can end the expression early.
 * Test: pause.test.js "the Khipu credential's JWT is replaced while the execution waits …".
 */
export function keepForResume(context: IExecuteFunctions, key: string, value: string): void {
	context.getContext('node')[key] = value;
}

function jsStringLiteral(text: string): string {
	return `"${Array.from(text, (char) => (/[A-Za-z0-9]/.test(char) ? char : escapeUnits(char))).join('')}"`;
}

function escapeUnits(char: string): string {
	let escaped = '';
	for (let i = 0; i < char.length; i++) escaped += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
	return escaped;
}

export function readKeptForResume(context: IWebhookFunctions, key: string): string | undefined {
	const node = jsStringLiteral(context.getNode().name);
	const value = context.evaluateExpression(`{{ $node[${node}].context[${jsStringLiteral(key)}] }}`, 0);
	return typeof value === 'string' ? value : undefined;
}

/**
 * This n8n's public webhook base, e.g. `http://127.0.0.1:5678/` (COMPAT row 23).
 * `getInstanceBaseUrl()` is that base on n8n 2.8.4 but the editor's base on
 * 2.41.1 (N8N_EDITOR_BASE_URL), so it is read from the resume URL instead:
 * `<base><waiting endpoint>/<execution id>[?signature=…]`, the last two path
 * segments dropped.
 * Test: trigger.test.js callback delivery to the trigger's own http URL, on both versions.
 */
export function webhookBaseUrl(context: IExecuteFunctions): URL {
	const base = executionResumeUrl(context);
	base.pathname = `${base.pathname.split('/').slice(0, -2).join('/')}/`;
	base.search = '';
	return base;
}

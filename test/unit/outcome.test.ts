import { adviceForType, failureFromOutcome } from '../../nodes/shared/khipu/failure';
import { classifyResponse, parseRetryAfter, summarizeBody, TITLE_SCAN_CHARS } from '../../nodes/shared/khipu/outcome';

const ok = {
	OperationId: 'op-1',
	Status: 'OK',
	Data: { Balance: [] },
	AdditionalInformation: null,
	Error: null,
	LifeSpan: null,
};
const err = (type: string) => ({
	...ok,
	Status: 'ERROR',
	Data: null,
	Error: { Code: 'E201', Type: type, Description: 'Servicio no disponible' },
});
const res = (
	statusCode: number,
	body: unknown,
	headers: Record<string, string> = { 'content-type': 'application/json' },
) => ({
	statusCode,
	headers,
	bodyText: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('classifyResponse', () => {
	it('tells results, acceptances and Khipu errors apart', () => {
		expect(classifyResponse(res(200, ok)).kind).toBe('result');
		expect(classifyResponse(res(202, { ...ok, Data: null, LifeSpan: '2026-11-25T10:00:00Z' })).kind).toBe('accepted');
		expect(classifyResponse(res(200, err('DO_NOT_RETRY'))).kind).toBe('khipuError');
		expect(classifyResponse(res(400, err('DO_NOT_RETRY'))).kind).toBe('khipuError');
	});

	it('treats non-JSON 2xx bodies and gateway pages as failures', () => {
		const html = '<html><head><title>504 Gateway Time-out</title></head></html>';
		expect(classifyResponse(res(200, html, { 'content-type': 'text/html' }))).toMatchObject({
			kind: 'notJson',
			httpStatus: 200,
		});
		const gateway = classifyResponse(res(504, html, { 'content-type': 'text/html; charset=utf-8' }));
		expect(gateway).toMatchObject({
			kind: 'httpError',
			httpStatus: 504,
			bodySummary: 'text/html page "504 Gateway Time-out"',
		});
		expect(classifyResponse(res(429, {}, { 'retry-after': '3' }))).toMatchObject({
			kind: 'httpError',
			retryAfterSeconds: 3,
		});
	});

	it('summarizes bodies without echoing them', () => {
		expect(summarizeBody('', undefined)).toBe('an empty body');
		expect(summarizeBody('x'.repeat(50), 'text/plain')).toBe('50 bytes of text/plain');
	});

	it('parses Retry-After as seconds or HTTP date', () => {
		expect(parseRetryAfter('7')).toBe(7);
		expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThanOrEqual(4);
		expect(parseRetryAfter('soon')).toBeNull();
		expect(parseRetryAfter(undefined)).toBeNull();
	});
});

describe('failure mapping', () => {
	it('marks only RETRY_IMMEDIATELY and 429 as retryable', () => {
		expect(failureFromOutcome(classifyResponse(res(200, err('RETRY_IMMEDIATELY'))), 1).details.retryable).toBe(true);
		for (const type of ['DO_NOT_RETRY', 'WAIT_4_HOURS_BEFORE_RETRY', 'RETRY_AFTER_NOTIFICATION']) {
			expect(failureFromOutcome(classifyResponse(res(200, err(type))), 1).details.retryable).toBe(false);
		}
		expect(
			failureFromOutcome(classifyResponse(res(429, 'slow down', { 'retry-after': '2' })), 1).details,
		).toMatchObject({
			retryable: true,
			retryAfterSeconds: 2,
		});
		expect(
			failureFromOutcome(classifyResponse(res(500, '<html></html>', { 'content-type': 'text/html' })), 1).details
				.retryable,
		).toBe(false);
	});

	it('gives the code, type and description in the message', () => {
		const failure = failureFromOutcome(classifyResponse(res(200, err('DO_NOT_RETRY'))), 1);
		expect(failure.message).toBe('Khipu error E201 (DO_NOT_RETRY): Servicio no disponible');
		expect(failure.toJson()).toMatchObject({ code: 'E201', type: 'DO_NOT_RETRY', operationId: 'op-1' });
	});

	it('says when to retry after a WAIT_4_HOURS_BEFORE_RETRY', () => {
		const now = new Date('2026-11-25T12:00:00.000Z');
		expect(adviceForType('WAIT_4_HOURS_BEFORE_RETRY', now, 1)).toContain('2026-11-25T16:00:00.000Z');
		expect(adviceForType('RETRY_AFTER_NOTIFICATION', now, 1)).toMatch(/after the account holder or Khipu/);
		expect(adviceForType('RETRY_IMMEDIATELY', now, 3)).toMatch(/tried 3 times/);
	});

	it('explains HTTP statuses', () => {
		expect(failureFromOutcome(classifyResponse(res(401, { message: 'Unauthorized' })), 1).details.advice).toMatch(
			/JWT or API key/,
		);
		expect(failureFromOutcome(classifyResponse(res(404, { message: 'Not Found' })), 1).details.advice).toMatch(
			/Base URL/,
		);
		expect(
			failureFromOutcome(classifyResponse(res(504, 'x', { 'content-type': 'text/html' })), 1).details.advice,
		).toMatch(/callback delivery/);
	});
});

describe('summarizeBody on long or hostile bodies (issue 20.7)', () => {
	/** Every string the title pattern was run on, by length, while `fn` runs. */
	function titleScans(fn: () => void): number[] {
		const scanned: number[] = [];
		const exec = RegExp.prototype.exec;
		const spy = jest.spyOn(RegExp.prototype, 'exec').mockImplementation(function (this: RegExp, input: string) {
			if (this.source.includes('<title')) scanned.push(input.length);
			return exec.call(this, input);
		});
		try {
			fn();
		} finally {
			spy.mockRestore();
		}
		return scanned;
	}

	const hostile = '<title'.repeat(40_000); // 240 KB of unclosed tags: quadratic for an unbounded pattern

	it('searches only the first 16 KB of a failure’s body for the title', () => {
		let outcome: ReturnType<typeof classifyResponse> | undefined;
		const scans = titleScans(() => {
			outcome = classifyResponse(res(502, hostile, { 'content-type': 'text/html' }));
		});
		expect(scans).toEqual([TITLE_SCAN_CHARS]);
		expect(outcome).toMatchObject({ kind: 'httpError', bodySummary: `${hostile.length} bytes of text/html` });
	});

	it('finds a title in the first 16 KB, not one after it', () => {
		const page = (padding: number) => `${' '.repeat(padding)}<html><head><title>502 Bad Gateway</title></head></html>`;
		expect(summarizeBody(page(1000), 'text/html')).toBe('text/html page "502 Bad Gateway"');
		expect(summarizeBody(page(TITLE_SCAN_CHARS), 'text/html')).toMatch(/^\d+ bytes of text\/html$/);
	});

	it('does not describe the body of a result or an acceptance at all', () => {
		const big = { ...ok, AdditionalInformation: hostile };
		expect(titleScans(() => expect(classifyResponse(res(200, big)).kind).toBe('result'))).toEqual([]);
		expect(titleScans(() => expect(classifyResponse(res(202, big)).kind).toBe('accepted'))).toEqual([]);
	});

	it('costs linear time inside the bound: 16 KB of "<title" is scanned in a bounded number of steps', () => {
		// The bound on the attribute part keeps each start position's work constant: a generous wall-clock
		// ceiling, far above the linear cost and far below the quadratic one (seconds for 240 KB unbounded).
		const started = performance.now();
		summarizeBody(hostile, 'text/html');
		expect(performance.now() - started).toBeLessThan(1000);
	});
});

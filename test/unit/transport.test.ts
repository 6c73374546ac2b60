import type { IHttpRequestOptions } from 'n8n-workflow';

import { abortAtTimeout } from '../../nodes/shared/transport';

describe('abortAtTimeout', () => {
	it('gives a request without a signal of ours one that aborts at its timeout, behind which n8n’s own timeout waits', async () => {
		const out = abortAtTimeout({ url: '/x', timeout: 30 });
		expect(out.abortSignal).toBeInstanceOf(AbortSignal);
		expect(out.timeout).toBeGreaterThan(30);
		const signal = out.abortSignal as AbortSignal;
		expect(signal.aborted).toBe(false);
		await new Promise((resolve) => signal.addEventListener('abort', resolve));
		expect(signal.aborted).toBe(true);
	});

	it('keeps the execution’s cancel signal working', () => {
		const cancel = new AbortController();
		const out = abortAtTimeout({ url: '/x', timeout: 60_000, abortSignal: cancel.signal });
		cancel.abort();
		expect((out.abortSignal as AbortSignal).aborted).toBe(true);
	});

	it('leaves a request that already carries one of its signals, or has no timeout, unchanged', () => {
		const once = abortAtTimeout({ url: '/x', timeout: 60_000 });
		expect(abortAtTimeout(once)).toBe(once);
		const untimed: IHttpRequestOptions = { url: '/x' };
		expect(abortAtTimeout(untimed)).toBe(untimed);
	});
});

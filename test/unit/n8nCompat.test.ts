import type { IExecuteFunctions } from 'n8n-workflow';

import { boundCredentialTest, isCredentialTestRequest, requestScope } from '../../nodes/shared/n8nCompat';

function contextWithCancel(cancel?: AbortSignal): IExecuteFunctions {
	return { getExecutionCancelSignal: () => cancel } as unknown as IExecuteFunctions;
}

describe('requestScope (COMPAT rows 14, 15)', () => {
	it('hands n8n a context whose cancel signal also fires at the request’s own timeout', async () => {
		const scope = requestScope(contextWithCancel(new AbortController().signal), 30);
		expect(scope.context.getExecutionCancelSignal()).toBe(scope.signal);
		await new Promise((resolve) => scope.signal.addEventListener('abort', resolve));
		expect(scope.timedOut()).toBe(true);
	});

	it('keeps the execution’s cancel signal working, and a stop is not reported as a timeout', () => {
		const cancel = new AbortController();
		const scope = requestScope(contextWithCancel(cancel.signal), 60_000);
		cancel.abort();
		expect(scope.signal.aborted).toBe(true);
		expect(scope.timedOut()).toBe(false);
	});
});

describe('credential test requests (COMPAT row 16)', () => {
	it('a request sent from a node’s request scope is not taken for the credential test; one without it is', () => {
		const scope = requestScope(contextWithCancel(), 60_000);
		expect(isCredentialTestRequest({ url: '/x', abortSignal: scope.signal })).toBe(false);
		expect(isCredentialTestRequest({ url: '/x' })).toBe(true);
		expect(isCredentialTestRequest({ url: '/x', abortSignal: new AbortController().signal })).toBe(true);
	});

	it('bounds n8n’s 300 s to the given limit with an abort at it, behind which n8n’s own timeout waits', async () => {
		const out = boundCredentialTest({ url: '/x', timeout: 300_000 }, 30);
		expect(out.timeout).toBeGreaterThan(30);
		expect(out.timeout).toBeLessThan(300_000);
		const signal = out.abortSignal as AbortSignal;
		expect(signal.aborted).toBe(false);
		await new Promise((resolve) => signal.addEventListener('abort', resolve));
		expect(signal.aborted).toBe(true);
	});

	it('keeps a signal n8n gave the test request working', () => {
		const cancel = new AbortController();
		const out = boundCredentialTest({ url: '/x', timeout: 300_000, abortSignal: cancel.signal }, 30_000);
		cancel.abort();
		expect((out.abortSignal as AbortSignal).aborted).toBe(true);
	});
});

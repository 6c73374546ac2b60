import type { IExecuteFunctions } from 'n8n-workflow';

import { ExecutionStoppedError, khipuRequest, type RequestPolicy } from '../../nodes/shared/khipu/request';
import { sleepUnlessStopped } from '../../nodes/shared/n8nCompat';

// Issue 20.8: Stop ends a retry wait. A 429 asks for 60 s; the execution is stopped while the node waits.
const policy: RequestPolicy = {
	retryTemporaryErrors: true,
	maxRetries: 3,
	retryDelayMs: 10,
	maxRetryAfterSeconds: 600,
	timeoutMs: 5000,
};
const connection = { baseUrl: 'http://khipu.invalid', credentials: { authType: 'jwt', jwtToken: 'test-only-jwt' } };

function throttledContext(cancel: AbortController, onRequest: () => void): IExecuteFunctions {
	const context = {
		getExecutionCancelSignal: () => cancel.signal,
		helpers: {
			httpRequestWithAuthentication: async () => {
				onRequest();
				return { statusCode: 429, headers: { 'retry-after': '60' }, body: '{"message":"Too Many Requests"}' };
			},
		},
	};
	return context as unknown as IExecuteFunctions;
}

describe('a Retry-After wait ends when the execution is stopped', () => {
	afterEach(() => jest.useRealTimers());

	it('rejects at the stop, not after 60 s, and sends nothing more', async () => {
		// The clock never moves: without the stop ending the wait, this test could only time out.
		jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick'] });
		const cancel = new AbortController();
		let requests = 0;
		const context = throttledContext(cancel, () => {
			requests++;
			queueMicrotask(() => cancel.abort());
		});
		await expect(khipuRequest(context, connection, '/v1/x', { RequestData: {} }, policy)).rejects.toBeDefined();
		expect(requests).toBe(1);
	});

	it('an execution stopped before a request sends none', async () => {
		const cancel = new AbortController();
		cancel.abort();
		let requests = 0;
		const context = throttledContext(cancel, () => requests++);
		await expect(khipuRequest(context, connection, '/v1/x', { RequestData: {} }, policy)).rejects.toBeInstanceOf(
			ExecutionStoppedError,
		);
		expect(requests).toBe(0);
	});
});

describe('sleepUnlessStopped (COMPAT row 24)', () => {
	it('waits the full time when nothing stops it', async () => {
		jest.useFakeTimers();
		let done = false;
		const wait = sleepUnlessStopped(1000, new AbortController().signal).then(() => (done = true));
		await jest.advanceTimersByTimeAsync(999);
		expect(done).toBe(false);
		await jest.advanceTimersByTimeAsync(1);
		await wait;
		expect(done).toBe(true);
		jest.useRealTimers();
	});

	it('uses sleep(ms, signal) where n8n-workflow has no sleepWithAbort (2.41)', async () => {
		await jest.isolateModulesAsync(async () => {
			const calls: unknown[][] = [];
			jest.doMock('n8n-workflow', () => ({
				...jest.requireActual('n8n-workflow'),
				sleepWithAbort: undefined,
				sleep: async (...args: unknown[]) => {
					calls.push(args);
				},
			}));
			const { sleepUnlessStopped: isolated } = await import('../../nodes/shared/n8nCompat');
			const signal = new AbortController().signal;
			await isolated(250, signal);
			expect(calls).toEqual([[250, signal]]);
		});
	});
});

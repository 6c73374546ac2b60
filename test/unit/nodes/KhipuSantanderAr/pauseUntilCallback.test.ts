import { KhipuSantanderAr } from '../../../../nodes/KhipuSantanderAr/KhipuSantanderAr.node';
import { callWebhook, type WebhookBody, type WebhookCall } from '../harness/callWebhook';
import { useFakeKhipu } from '../harness/fakeKhipu';
import {
	answerAccepted,
	answerOk,
	errorEnvelope,
	FAKE_JWT,
	jwtCredential,
	khipuError,
	okEnvelope,
} from '../harness/khipuFixtures';
import { asWorkflow, configure, runWorkflow, WAITING_BASE_URL, type WorkflowRun } from '../harness/runWorkflow';
import pauseJson from './pause.workflow.json';

const KHIPU = 'Khipu Santander AR';
const pauseWorkflow = asWorkflow(pauseJson);
const khipuNodeId = pauseWorkflow.nodes.find((node) => node.name === KHIPU)?.id;

const khipu = useFakeKhipu(answerAccepted);

const jwt = () => ({ khipuApi: jwtCredential(khipu.url) });

/** Runs the pause workflow for one account until it waits; returns the run and the URL Khipu was given. */
async function pause(accountNumber = '1001'): Promise<{ run: WorkflowRun; callbackUrl: URL }> {
	const run = await runWorkflow(pauseWorkflow, { credentials: jwt(), input: [{ accountNumber }] });
	expect(run.status).toBe('waiting');
	return { run, callbackUrl: new URL(String(khipu.requests.at(-1)?.body.CallbackUrl)) };
}

/** Khipu calling the resume URL of `run` with `query` and `body`; by default into the execution as n8n stored it. */
async function callBack(
	run: WorkflowRun,
	query: URLSearchParams,
	body: WebhookBody,
	{ execution = run.waiting(), credentials = jwt() }: Partial<Pick<WebhookCall, 'execution' | 'credentials'>> = {},
) {
	return await callWebhook(new KhipuSantanderAr(), {
		node: run.node(KHIPU),
		credentials,
		execution,
		query: Object.fromEntries(query),
		body,
	});
}

describe('execute(): pause until Khipu calls back', () => {
	it('gives Khipu this execution’s and node’s resume URL, with the account and a resume token', async () => {
		const { run, callbackUrl } = await pause('1001');

		expect(`${callbackUrl.origin}${callbackUrl.pathname}`).toBe(
			`${WAITING_BASE_URL}/${run.executionId}/${khipuNodeId}`,
		);
		expect(callbackUrl.searchParams.get('account')).toBe('1001');
		expect(callbackUrl.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{32}$/);
	});

	it('puts the execution to wait until the wait limit; the next node does not run yet', async () => {
		const before = Date.now();
		const { run } = await pause();

		const waitTill = new Date(run.result.waitTill as Date).getTime();
		expect(waitTill).toBeGreaterThanOrEqual(before + 10 * 60_000);
		expect(waitTill).toBeLessThanOrEqual(Date.now() + 10 * 60_000);
		expect(run.output('Next')).toBeUndefined();
	});

	it('the resume token is neither the JWT nor the same for two executions', async () => {
		const first = await pause('1001');
		const second = await pause('1001');

		const firstToken = first.callbackUrl.searchParams.get('token');
		expect(firstToken).not.toBe(second.callbackUrl.searchParams.get('token'));
		expect(first.callbackUrl.toString()).not.toContain(FAKE_JWT);
	});

	it('when the wait limit passes, the next node gets one TIMED_OUT item paired with the account', async () => {
		const { run } = await pause('1001');

		const resumed = await run.resume();

		expect(resumed.status).toBe('success');
		expect(resumed.output('Next')).toEqual([
			{
				json: {
					accountNumber: '1001',
					operationId: 'op-1001',
					status: 'TIMED_OUT',
					timedOut: true,
					message: 'Khipu did not call back within the wait limit of 10 minute(s)',
				},
				pairedItem: { item: 0 },
			},
		]);
	});

	it('two items fail naming the one-account limit, and nothing is sent', async () => {
		const run = await runWorkflow(pauseWorkflow, {
			credentials: jwt(),
			input: [{ accountNumber: '1001' }, { accountNumber: '1002' }],
		});

		expect(run.status).toBe('error');
		expect(run.error?.message).toBe(
			'"Pause This Workflow Until Khipu Calls Back" handles one account per execution, but 2 items arrived',
		);
		expect(khipu.requests).toHaveLength(0);
	});

	it('Khipu answering at once (200) needs no wait: the balances go on', async () => {
		khipu.answer(answerOk);

		const run = await runWorkflow(pauseWorkflow, { credentials: jwt(), input: [{ accountNumber: '1001' }] });

		expect(run.status).toBe('success');
		expect(run.json('Next')).toEqual([expect.objectContaining({ accountNumber: '1001', amount: 1500.25 })]);
	});

	it('a Khipu error under Continue On Fail is an error item, paired, and the execution does not wait', async () => {
		khipu.answer(() => khipuError('E101', 'DO_NOT_RETRY', 'Invalid account'));
		const workflow = configure(pauseWorkflow, KHIPU, { onError: 'continueRegularOutput' });

		const run = await runWorkflow(workflow, { credentials: jwt(), input: [{ accountNumber: '1001' }] });

		expect(run.status).toBe('success');
		expect(run.output('Next')).toEqual([
			{
				json: expect.objectContaining({ accountNumber: '1001', code: 'E101', type: 'DO_NOT_RETRY' }),
				pairedItem: { item: 0 },
			},
		]);
	});

	it('an account expression failing under Continue On Fail is an error item, paired; nothing is sent and nothing waits', async () => {
		const workflow = configure(pauseWorkflow, KHIPU, {
			onError: 'continueRegularOutput',
			parameters: { accountNumber: "={{ $json.accountNumber ?? $('No Such Node').item.json.accountNumber }}" },
		});

		const run = await runWorkflow(workflow, { credentials: jwt(), input: [{}] });

		expect(run.status).toBe('success');
		expect(run.output('Next')).toEqual([
			{ json: { error: "Referenced node doesn't exist", accountNumber: null }, pairedItem: { item: 0 } },
		]);
		expect(khipu.requests).toHaveLength(0);
	});
});

describe('webhook(): Khipu’s callback into the paused execution', () => {
	it('with the resume token: answered 200 at once, and the execution continues with the balances', async () => {
		const { run, callbackUrl } = await pause('1001');

		const answer = await callBack(run, callbackUrl.searchParams, okEnvelope('1001'));
		const resumed = await run.resume(answer.workflowData);

		expect(answer.status).toBe(200);
		expect(answer.body).toEqual({ received: true, operationId: 'op-1001' });
		expect(resumed.status).toBe('success');
		expect(resumed.output('Next')).toEqual([
			{
				json: expect.objectContaining({ accountNumber: '1001', amount: 1500.25, operationId: 'op-1001' }),
				pairedItem: { item: 0 },
			},
		]);
	});

	it('a wrong token is answered 401 and resumes nothing', async () => {
		const { run, callbackUrl } = await pause('1001');
		const query = new URLSearchParams(callbackUrl.searchParams);
		query.set('token', 'x'.repeat(32));

		const answer = await callBack(run, query, okEnvelope('1001'));

		expect(answer).toEqual({ status: 401, body: { error: 'Invalid resume token' }, workflowData: undefined });
	});

	it('only the digest kept in the waiting execution’s node context resumes it: without it, even the right token is 401', async () => {
		const { run, callbackUrl } = await pause('1001');
		const execution = run.waiting();
		const kept = execution.data.executionData!.contextData;
		expect(Object.keys(kept[`node:${KHIPU}`] ?? {})).toEqual(['khipuResumeDigest']);
		delete kept[`node:${KHIPU}`];

		const answer = await callBack(run, callbackUrl.searchParams, okEnvelope('1001'), { execution });

		expect(answer).toEqual({ status: 401, body: { error: 'Invalid resume token' }, workflowData: undefined });
	});

	it('the waiting execution keeps a digest, never the resume token itself', async () => {
		const { run, callbackUrl } = await pause('1001');
		const token = String(callbackUrl.searchParams.get('token'));

		const stored = JSON.stringify(run.waiting().data);

		expect(stored).toContain('khipuResumeDigest');
		expect(stored).not.toContain(token);
	});

	it('the Khipu credential replaced while the execution waits (a new JWT): the callback still resumes it', async () => {
		const { run, callbackUrl } = await pause('1001');
		const replaced = { khipuApi: { ...jwtCredential(khipu.url), jwtToken: 'dummy-jwt-0002' } };

		const answer = await callBack(run, callbackUrl.searchParams, okEnvelope('1001'), { credentials: replaced });
		const resumed = await run.resume(answer.workflowData);

		expect(answer.status).toBe(200);
		expect(resumed.status).toBe('success');
		expect(resumed.json('Next')).toEqual([expect.objectContaining({ accountNumber: '1001', amount: 1500.25 })]);
	});

	it('the token of another execution does not resume this one', async () => {
		const first = await pause('1001');
		const second = await pause('1001');

		const answer = await callBack(second.run, first.callbackUrl.searchParams, okEnvelope('1001'));

		expect(answer.status).toBe(401);
		expect(answer.workflowData).toBeUndefined();
	});

	it('the token is bound to the account: the same token for another account is refused', async () => {
		const { run, callbackUrl } = await pause('1001');
		const query = new URLSearchParams(callbackUrl.searchParams);
		query.set('account', '1002');

		const answer = await callBack(run, query, okEnvelope('1002'));

		expect(answer.status).toBe(401);
		expect(answer.workflowData).toBeUndefined();
	});

	it('an ERROR callback resumes with one ERROR item carrying Khipu’s code, type and advice', async () => {
		const { run, callbackUrl } = await pause('1001');

		const answer = await callBack(
			run,
			callbackUrl.searchParams,
			errorEnvelope('E103', 'RETRY_AFTER_NOTIFICATION', 'Confirm access', 'op-1001'),
		);

		expect(answer.status).toBe(200);
		expect(answer.workflowData).toEqual([
			[
				{
					json: expect.objectContaining({
						status: 'ERROR',
						accountNumber: '1001',
						error: 'Khipu error E103 (RETRY_AFTER_NOTIFICATION): Confirm access',
						code: 'E103',
						type: 'RETRY_AFTER_NOTIFICATION',
						advice: expect.stringMatching(/Retry only after/),
						operationId: 'op-1001',
					}),
					pairedItem: { item: 0 },
				},
			],
		]);
	});

	it('a body that is not a Khipu envelope is answered 400 and resumes nothing', async () => {
		const { run, callbackUrl } = await pause('1001');

		const answer = await callBack(run, callbackUrl.searchParams, { hello: 'world' });

		expect(answer.status).toBe(400);
		expect(answer.body).toEqual({ error: 'Not a Khipu callback: OperationId is missing or not a string' });
		expect(answer.workflowData).toBeUndefined();
	});
});

import { useFakeKhipu } from '../harness/fakeKhipu';
import { answerAccepted, answerOk, FAKE_JWT, jwtCredential, khipuError } from '../harness/khipuFixtures';
import type { ToolCall } from '../harness/nodeTypes';
import { asWorkflow, configure, runWorkflow } from '../harness/runWorkflow';
import toolJson from './tool.workflow.json';

const TOOL = 'Santander Balances';
const AGENT = 'AI Agent';
const toolWorkflow = asWorkflow(toolJson);

const khipu = useFakeKhipu(answerOk);

/** The agent calls the tool once per item of `calls` (the model's arguments); returns what each call got back. */
async function callTool(
	calls: object[],
	workflow = toolWorkflow,
	credentials = { khipuApi: jwtCredential(khipu.url) },
): Promise<ToolCall[]> {
	const run = await runWorkflow(workflow, { credentials, input: calls as Array<Record<string, string>> });
	expect(run.error).toBeUndefined();
	return (run.json(AGENT) ?? []) as unknown as ToolCall[];
}

describe('execute() as an AI tool', () => {
	it('the model’s account number is sent, and the model gets one compact answer', async () => {
		const [call] = await callTool([{ accountNumber: '1001' }]);

		expect(khipu.requests.map((request) => request.body.RequestData)).toEqual([{ AccountNumber: '1001' }]);
		expect(call).toEqual({
			tool: 'Santander_Balances',
			answer: [
				{
					status: 'OK',
					accountNumber: '1001',
					operationId: 'op-1001',
					balances: [
						{
							balanceType: 'InterimAvailable',
							creditDebitIndicator: 'Credit',
							amount: 1500.25,
							currency: 'ARS',
							dateTime: '2026-11-25T09:30:00-03:00',
						},
					],
				},
			],
		});
	});

	it('a Khipu error is an answer with the error type and advice, never a thrown error', async () => {
		khipu.answer(() => khipuError('E101', 'DO_NOT_RETRY', 'Invalid account'));

		const [call] = await callTool([{ accountNumber: '1001' }]);

		expect(call.threw).toBeUndefined();
		expect(call.answer).toEqual([
			{
				status: 'ERROR',
				accountNumber: '1001',
				error: 'Khipu error E101 (DO_NOT_RETRY): Invalid account',
				type: 'DO_NOT_RETRY',
				code: 'E101',
				operationId: 'op-error',
				advice: expect.stringMatching(/Retrying will not help/),
			},
		]);
	});

	it('an HTTP failure is an answer with the status, never a thrown error', async () => {
		khipu.answer(() => ({ status: 502, body: '<html><head><title>502 Bad Gateway</title></head></html>' }));

		const [call] = await callTool([{ accountNumber: '1001' }]);

		expect(call.threw).toBeUndefined();
		expect(call.answer).toEqual([
			expect.objectContaining({ status: 'ERROR', httpStatus: 502, advice: expect.any(String) }),
		]);
	});

	it('an account number over 20 characters is refused with advice to ask the user, and nothing is sent', async () => {
		const [call] = await callTool([{ accountNumber: '1'.repeat(21) }]);

		expect(call.answer).toEqual([
			{
				status: 'REFUSED',
				error: 'Account Number is 21 characters long; Khipu accepts at most 20',
				field: 'Account Number',
				advice: 'Nothing was sent to Khipu. Ask the user for the correct account number, then call the tool again.',
			},
		]);
		expect(khipu.requests).toHaveLength(0);
	});

	it('a broken credential is refused naming the field, without the secret, and nothing is sent', async () => {
		const [call] = await callTool([{ accountNumber: '1001' }], toolWorkflow, {
			khipuApi: { ...jwtCredential(khipu.url), jwtToken: `${FAKE_JWT} x` },
		});

		expect(call.answer).toEqual([expect.objectContaining({ status: 'REFUSED', field: 'JWT' })]);
		expect(JSON.stringify(call)).not.toContain(FAKE_JWT);
		expect(khipu.requests).toHaveLength(0);
	});

	it('Delivery "Pause This Workflow" is refused before any request: a waiting execution cannot answer a model', async () => {
		const workflow = configure(toolWorkflow, TOOL, { parameters: { delivery: 'resumeOnCallback' } });

		const [call] = await callTool([{ accountNumber: '1001' }], workflow);

		expect(call.answer).toEqual([expect.objectContaining({ status: 'REFUSED', field: 'Delivery' })]);
		expect(khipu.requests).toHaveLength(0);
	});

	it('callback delivery answers the model that Khipu accepted the request', async () => {
		khipu.answer(answerAccepted);
		const workflow = configure(toolWorkflow, TOOL, {
			parameters: {
				delivery: 'callbackUrl',
				callbackUrl: 'https://n8n.example.com/webhook/khipu',
				addCallbackToken: false,
			},
		});

		const [call] = await callTool([{ accountNumber: '1001' }], workflow);

		expect(call.answer).toEqual([
			expect.objectContaining({ status: 'ACCEPTED', accountNumber: '1001', operationId: 'op-1001' }),
		]);
	});

	it('each call is answered on its own: a failing call does not change the next one’s answer', async () => {
		khipu.answer((request) =>
			request.body.RequestData?.AccountNumber === '1001' ? khipuError('E101', 'DO_NOT_RETRY') : answerOk(request),
		);

		const calls = await callTool([{ accountNumber: '1001' }, { accountNumber: '1002' }]);

		expect(calls.map((call) => (call.answer as Array<{ status: string }>)[0].status)).toEqual(['ERROR', 'OK']);
	});
});

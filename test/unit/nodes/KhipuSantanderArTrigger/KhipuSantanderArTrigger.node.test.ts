import { mock } from 'jest-mock-extended';
import type { IDataObject, IHookFunctions } from 'n8n-workflow';

import { KhipuSantanderArTrigger } from '../../../../nodes/KhipuSantanderArTrigger/KhipuSantanderArTrigger.node';
import { GENERATE_TOKEN_COMMAND } from '../../../../nodes/shared/constants';
import { forgetAll } from '../../../../nodes/shared/dedupe';
import { callWebhook, nodeWithDefaults, WEBHOOK_URL, type WebhookCall } from '../harness/callWebhook';
import {
	balanceItem,
	callbackCredential,
	errorEnvelope,
	FAKE_CALLBACK_TOKEN,
	okEnvelope,
} from '../harness/khipuFixtures';

const trigger = new KhipuSantanderArTrigger();

/** Khipu's callback to the trigger: by default a valid one, with the token the node adds to the URL. */
async function callback(change: Partial<WebhookCall> & { parameters?: IDataObject } = {}) {
	const { parameters = {}, ...call } = change;
	return await callWebhook(trigger, {
		node: nodeWithDefaults(trigger, { parameters }),
		credentials: { khipuCallbackApi: callbackCredential },
		query: { account: '1001', reference: 'customer-1', token: FAKE_CALLBACK_TOKEN },
		body: okEnvelope('1001'),
		...call,
	});
}

beforeEach(() => forgetAll());

describe('webhook(): a valid callback', () => {
	it('is answered 200 with an acknowledgement at once, and starts the workflow', async () => {
		const answer = await callback();

		expect(answer.status).toBe(200);
		expect(answer.body).toEqual({ received: true, operationId: 'op-1001' });
		expect(answer.workflowData).toHaveLength(1);
	});

	it('gives one item per balance, with the account and reference from the URL and the URL with its token masked', async () => {
		const answer = await callback();

		expect(answer.workflowData).toEqual([
			[
				{
					json: { ...balanceItem('1001'), reference: 'customer-1', callbackUrl: `${WEBHOOK_URL}?token=***` },
				},
			],
		]);
		expect(JSON.stringify(answer.workflowData)).not.toContain(FAKE_CALLBACK_TOKEN);
	});

	it('without an account in the URL the items leave the account out rather than guess it', async () => {
		const answer = await callback({ query: { token: FAKE_CALLBACK_TOKEN } });

		const [item] = answer.workflowData?.[0] ?? [];
		expect(item.json).not.toHaveProperty('accountNumber');
		expect(item.json).not.toHaveProperty('reference');
		expect(item.json.amount).toBe(1500.25);
	});

	it('an ERROR callback gives one ERROR item with Khipu’s code, type and advice', async () => {
		const answer = await callback({ body: errorEnvelope('E101', 'DO_NOT_RETRY', 'Invalid account', 'op-1001') });

		expect(answer.workflowData?.[0]).toEqual([
			{
				json: expect.objectContaining({
					operationId: 'op-1001',
					status: 'ERROR',
					error: 'Khipu error E101 (DO_NOT_RETRY): Invalid account',
					code: 'E101',
					type: 'DO_NOT_RETRY',
					advice: expect.stringMatching(/Retrying will not help/),
					accountNumber: '1001',
				}),
			},
		]);
	});

	it('Output: Raw gives the callback body as received, with the account and reference', async () => {
		const answer = await callback({ parameters: { options: { output: 'raw' } } });

		expect(answer.workflowData?.[0][0].json).toEqual({
			...okEnvelope('1001'),
			accountNumber: '1001',
			reference: 'customer-1',
			callbackUrl: `${WEBHOOK_URL}?token=***`,
		});
	});
});

describe('webhook(): the token', () => {
	it('a callback without a token is answered 401 and starts nothing', async () => {
		const answer = await callback({ query: { account: '1001' } });

		expect(answer).toEqual({ status: 401, body: { error: 'Missing token' }, workflowData: undefined });
	});

	it('a wrong token is answered 403 and starts nothing', async () => {
		const answer = await callback({ query: { account: '1001', token: 'x'.repeat(32) } });

		expect(answer).toEqual({ status: 403, body: { error: 'Invalid token' }, workflowData: undefined });
	});

	it('a credential with a weak token makes the trigger answer 500 without saying more', async () => {
		const answer = await callback({ credentials: { khipuCallbackApi: { token: 'short' } }, query: { token: 'short' } });

		expect(answer.status).toBe(500);
		expect(answer.body).toEqual({ error: expect.stringMatching(/^Trigger is misconfigured/) });
		expect(answer.workflowData).toBeUndefined();
	});
});

describe('activation', () => {
	const activate = async (token: string) => {
		const context = mock<IHookFunctions>({
			getNode: () => nodeWithDefaults(trigger, { parameters: {} }),
			getNodeParameter: ((name: string, fallback?: unknown) => fallback) as IHookFunctions['getNodeParameter'],
			getCredentials: (async () => ({ token })) as IHookFunctions['getCredentials'],
		});
		return await trigger.webhookMethods.default.create.call(context);
	};

	it('succeeds with a strong token', async () => {
		await expect(activate(FAKE_CALLBACK_TOKEN)).resolves.toBe(true);
	});

	it('fails with a weak token, naming the credential field and the command that makes a token, and prints no token', async () => {
		const error = (await activate('short').then(
			() => undefined,
			(thrown: unknown) => thrown,
		)) as { message: string; description: string } | undefined;

		expect(error).toMatchObject({
			message: `Callback token (Khipu Callback Token API credential) must be 24 to 128 letters, digits, "-" or "_". Generate one with: ${GENERATE_TOKEN_COMMAND}`,
			description: 'Field: Token (Khipu Callback Token API credential)',
		});
		// No token in it: nothing as long as the shortest token accepted (24 URL-safe characters).
		expect(error?.message).not.toMatch(/[A-Za-z0-9_-]{24}/);
	});
});

describe('webhook(): the IP allowlist', () => {
	it('a caller outside the allowlist is answered 403 and starts nothing', async () => {
		const answer = await callback({ parameters: { ipAllowlist: '203.0.113.0/24' }, ip: '198.51.100.7' });

		expect(answer).toEqual({ status: 403, body: { error: 'Address not allowed' }, workflowData: undefined });
	});

	it('a caller inside the allowlist starts the workflow', async () => {
		const answer = await callback({ parameters: { ipAllowlist: '203.0.113.0/24, 2001:db8::/32' }, ip: '203.0.113.9' });

		expect(answer.status).toBe(200);
		expect(answer.workflowData).toHaveLength(1);
	});

	it('is checked before the token: a stranger learns nothing about the token', async () => {
		const answer = await callback({ parameters: { ipAllowlist: '203.0.113.0/24' }, ip: '198.51.100.7', query: {} });

		expect(answer.status).toBe(403);
	});
});

describe('webhook(): the body', () => {
	it('a body over Max Body Size is answered 413', async () => {
		const big = { ...okEnvelope('1001'), padding: 'x'.repeat(2048) };

		const answer = await callback({ parameters: { options: { maxBodyKb: 1 } }, body: big });

		expect(answer).toEqual({ status: 413, body: { error: 'Body larger than 1024 bytes' }, workflowData: undefined });
	});

	it('a body that is not JSON is answered 400', async () => {
		const answer = await callback({ body: { raw: Buffer.from('OperationId=1'), contentType: 'text/plain' } });

		expect(answer).toEqual({ status: 400, body: { error: 'Body is not valid JSON' }, workflowData: undefined });
	});

	it('a body that is not UTF-8 is answered 400 instead of being read with replaced characters', async () => {
		const latin1 = Buffer.from(JSON.stringify(okEnvelope('1001')).replace('op-1001', 'op-100\u00e9'), 'latin1');

		const answer = await callback({ body: { raw: latin1, contentType: 'text/plain' } });

		expect(answer).toEqual({ status: 400, body: { error: 'Body is not valid UTF-8' }, workflowData: undefined });
	});

	it('JSON that is not a Khipu envelope is answered 400, saying what is missing', async () => {
		const answer = await callback({ body: { OperationId: 'op-1001', Status: 'MAYBE' } });

		expect(answer).toEqual({
			status: 400,
			body: { error: 'Not a Khipu callback: Status must be "OK" or "ERROR"' },
			workflowData: undefined,
		});
	});
});

describe('webhook(): Start On', () => {
	it('OK Callbacks Only: an ERROR callback is acknowledged and starts nothing', async () => {
		const answer = await callback({
			parameters: { statuses: 'OK' },
			body: errorEnvelope('E101', 'DO_NOT_RETRY', 'x', 'op-1001'),
		});

		expect(answer.status).toBe(200);
		expect(answer.body).toEqual({
			received: true,
			operationId: 'op-1001',
			ignored: 'Status ERROR does not start this workflow',
		});
		expect(answer.workflowData).toBeUndefined();
	});

	it('ERROR Callbacks Only: an OK callback is acknowledged and starts nothing', async () => {
		const answer = await callback({ parameters: { statuses: 'ERROR' } });

		expect(answer.status).toBe(200);
		expect(answer.body).toMatchObject({ ignored: 'Status OK does not start this workflow' });
		expect(answer.workflowData).toBeUndefined();
	});

	it('On Empty: Start No Execution: a callback without balances is acknowledged and starts nothing', async () => {
		const answer = await callback({ parameters: { options: { onEmpty: 'nothing' } }, body: okEnvelope('1001', []) });

		expect(answer.status).toBe(200);
		expect(answer.body).toEqual({ received: true, operationId: 'op-1001', ignored: 'No balances' });
		expect(answer.workflowData).toBeUndefined();
	});
});

describe('webhook(): repeated deliveries in one process', () => {
	it('the same OperationId again is acknowledged as a duplicate and starts nothing', async () => {
		const staticData: IDataObject = {};

		const first = await callback({ staticData });
		const second = await callback({ staticData });

		expect(first.workflowData).toHaveLength(1);
		expect(second.status).toBe(200);
		expect(second.body).toEqual({ received: true, operationId: 'op-1001', duplicate: true });
		expect(second.workflowData).toBeUndefined();
	});

	it('a duplicate arriving before the first one was saved is caught by this process’s memory', async () => {
		// Simultaneous deliveries each read the static data before either request saved it.
		const first = await callback({ staticData: {} });
		const second = await callback({ staticData: {} });

		expect(first.workflowData).toHaveLength(1);
		expect(second.body).toEqual({ received: true, operationId: 'op-1001', duplicate: true });
		expect(second.workflowData).toBeUndefined();
	});

	it('a sender that left before the node ran: n8n still starts the execution, and a repeat is a duplicate at once', async () => {
		const staticData: IDataObject = {};

		const first = await callback({ staticData, senderLeft: true });
		// read before the first one's save: only this process's memory can catch it
		const second = await callback({ staticData: {} });

		expect(first.workflowData).toHaveLength(1);
		// without the fix the id stayed claimed: the repeat waited 60 s for an answer that had ended already
		expect(second.body).toEqual({ received: true, operationId: 'op-1001', duplicate: true });
		expect(second.workflowData).toBeUndefined();
	}, 5_000);

	it('another OperationId starts its own execution', async () => {
		const staticData: IDataObject = {};

		await callback({ staticData });
		const other = await callback({ staticData, body: okEnvelope('1002') });

		expect(other.workflowData).toHaveLength(1);
	});

	it('the OperationId is remembered in the trigger’s static data, as a fingerprint only', async () => {
		const staticData: IDataObject = {};

		await callback({ staticData });

		expect(Object.keys(staticData)).toEqual(['operationIds']);
		expect(String(staticData.operationIds)).toMatch(/^[0-9a-z]+ [A-Za-z0-9_-]{12}\n$/);
		expect(String(staticData.operationIds)).not.toContain('op-1001');
	});

	it('Ignore Repeated Deliveries 0: the same OperationId starts the workflow again', async () => {
		const staticData: IDataObject = {};
		const parameters = { options: { dedupeHours: 0 } };

		await callback({ parameters, staticData });
		const again = await callback({ parameters, staticData });

		expect(again.workflowData).toHaveLength(1);
	});
});

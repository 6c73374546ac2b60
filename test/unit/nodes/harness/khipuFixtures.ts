import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import { FAKE_CALLBACK_TOKEN } from '../../support/tokens';
// Types only: importing nock (fakeKhipu) would take over Node's HTTP module in files that do not use it.
import type { KhipuReply, KhipuRequest } from './fakeKhipu';

/** Plainly fake secrets ("dummy" marks a placeholder for n8n's lint): one found in an output is a leak. */
export const FAKE_JWT = 'dummy-jwt-0001';
export const FAKE_API_KEY = 'dummy-api-key-0001';
export const FAKE_ACCOUNT_LINK = 'dummy-account-link-0001';
export const FAKE_LOGIN = { documentNumberSecret: '12345678', username: 'testuser', pinPassword: '4321' };
export const SECRETS = [FAKE_JWT, FAKE_API_KEY, FAKE_ACCOUNT_LINK, FAKE_CALLBACK_TOKEN, FAKE_LOGIN.pinPassword];

export { FAKE_CALLBACK_TOKEN };

export function jwtCredential(baseUrl: string): ICredentialDataDecryptedObject {
	return { authType: 'jwt', jwtToken: FAKE_JWT, baseUrl };
}

export function accountLinkCredential(baseUrl: string): ICredentialDataDecryptedObject {
	return { authType: 'apiKeyAccountLink', apiKey: FAKE_API_KEY, accountLinkToken: FAKE_ACCOUNT_LINK, baseUrl };
}

export function santanderLoginCredential(baseUrl: string): ICredentialDataDecryptedObject {
	return { authType: 'apiKeySantanderLogin', apiKey: FAKE_API_KEY, ...FAKE_LOGIN, baseUrl };
}

export const callbackCredential: ICredentialDataDecryptedObject = { token: FAKE_CALLBACK_TOKEN };

/** OperationIds the fake derives from the account, so a test can tell answers apart. */
export const operationIdFor = (account: string) => `op-${account}`;

export const BALANCE_TIME = '2026-11-25T09:30:00-0300';

export function okEnvelope(account: string, balances?: object[]): object {
	return {
		OperationId: operationIdFor(account),
		Status: 'OK',
		Data: {
			Balance: balances ?? [
				{
					AccountId: `AR-${account}`,
					CreditDebitIndicator: 'Credit',
					DateTime: BALANCE_TIME,
					Type: 'InterimAvailable',
					Amount: [{ Amount: '1500.25', Currency: 'ARS' }],
				},
			],
		},
		AdditionalInformation: null,
		Error: null,
		LifeSpan: null,
	};
}

/** The item the node and the trigger make of okEnvelope(account)'s balance: the amount a number (no problem reading it), the time with its offset. */
export function balanceItem(account: string): IDataObject {
	return {
		accountNumber: account,
		accountId: `AR-${account}`,
		balanceType: 'InterimAvailable',
		creditDebitIndicator: 'Credit',
		amount: 1500.25,
		amountString: '1500.25',
		amountProblem: null,
		currency: 'ARS',
		dateTime: '2026-11-25T09:30:00-03:00',
		operationId: operationIdFor(account),
	};
}

export function acceptedEnvelope(account: string): object {
	return {
		OperationId: operationIdFor(account),
		Status: 'OK',
		Data: null,
		AdditionalInformation: null,
		Error: null,
		LifeSpan: 'PT10M',
	};
}

export function errorEnvelope(code: string, type: string, description: string, operationId = 'op-error'): object {
	return {
		OperationId: operationId,
		Status: 'ERROR',
		Data: null,
		AdditionalInformation: null,
		Error: { Code: code, Type: type, Description: description },
		LifeSpan: null,
	};
}

export function accountOf(request: KhipuRequest): string {
	return String(request.body.RequestData?.AccountNumber ?? '');
}

/** Khipu's synchronous answer: 200 with the account's balances. */
export const answerOk = (request: KhipuRequest): KhipuReply => ({ status: 200, body: okEnvelope(accountOf(request)) });

/** Khipu's answer when given a CallbackUrl: 202, the result comes later. */
export const answerAccepted = (request: KhipuRequest): KhipuReply => ({
	status: 202,
	body: acceptedEnvelope(accountOf(request)),
});

export const khipuError = (code: string, type: string, description = 'Test error'): KhipuReply => ({
	status: 200,
	body: errorEnvelope(code, type, description),
});

import type {
	IAuthenticate,
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import { BALANCES_PATH } from '../nodes/KhipuSantanderAr/actions/balance/getPendingCurrentDayBalances.operation';
import { DEFAULT_BASE_URL } from '../nodes/shared/constants';
import { buildAccountCredential, usesApiKey } from '../nodes/shared/khipu/accountCredential';
import { boundCredentialTest, isCredentialTestRequest } from '../nodes/shared/n8nCompat';

/** Khipu rejects the test's empty RequestData at once, so half a minute is plenty. */
const CREDENTIAL_TEST_TIMEOUT_MS = 30_000;

/**
 * Adds exactly one auth header, and in API-key mode the per-account credential,
 * so secrets only ever enter a request here and JWT mode never carries bank logins.
 * The bank login goes only into requests the Khipu node builds: n8n's own
 * requests for the credential (its test) never carry it, and get their own
 * time bound. No request signed here follows a redirect.
 */
const authenticate: IAuthenticate = async (
	credentials: ICredentialDataDecryptedObject,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> => {
	const fromNode = !isCredentialTestRequest(requestOptions);
	const signed = withoutRedirects(await signRequest(credentials, requestOptions, fromNode));
	return fromNode ? signed : boundCredentialTest(signed, CREDENTIAL_TEST_TIMEOUT_MS);
};

/**
 * A redirect would carry the API key (and the bank login) to wherever it
 * points. n8n's requests read `disableFollowRedirect`; requests in the older
 * request-library form (the HTTP Request node's) read the other two.
 */
function withoutRedirects(options: IHttpRequestOptions): IHttpRequestOptions {
	return Object.assign({}, options, { disableFollowRedirect: true, followRedirect: false, followAllRedirects: false });
}

async function signRequest(
	credentials: ICredentialDataDecryptedObject,
	requestOptions: IHttpRequestOptions,
	withAccountCredential: boolean,
): Promise<IHttpRequestOptions> {
	const headers: IDataObject = { ...(requestOptions.headers ?? {}) };
	for (const name of Object.keys(headers)) {
		const lower = name.toLowerCase();
		if (lower === 'authorization' || lower === 'x-api-key') delete headers[name];
	}
	if (!usesApiKey(credentials)) {
		headers.Authorization = `Bearer ${String(credentials.jwtToken ?? '').trim()}`;
		return { ...requestOptions, headers };
	}

	headers['x-api-key'] = String(credentials.apiKey ?? '').trim();
	const body = requestOptions.body;
	if (withAccountCredential && body && typeof body === 'object' && !Array.isArray(body) && 'RequestData' in body) {
		const requestData = (body as IDataObject).RequestData;
		if (requestData && typeof requestData === 'object' && !Array.isArray(requestData)) {
			return {
				...requestOptions,
				headers,
				body: {
					...(body as IDataObject),
					RequestData: {
						...(requestData as IDataObject),
						AccountCredential: buildAccountCredential(credentials),
					},
				},
			};
		}
	}
	return { ...requestOptions, headers };
}

export class KhipuApi implements ICredentialType {
	name = 'khipuApi';

	displayName = 'Khipu API';

	icon: Icon = { light: 'file:../icons/khipu.svg', dark: 'file:../icons/khipu.dark.svg' };

	documentationUrl = 'https://github.com/khipu-n8n/n8n-nodes-khipu-santander-ar#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Authentication',
			name: 'authType',
			type: 'options',
			options: [
				{
					name: 'JWT (Bearer Token)',
					value: 'jwt',
					description: 'Sent as Authorization: Bearer. Khipu’s recommended method.',
				},
				{
					name: 'API Key + Account Link Token (Deprecated by Khipu)',
					value: 'apiKeyAccountLink',
					description: 'Sent as x-api-key, with the per-account Account Link token Khipu then requires',
				},
				{
					name: 'API Key + Santander Online-Banking Login (Deprecated by Khipu)',
					value: 'apiKeySantanderLogin',
					description: 'Sent as x-api-key, with the Santander login Khipu then requires',
				},
			],
			default: 'jwt',
			// Always sent by the editor; n8n's public API decides what else is required from it.
			required: true,
		},
		{
			displayName: 'JWT',
			name: 'jwtToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { authType: ['jwt'] } },
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'Sent as x-api-key. The credential test checks this key and the Base URL ' +
				'only: it never sends the Account Link token or the Santander login, which ' +
				'the first balances request checks.',
			displayOptions: { show: { authType: [{ _cnd: { startsWith: 'apiKey' } }] } },
		},
		{
			displayName: 'Account Link Token',
			name: 'accountLinkToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Khipu requires this deprecated per-account credential with API keys; it is never sent with a JWT',
			displayOptions: { show: { authType: ['apiKeyAccountLink'] } },
		},
		{
			displayName: 'Document Number (DNI)',
			name: 'documentNumberSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: '6 to 11 digits, no dots',
			displayOptions: { show: { authType: ['apiKeySantanderLogin'] } },
		},
		{
			displayName: 'Username',
			name: 'username',
			type: 'string',
			default: '',
			required: true,
			description: 'Online-banking user ID, 1 to 20 characters',
			displayOptions: { show: { authType: ['apiKeySantanderLogin'] } },
		},
		{
			displayName: 'PIN',
			name: 'pinPassword',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The 4-digit online-banking password',
			displayOptions: { show: { authType: ['apiKeySantanderLogin'] } },
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: DEFAULT_BASE_URL,
			description: 'Change only to use a proxy or the local Khipu sandbox',
		},
	];

	authenticate = authenticate;

	/**
	 * An empty RequestData makes Khipu check the secret and then reject the body
	 * (400 with a Khipu envelope), so no bank account is touched. n8n's rules can
	 * only match the body, so: A000 or a gateway's "Unauthorized"/"Forbidden" means
	 * a bad secret, and a body without OperationId (a redirect's, for one) means
	 * the Base URL is not Khipu. In API-key modes the test proves the API key and
	 * the Base URL only: the Account Link token or bank login is never sent with it.
	 */
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: BALANCES_PATH,
			method: 'POST',
			body: { RequestData: {} },
			ignoreHttpStatusErrors: true,
			// authenticate() sets it for every request too; here it is also visible to n8n's own code.
			disableFollowRedirect: true,
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'Error.Code',
					value: 'A000',
					message: 'Khipu rejected the JWT or API key (A000: expired, revoked or invalid)',
				},
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'message',
					value: 'Unauthorized',
					message: 'Khipu rejected the JWT or API key (Unauthorized)',
				},
			},
			{
				type: 'responseSuccessBody',
				properties: { key: 'message', value: 'Forbidden', message: 'Khipu refused this JWT or API key (Forbidden)' },
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'OperationId',
					value: undefined,
					message: 'The Base URL did not answer like Khipu’s API (a redirect is never followed); check the Base URL',
				},
			},
		],
	};
}

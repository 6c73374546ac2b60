import { KhipuApi } from '../../credentials/KhipuApi.credentials';
import { authMode, buildAccountCredential, validateKhipuCredential } from '../../nodes/shared/khipu/accountCredential';
import { requestScope } from '../../nodes/shared/n8nCompat';
import type { IExecuteFunctions, IHttpRequestOptions, IAuthenticate } from 'n8n-workflow';

// Plainly fake values ("dummy" is what n8n's no-hardcoded-secrets rule reads as a placeholder).
const SECRETS = {
	jwt: 'dummy-jwt-value-123',
	apiKey: 'dummy-api-key-456',
	link: 'dummy-link-789',
	dni: '30111222',
	pin: '4321',
};

async function authenticate(credentials: Record<string, unknown>, options: IHttpRequestOptions) {
	const auth = new KhipuApi().authenticate as Extract<IAuthenticate, (...args: never[]) => unknown>;
	return await auth(credentials as never, options);
}

/** The signal a request sent by the Khipu node carries (transport.ts sends from a request scope). */
const nodeSignal = () =>
	requestScope({ getExecutionCancelSignal: () => undefined } as unknown as IExecuteFunctions, 60_000).signal;

describe('credential authenticate()', () => {
	const request: IHttpRequestOptions = {
		url: '/x',
		method: 'POST',
		headers: { 'x-api-key': 'stale', Authorization: 'stale' },
		body: { RequestData: { AccountNumber: '1' } },
		abortSignal: nodeSignal(),
	};

	it('JWT mode sends only the Bearer header and no account credential', async () => {
		const out = await authenticate(
			{ authType: 'jwt', jwtToken: SECRETS.jwt, apiKey: SECRETS.apiKey, accountLinkToken: SECRETS.link },
			request,
		);
		expect(out.headers).toEqual({ Authorization: `Bearer ${SECRETS.jwt}` });
		expect(out.body).toEqual({ RequestData: { AccountNumber: '1' } });
	});

	it('API-key mode sends only x-api-key and adds the Account Link credential', async () => {
		const out = await authenticate(
			{ authType: 'apiKeyAccountLink', apiKey: SECRETS.apiKey, jwtToken: SECRETS.jwt, accountLinkToken: SECRETS.link },
			request,
		);
		expect(out.headers).toEqual({ 'x-api-key': SECRETS.apiKey });
		expect(out.body).toEqual({ RequestData: { AccountNumber: '1', AccountCredential: { AccountLink: SECRETS.link } } });
		expect(request.body).toEqual({ RequestData: { AccountNumber: '1' } });
	});

	it('API-key mode with the Santander login sends DNI, username and PIN as strings', async () => {
		const out = await authenticate(
			{
				authType: 'apiKeySantanderLogin',
				apiKey: SECRETS.apiKey,
				documentNumberSecret: '00123456',
				username: 'maria01',
				pinPassword: SECRETS.pin,
			},
			request,
		);
		expect((out.body as { RequestData: { AccountCredential: unknown } }).RequestData.AccountCredential).toEqual({
			DocumentNumber: '00123456',
			Username: 'maria01',
			Password: SECRETS.pin,
		});
	});
});

describe('issue 20.4: no redirects, no bank login in the credential test', () => {
	const login = {
		apiKey: SECRETS.apiKey,
		accountLinkToken: SECRETS.link,
		documentNumberSecret: SECRETS.dni,
		username: 'maria01',
		pinPassword: SECRETS.pin,
	};
	const modes: Array<[string, Record<string, unknown>]> = [
		['jwt', { authType: 'jwt', jwtToken: SECRETS.jwt }],
		['apiKeyAccountLink', { authType: 'apiKeyAccountLink', ...login }],
		['apiKeySantanderLogin', { authType: 'apiKeySantanderLogin', ...login }],
		['apiKey (earlier shape, Account Link)', { authType: 'apiKey', ...login }],
		[
			'apiKey (earlier shape, Santander login)',
			{ authType: 'apiKey', accountCredentialType: 'santanderLogin', ...login },
		],
	];
	/** The credential's own test request as n8n hands it to authenticate(): no node signal. */
	const testRequest = () => ({ ...(new KhipuApi().test.request as IHttpRequestOptions), url: '/v1/x' });

	it.each(modes)('the test request carries no Account Link, DNI, username or PIN (%s)', async (_mode, credentials) => {
		const out = await authenticate(credentials, testRequest());
		expect(out.body).toEqual({ RequestData: {} });
		const sent = JSON.stringify(out.body);
		for (const secret of [
			SECRETS.link,
			SECRETS.dni,
			'maria01',
			SECRETS.pin,
			'AccountCredential',
			'DocumentNumber',
			'Username',
			'Password',
			'AccountLink',
		]) {
			expect(sent).not.toContain(secret);
		}
	});

	it('so does any request that is not the Khipu node’s own (e.g. another node using the credential)', async () => {
		const out = await authenticate(
			{ authType: 'apiKeySantanderLogin', ...login },
			{ url: '/x', method: 'POST', body: { RequestData: { AccountNumber: '1' } } },
		);
		expect(out.body).toEqual({ RequestData: { AccountNumber: '1' } });
	});

	it.each(modes)(
		'no request signed with the credential follows a redirect, in either request form (%s)',
		async (_mode, credentials) => {
			const legacyForm = {
				url: '/x',
				method: 'POST',
				followRedirect: true,
				followAllRedirects: true,
				maxRedirects: 21,
			} as IHttpRequestOptions;
			for (const options of [
				testRequest(),
				{ url: '/x', method: 'POST' as const, abortSignal: nodeSignal() },
				legacyForm,
			]) {
				const out = (await authenticate(credentials, options)) as IHttpRequestOptions & {
					followRedirect?: boolean;
					followAllRedirects?: boolean;
				};
				expect([out.disableFollowRedirect, out.followRedirect, out.followAllRedirects]).toEqual([true, false, false]);
			}
		},
	);

	it('the test request itself asks n8n not to follow redirects', () => {
		expect(new KhipuApi().test.request.disableFollowRedirect).toBe(true);
	});
});

describe('credential validation', () => {
	const base = {
		authType: 'apiKeySantanderLogin',
		apiKey: SECRETS.apiKey,
		documentNumberSecret: SECRETS.dni,
		username: 'maria01',
		pinPassword: SECRETS.pin,
	};

	it.each([
		[{ pinPassword: '123' }, 'PIN', /exactly 4 digits/],
		[{ pinPassword: '12345' }, 'PIN', /exactly 4 digits/],
		[{ pinPassword: '12a4' }, 'PIN', /exactly 4 digits/],
		[{ documentNumberSecret: '12345' }, 'Document Number', /6 to 11 digits/],
		[{ documentNumberSecret: '123456789012' }, 'Document Number', /6 to 11 digits/],
		[{ documentNumberSecret: '30A11222' }, 'Document Number', /6 to 11 digits/],
		[{ username: '' }, 'Username', /1 to 20 characters/],
		[{ username: 'u'.repeat(21) }, 'Username', /1 to 20 characters/],
		[{ apiKey: '' }, 'API Key', /no API key/],
	])('rejects %p naming %s without echoing secrets', (override, field, message) => {
		const data = { ...base, ...override };
		let caught: { field?: string; message: string } | undefined;
		try {
			validateKhipuCredential(data);
		} catch (error) {
			caught = error as { field?: string; message: string };
		}
		expect(caught?.field).toBe(field);
		expect(caught?.message).toMatch(message);
		for (const secret of [SECRETS.apiKey, SECRETS.pin, SECRETS.dni, '12345', '123']) {
			if (secret.length >= 4) expect(caught?.message).not.toContain(secret);
		}
	});

	it('requires an Account Link token in Account Link mode', () => {
		expect(() => buildAccountCredential({ authType: 'apiKeyAccountLink', accountLinkToken: '' })).toThrow(
			/Account Link token/,
		);
	});

	it('JWT mode needs a JWT without whitespace', () => {
		expect(validateKhipuCredential({ authType: 'jwt', jwtToken: 'abc.def.ghi' })).toBe('jwt');
		expect(() => validateKhipuCredential({ authType: 'jwt', jwtToken: '' })).toThrow(/no JWT/);
		expect(() => validateKhipuCredential({ authType: 'jwt', jwtToken: 'abc def' })).toThrow(/spaces/);
	});
});

describe('authentication modes', () => {
	it('one field picks the mode; credentials saved with the earlier two-field shape are still read', () => {
		expect(authMode({ authType: 'jwt' })).toBe('jwt');
		expect(authMode({ authType: 'apiKeyAccountLink' })).toBe('apiKeyAccountLink');
		expect(authMode({ authType: 'apiKeySantanderLogin' })).toBe('apiKeySantanderLogin');
		expect(authMode({ authType: 'apiKey', accountCredentialType: 'santanderLogin' })).toBe('apiKeySantanderLogin');
		expect(authMode({ authType: 'apiKey' })).toBe('apiKeyAccountLink');
		expect(authMode({})).toBe('jwt');
	});

	it('the Santander login fields show only in their mode, the API key in both API-key modes', () => {
		const properties = new KhipuApi().properties;
		const shownIn = (name: string) => {
			const show = properties.find((p) => p.name === name)?.displayOptions?.show?.authType ?? [];
			return ['jwt', 'apiKeyAccountLink', 'apiKeySantanderLogin'].filter((mode) =>
				show.some(
					(rule) =>
						rule === mode ||
						(typeof rule === 'object' &&
							rule !== null &&
							mode.startsWith(String((rule as { _cnd: { startsWith: string } })._cnd.startsWith))),
				),
			);
		};
		expect(shownIn('jwtToken')).toEqual(['jwt']);
		expect(shownIn('apiKey')).toEqual(['apiKeyAccountLink', 'apiKeySantanderLogin']);
		expect(shownIn('accountLinkToken')).toEqual(['apiKeyAccountLink']);
		for (const name of ['documentNumberSecret', 'username', 'pinPassword'])
			expect(shownIn(name)).toEqual(['apiKeySantanderLogin']);
	});
});

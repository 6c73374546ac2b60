import { KhipuApi } from '../../credentials/KhipuApi.credentials';
import { authMode, buildAccountCredential, validateKhipuCredential } from '../../nodes/shared/khipu/accountCredential';
import type { IHttpRequestOptions, IAuthenticate } from 'n8n-workflow';

// Plainly fake values ("dummy" is what n8n's no-hardcoded-secrets rule reads as a placeholder).
const SECRETS = { jwt: 'dummy-jwt-value-123', apiKey: 'dummy-api-key-456', link: 'dummy-link-789', dni: '30111222', pin: '4321' };

async function authenticate(credentials: Record<string, unknown>, options: IHttpRequestOptions) {
	const auth = new KhipuApi().authenticate as Extract<IAuthenticate, (...args: never[]) => unknown>;
	return await auth(credentials as never, options);
}

describe('credential authenticate()', () => {
	const request: IHttpRequestOptions = {
		url: '/x',
		method: 'POST',
		headers: { 'x-api-key': 'stale', Authorization: 'stale' },
		body: { RequestData: { AccountNumber: '1' } },
	};

	it('JWT mode sends only the Bearer header and no account credential', async () => {
		const out = await authenticate({ authType: 'jwt', jwtToken: SECRETS.jwt, apiKey: SECRETS.apiKey, accountLinkToken: SECRETS.link }, request);
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

describe('credential validation', () => {
	const base = { authType: 'apiKeySantanderLogin', apiKey: SECRETS.apiKey, documentNumberSecret: SECRETS.dni, username: 'maria01', pinPassword: SECRETS.pin };

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
		expect(() => buildAccountCredential({ authType: 'apiKeyAccountLink', accountLinkToken: '' })).toThrow(/Account Link token/);
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
				show.some((rule) => rule === mode || (typeof rule === 'object' && rule !== null && mode.startsWith(String((rule as { _cnd: { startsWith: string } })._cnd.startsWith)))),
			);
		};
		expect(shownIn('jwtToken')).toEqual(['jwt']);
		expect(shownIn('apiKey')).toEqual(['apiKeyAccountLink', 'apiKeySantanderLogin']);
		expect(shownIn('accountLinkToken')).toEqual(['apiKeyAccountLink']);
		for (const name of ['documentNumberSecret', 'username', 'pinPassword']) expect(shownIn(name)).toEqual(['apiKeySantanderLogin']);
	});
});

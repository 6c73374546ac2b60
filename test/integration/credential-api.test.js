'use strict';
// Issue 13.2: n8n's public API (POST /api/v1/credentials) creates the Khipu credential with
// exactly the fields the editor asks for in each mode, refuses what is missing or unknown,
// and each created credential then works in the node against the sandbox.

const { DEFAULT_RUNTIME } = require('../../tools/runtime/paths');
const { pinnedN8n } = require('../../tools/runtime/runtimes');
const { startTestStack, runAccounts, SECRETS } = require('./support/stack');
const { balancesWorkflow, deployWorkflow } = require('../../tools/workflows/workflows');
const { nodeOutput } = require('../../tools/n8n-client/executions');

jest.setTimeout(120_000);

const RUNTIME = process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME;
const N8N_VERSION = pinnedN8n(RUNTIME);

let stack;

beforeAll(async () => {
	stack = await startTestStack();
}, 900_000);

afterAll(async () => {
	if (stack) await stack.stop();
}, 30_000);

/** What the editor shows, and so asks for, in each mode (plus n8n's own domain setting). */
function editorFields() {
	const common = { baseUrl: stack.sandbox.url, allowedHttpRequestDomains: 'all' };
	return {
		jwt: { authType: 'jwt', jwtToken: SECRETS.jwt, ...common },
		apiKeyAccountLink: {
			authType: 'apiKeyAccountLink',
			apiKey: SECRETS.apiKey,
			accountLinkToken: SECRETS.accountLink,
			...common,
		},
		apiKeySantanderLogin: {
			authType: 'apiKeySantanderLogin',
			apiKey: SECRETS.apiKey,
			documentNumberSecret: SECRETS.documentNumber,
			username: SECRETS.username,
			pinPassword: SECRETS.pin,
			...common,
		},
	};
}

async function create(data) {
	try {
		const created = await stack.client.createCredential({
			name: `api ${stack.uniquePath('cred')}`,
			type: 'khipuApi',
			data,
		});
		return { accepted: true, created };
	} catch (error) {
		if (error.status !== 400) throw error;
		return { accepted: false, message: String(error.body?.message ?? error.message) };
	}
}

function without(data, ...names) {
	const copy = { ...data };
	for (const name of names) delete copy[name];
	return copy;
}

describe.each([
	['jwt', 'jwt', null],
	['apiKeyAccountLink', 'apiKey', 'AccountLink'],
	['apiKeySantanderLogin', 'apiKey', 'SantanderLogin'],
])('mode %s', (mode, authScheme, accountCredentialKind) => {
	test('the editor’s fields alone are accepted, and the credential works in the node', async () => {
		const result = await create(editorFields()[mode]);
		expect(result).toMatchObject({ accepted: true });
		await stack.sandbox.state.reset();
		const hook = stack.uniquePath('api');
		const workflow = await deployWorkflow(stack, balancesWorkflow({ path: hook, credential: result.created }));
		const { execution } = await runAccounts(stack, workflow, hook, ['000011887755']);
		expect(nodeOutput(execution).map((item) => item.json.amount)).toEqual([125000]);
		const requests = stack.sandbox.state.requests().filter((r) => r.path.startsWith('/v1/'));
		expect(requests.map((r) => [r.authScheme, r.authValid, r.accountCredentialKind])).toEqual([
			[authScheme, true, accountCredentialKind],
		]);
	});
});

describe('refusals that remain', () => {
	test.each([
		['JWT mode without the JWT', 'jwt', ['jwtToken'], 'jwtToken'],
		['Account Link mode without the API key', 'apiKeyAccountLink', ['apiKey'], 'apiKey'],
		['Account Link mode without the Account Link token', 'apiKeyAccountLink', ['accountLinkToken'], 'accountLinkToken'],
		['Santander login mode without the API key', 'apiKeySantanderLogin', ['apiKey'], 'apiKey'],
		[
			'Santander login mode without the Document Number',
			'apiKeySantanderLogin',
			['documentNumberSecret'],
			'documentNumberSecret',
		],
		['Santander login mode without the Username', 'apiKeySantanderLogin', ['username'], 'username'],
		['Santander login mode without the PIN', 'apiKeySantanderLogin', ['pinPassword'], 'pinPassword'],
		['no authentication mode', 'jwt', ['authType'], 'authType'],
	])('%s', async (_name, mode, drop, field) => {
		const result = await create(without(editorFields()[mode], ...drop));
		expect(result.accepted).toBe(false);
		expect(result.message).toContain(field);
	});

	test('an unknown authentication mode and a field the credential does not have', async () => {
		const unknownMode = await create({ ...editorFields().jwt, authType: 'basic' });
		expect(unknownMode.accepted).toBe(false);
		expect(unknownMode.message).toMatch(/jwt,apiKeyAccountLink,apiKeySantanderLogin/);
		const extra = await create({ ...editorFields().apiKeyAccountLink, accountCredentialType: 'accountLink' });
		expect(extra.accepted).toBe(false);
		expect(extra.message).toMatch(/accountCredentialType/);
	});

	test('no refusal message echoes a secret', async () => {
		const result = await create(without(editorFields().apiKeySantanderLogin, 'username'));
		for (const secret of [SECRETS.apiKey, SECRETS.pin, SECRETS.documentNumber])
			expect(result.message).not.toContain(secret);
	});
});

test(`n8n's own allowedHttpRequestDomains (n8n ${N8N_VERSION}): 2.8 refuses a credential without it, 2.41 does not`, async () => {
	const result = await create(without(editorFields().jwt, 'allowedHttpRequestDomains'));
	if (N8N_VERSION.startsWith('2.8.')) {
		expect(result.accepted).toBe(false);
		expect(result.message).toMatch(/allowedDomains/);
	} else {
		expect(result.accepted).toBe(true);
	}
});

'use strict';
// This package's credentials, created on a running n8n through its public API.

/** A Khipu credential (JWT) for `baseUrl`: the sandbox, or a proxy in front of it. */
function jwtCredential(client, { name, jwt, baseUrl }) {
	// n8n 2.8.4's public API wants allowedHttpRequestDomains on credentials with an authenticate(): the UI's default
	return client.createCredential({
		name,
		type: 'khipuApi',
		data: { authType: 'jwt', jwtToken: jwt, baseUrl, allowedHttpRequestDomains: 'all' },
	});
}

/**
 * The khipuCallbackApi credential holding `token`, created once per token and stack (the trigger and the
 * balances node that calls it share it, as a user would).
 */
async function callbackCredential(stack, token) {
	stack.callbackCredentials ||= new Map();
	if (!stack.callbackCredentials.has(token)) {
		stack.callbackCredentials.set(
			token,
			stack.client.createCredential({
				name: `Khipu callback token ${stack.callbackCredentials.size + 1}`,
				type: 'khipuCallbackApi',
				data: { token },
			}),
		);
	}
	return stack.callbackCredentials.get(token);
}

module.exports = { jwtCredential, callbackCredential };

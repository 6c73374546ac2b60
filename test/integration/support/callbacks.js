'use strict';
// For the callback suites (trigger.test.js, pause.test.js): startTestStack() plus a proxy in front of the sandbox
// that records the CallbackUrl each node sends, and small helpers for comparing what n8n stored.
const crypto = require('node:crypto');

const { DEFAULT_JWT } = require('../../../tools/sandbox/server');
const { startRecordingProxy } = require('../../../tools/stack/recording-proxy');
const { jwtCredential } = require('../../../tools/workflows/credentials');
const { startTestStack } = require('./stack');

/**
 * startTestStack() plus a recording proxy in front of the sandbox and a JWT credential
 * (`credentials.jwtRecorded`) that reaches the sandbox through it.
 */
async function startCallbackStack(options = {}) {
	const stack = await startTestStack(options);
	let proxy;
	try {
		proxy = await startRecordingProxy(stack.sandbox.url);
		stack.credentials.jwtRecorded = await jwtCredential(stack.client, {
			name: 'Khipu sandbox (JWT, recorded)',
			jwt: DEFAULT_JWT,
			baseUrl: proxy.url,
		});
	} catch (error) {
		if (proxy) await proxy.close();
		await stack.stop();
		throw error;
	}
	const stopStack = stack.stop;
	stack.proxy = proxy;
	stack.stop = async () => {
		await stopStack();
		await proxy.close();
	};
	return stack;
}

/** A URL-safe token of the given length (letters and digits only). */
function makeToken(length = 32) {
	let out = '';
	while (out.length < length) out += crypto.randomBytes(length).toString('base64url').replace(/[-_]/g, '');
	return out.slice(0, length);
}

/** Replaces a saved credential's data through n8n's public API, as a user rotating a secret would. */
async function replaceCredentialData(client, credential, data) {
	return client.api('PATCH', `/credentials/${encodeURIComponent(credential.id)}`, { data });
}

function without(object, keys) {
	const copy = { ...object };
	for (const key of keys) delete copy[key];
	return copy;
}

module.exports = { startCallbackStack, makeToken, replaceCredentialData, without };

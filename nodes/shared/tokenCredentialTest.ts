import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';

import { validateCallbackToken } from './token';

/**
 * Runs when the credential is saved or retested: a weak token is reported at
 * once, with a freshly generated one to paste, instead of only at activation.
 */
export async function testCallbackToken(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	try {
		validateCallbackToken(credential.data?.token);
	} catch (error) {
		return { status: 'Error', message: error instanceof Error ? error.message : 'The token could not be checked' };
	}
	return { status: 'OK', message: 'The token is strong enough for a callback URL' };
}

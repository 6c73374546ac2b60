import {
	ICredentialsHelper,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type ICredentialType,
	type IHttpRequestOptions,
	type INodeProperties,
} from 'n8n-workflow';

import { KhipuApi } from '../../../../credentials/KhipuApi.credentials';
import { KhipuCallbackApi } from '../../../../credentials/KhipuCallbackApi.credentials';

const CREDENTIAL_TYPES: Record<string, ICredentialType> = {
	khipuApi: new KhipuApi(),
	khipuCallbackApi: new KhipuCallbackApi(),
};

/**
 * n8n's credential store for one test: hands the node the credential data the
 * test supplies (by type, as n8n would after decrypting), and signs requests with
 * the credential type's own authenticate(), as n8n does before every request
 * the node sends through httpRequestWithAuthentication.
 */
export class TestCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly byType: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}

	async getDecrypted(
		_additionalData: unknown,
		_nodeCredentials: unknown,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const data = this.byType[type];
		if (!data) throw new Error(`The test supplied no "${type}" credential`);
		return { ...data };
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const authenticate = CREDENTIAL_TYPES[typeName]?.authenticate;
		if (typeof authenticate !== 'function')
			throw new Error(`No authenticate() function for credential type "${typeName}"`);
		return await authenticate(credentials, requestOptions);
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	getParentTypes(): string[] {
		return [];
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		return CREDENTIAL_TYPES[type]?.properties ?? [];
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('Not used by these nodes');
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}
}

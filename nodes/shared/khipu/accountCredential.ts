import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import { LIMITS } from '../constants';
import { hasControlChars } from '../text';
import { InputError } from '../validation';

export type AuthType = 'jwt' | 'apiKey';
export type AuthMode = 'jwt' | 'apiKeyAccountLink' | 'apiKeySantanderLogin';

interface CredentialChoice {
	authType?: unknown;
	accountCredentialType?: unknown;
}

/**
 * One field picks the whole mode, so n8n's public API (which reads one display condition per
 * field) requires exactly the fields the editor shows. Credentials saved before that, with
 * `apiKey` plus a separate account-credential choice, are still read.
 */
export function authMode(data: CredentialChoice): AuthMode {
	if (data.authType === 'apiKeyAccountLink' || data.authType === 'apiKeySantanderLogin') return data.authType;
	if (data.authType === 'apiKey') {
		return data.accountCredentialType === 'santanderLogin' ? 'apiKeySantanderLogin' : 'apiKeyAccountLink';
	}
	return 'jwt';
}

export function usesApiKey(data: CredentialChoice): boolean {
	return authMode(data) !== 'jwt';
}

function secretField(data: ICredentialDataDecryptedObject, name: string): string {
	const value = data[name];
	if (typeof value === 'number') return String(value);
	return typeof value === 'string' ? value.trim() : '';
}

/**
 * Checks the credential before any request is sent. Messages name the field and
 * the rule but never echo the value: these fields are bank secrets.
 */
export function validateKhipuCredential(data: ICredentialDataDecryptedObject): AuthType {
	const authType: AuthType = usesApiKey(data) ? 'apiKey' : 'jwt';
	if (authType === 'jwt') {
		const jwt = secretField(data, 'jwtToken');
		if (!jwt) throw new InputError('JWT', 'The Khipu credential has no JWT');
		if (hasControlChars(jwt) || /\s/.test(jwt)) {
			throw new InputError('JWT', 'The Khipu credential JWT contains spaces or control characters');
		}
		return authType;
	}
	const apiKey = secretField(data, 'apiKey');
	if (!apiKey) throw new InputError('API Key', 'The Khipu credential has no API key');
	if (hasControlChars(apiKey) || /\s/.test(apiKey)) {
		throw new InputError('API Key', 'The Khipu credential API key contains spaces or control characters');
	}
	buildAccountCredential(data);
	return authType;
}

/**
 * Khipu makes the deprecated per-account credential mandatory in API-key mode;
 * both shapes come from its schema (AccountLinkCredential and
 * BancoSantanderArgentinaAuthCredential). Numbers are sent as strings so DNI
 * leading zeros survive.
 */
export function buildAccountCredential(data: ICredentialDataDecryptedObject): IDataObject {
	if (authMode(data) !== 'apiKeySantanderLogin') {
		const accountLink = secretField(data, 'accountLinkToken');
		if (!accountLink) {
			throw new InputError(
				'Account Link',
				'API-key mode needs an Account Link token (or the Santander online-banking login) in the Khipu credential',
			);
		}
		if (hasControlChars(accountLink)) {
			throw new InputError('Account Link', 'The Account Link token contains control characters');
		}
		return { AccountLink: accountLink };
	}

	const documentNumber = secretField(data, 'documentNumberSecret');
	const username = secretField(data, 'username');
	const pin = secretField(data, 'pinPassword');
	if (
		!/^[0-9]+$/.test(documentNumber) ||
		documentNumber.length < LIMITS.documentNumberMin ||
		documentNumber.length > LIMITS.documentNumberMax
	) {
		throw new InputError(
			'Document Number',
			`Document Number (DNI) must be ${LIMITS.documentNumberMin} to ${LIMITS.documentNumberMax} ` +
				'digits, with no letters, dots or spaces',
		);
	}
	if (username.length < LIMITS.usernameMin || username.length > LIMITS.usernameMax || hasControlChars(username)) {
		throw new InputError(
			'Username',
			`Username must be ${LIMITS.usernameMin} to ${LIMITS.usernameMax} characters, without control characters`,
		);
	}
	if (!new RegExp(`^[0-9]{${LIMITS.pinLength}}$`).test(pin)) {
		throw new InputError('PIN', `PIN must be exactly ${LIMITS.pinLength} digits`);
	}
	return { DocumentNumber: documentNumber, Username: username, Password: pin };
}

import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import { LIMITS } from './constants';
import { hasControlChars } from './text';
import { InputError } from './validation';

export type AuthType = 'jwt' | 'apiKey';
export type AccountCredentialKind = 'accountLink' | 'santanderLogin';

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
	const authType = data.authType === 'apiKey' ? 'apiKey' : 'jwt';
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
	const kind: AccountCredentialKind =
		data.accountCredentialType === 'santanderLogin' ? 'santanderLogin' : 'accountLink';
	if (kind === 'accountLink') {
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
			`Document Number (DNI) must be ${LIMITS.documentNumberMin} to ${LIMITS.documentNumberMax} digits, with no letters, dots or spaces`,
		);
	}
	if (
		username.length < LIMITS.usernameMin ||
		username.length > LIMITS.usernameMax ||
		hasControlChars(username)
	) {
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

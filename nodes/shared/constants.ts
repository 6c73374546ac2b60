/** Credential type name; workflows store it, so it must never change. */
export const KHIPU_CREDENTIAL_TYPE = 'khipuApi';

/** The callback token's credential type; the trigger and the callback delivery share it. */
export const KHIPU_CALLBACK_CREDENTIAL_TYPE = 'khipuCallbackApi';

export const MIN_TOKEN_LENGTH = 24;
export const MAX_TOKEN_LENGTH = 128;

/** What the credential and the weak-token error tell users to run for a strong token. */
export const GENERATE_TOKEN_COMMAND = `node -e "console.log(require('crypto').randomBytes(24).toString('base64url'))"`;

export const DEFAULT_BASE_URL = 'https://api.khipu.com';

/** Limits from Khipu's published schema for this endpoint. */
export const LIMITS = {
	accountNumber: 20,
	callbackUrl: 255,
	operationId: 36,
	documentNumberMin: 6,
	documentNumberMax: 11,
	usernameMin: 1,
	usernameMax: 20,
	pinLength: 4,
} as const;

export const ERROR_TYPES = [
	'RETRY_IMMEDIATELY',
	'DO_NOT_RETRY',
	'WAIT_4_HOURS_BEFORE_RETRY',
	'RETRY_AFTER_NOTIFICATION',
] as const;

export type KhipuErrorType = (typeof ERROR_TYPES)[number];

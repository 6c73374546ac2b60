/**
 * A callback token of the accepted form (32 URL-safe characters) that is plainly not a real secret
 * ("dummy" is what n8n's no-hardcoded-secrets rule reads as a placeholder).
 */
export const FAKE_CALLBACK_TOKEN = 'dummy_callback_token_00000000001';

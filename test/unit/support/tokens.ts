/** A callback token of the accepted form (32 URL-safe characters) that is plainly not a real secret. */
export const FAKE_CALLBACK_TOKEN = 'test_only_callback_token_0000001';

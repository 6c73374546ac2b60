import type { INodeProperties } from 'n8n-workflow';

/**
 * The largest callback body accepted, shared by the trigger and pause mode: the
 * same result must fit both ways in. 20,000 sandbox balances take 3,537,934
 * bytes (3,455 KB); the default leaves room above that. n8n itself refuses
 * bodies over N8N_PAYLOAD_SIZE_MAX (16 MiB by default) before any node runs.
 */
export const MAX_BODY_KB = { min: 1, max: 16_384, default: 4096 } as const;

export function maxBodySizeOption(tooLarge: string): INodeProperties {
	return {
		displayName: 'Max Body Size (KB)',
		name: 'maxBodyKb',
		type: 'number',
		typeOptions: { minValue: MAX_BODY_KB.min, maxValue: MAX_BODY_KB.max },
		default: 4096,
		description: `Larger callbacks are refused with HTTP 413 and ${tooLarge}. The default takes about 23,000 balances.`,
	};
}

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { ItemShape } from '../shared/balances/items';
import type { KhipuEnvelope } from '../shared/khipu/envelope';

/**
 * What one Khipu endpoint adds to the generic request path: where it lives,
 * what its RequestData holds, and how its answer becomes n8n items. Delivery
 * (synchronous, callback URL, pause, AI tool), retries, errors and the
 * credential are the same for every endpoint and live elsewhere.
 */
export interface KhipuOperation {
	/** Path under the credential's Base URL. */
	readonly path: string;
	/**
	 * The RequestData for one item, read from its parameters; throws an
	 * InputError naming the field before anything is sent.
	 */
	requestData(context: IExecuteFunctions, itemIndex: number, accountNumber: string): IDataObject;
	/** Output items for a successful envelope (a synchronous answer or a callback into a paused execution). */
	toItems(envelope: KhipuEnvelope, accountNumber: string, shape: ItemShape): IDataObject[];
	/** The one compact answer an AI model gets for a successful envelope (`shape` for how amounts read). */
	toolAnswer(envelope: KhipuEnvelope, accountNumber: string, shape: ItemShape): IDataObject;
}

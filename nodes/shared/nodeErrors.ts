import {
	NodeApiError,
	NodeOperationError,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';

import { KhipuFailure } from './khipu/failure';
import { InputError } from './validation';

/**
 * How the package's own failures reach the user: as n8n errors that name the
 * item, or as error items under Continue On Fail. Both keep secrets out (a
 * KhipuFailure and an InputError never hold one) and say whether anything was sent.
 */

/** Errors n8n already understands pass through; anything else is wrapped so n8n shows it with the node. */
export function asNodeError(node: INode, error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(node, error instanceof Error ? error : String(error), { itemIndex });
}

export function inputErrorToNodeError(context: IExecuteFunctions, error: InputError, index: number) {
	return new NodeOperationError(context.getNode(), `Item ${index + 1}: ${error.message}`, {
		itemIndex: index,
		description: `Field: ${error.field}. Nothing was sent to Khipu.`,
	});
}

/**
 * A failure while one item's parameters were read or checked, before anything
 * was sent: an InputError, or anything else n8n or the data threw there (an
 * expression that fails for this item, text JavaScript cannot encode).
 */
export function preparationError(context: IExecuteFunctions, error: unknown, index: number) {
	if (error instanceof InputError) return inputErrorToNodeError(context, error, index);
	const cause = error instanceof Error ? error : new Error(String(error));
	return new NodeOperationError(context.getNode(), cause, {
		itemIndex: index,
		message: `Item ${index + 1}: ${cause.message}`,
		description: 'Nothing was sent to Khipu.',
	});
}

export function failureToNodeError(context: IExecuteFunctions, failure: KhipuFailure, index: number) {
	return new NodeApiError(context.getNode(), { message: failure.message } as JsonObject, {
		message: `Item ${index + 1}: ${failure.message}`,
		description: failure.details.advice,
		httpCode: failure.details.httpStatus === null ? undefined : String(failure.details.httpStatus),
		itemIndex: index,
	});
}

export function toNodeError(context: IExecuteFunctions, error: unknown, index: number): Error {
	if (error instanceof InputError) return inputErrorToNodeError(context, error, index);
	if (error instanceof KhipuFailure) return failureToNodeError(context, error, index);
	return asNodeError(context.getNode(), error, index);
}

/** The item Continue On Fail puts in place of a failed one, paired with it. */
export function errorItem(error: unknown, index: number, accountNumber: string | null): INodeExecutionData {
	if (error instanceof KhipuFailure) {
		return { json: { error: error.message, accountNumber, ...error.toJson() }, pairedItem: { item: index } };
	}
	if (error instanceof InputError) {
		return { json: { error: error.message, field: error.field, accountNumber }, pairedItem: { item: index } };
	}
	const message = error instanceof Error ? error.message : String(error);
	return { json: { error: message, accountNumber }, pairedItem: { item: index } };
}

import { NodeApiError, NodeOperationError, type INode } from 'n8n-workflow';

/** Errors n8n already understands pass through; anything else is wrapped so n8n shows it with the node. */
export function asNodeError(node: INode, error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(node, error instanceof Error ? error : String(error), { itemIndex });
}

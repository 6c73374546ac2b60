import { NodeOperationError, type INode } from 'n8n-workflow';

import { getPendingCurrentDayBalances } from './balance/getPendingCurrentDayBalances.operation';
import type { KhipuOperation } from '../khipuOperation';

/** resource → operation → what that Khipu endpoint adds; a new endpoint is one more entry. */
const OPERATIONS: Record<string, Record<string, KhipuOperation>> = {
	balance: { getPendingCurrentDayBalances },
};

export function findOperation(node: INode, resource: unknown, operation: unknown): KhipuOperation {
	const found = OPERATIONS[String(resource)]?.[String(operation)];
	if (!found) {
		throw new NodeOperationError(
			node,
			`The operation "${String(operation)}" of resource "${String(resource)}" is not supported`,
		);
	}
	return found;
}

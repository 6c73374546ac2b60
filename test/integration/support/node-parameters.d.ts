// Types for the unit tests that share this plain-JavaScript checker with the examples suite.
import type { INodeTypeDescription } from 'n8n-workflow';

export function undefinedParameters(
	description: INodeTypeDescription,
	node: { typeVersion?: number; parameters: object },
): string[];

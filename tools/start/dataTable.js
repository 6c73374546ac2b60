'use strict';
// The n8n data table the bookkeeping examples use (examples/callback-*.json). Created through n8n's public
// API (POST /api/v1/data-tables, n8n 2.8.4 and 2.41.1 alike) in the API key owner's personal project,
// where the imported workflows live too; an existing table of that name is kept as it is, rows and all.

const BOOKKEEPING_TABLE = {
	name: 'khipu_callbacks',
	columns: [
		{ name: 'operationId', type: 'string' },
		{ name: 'accountNumber', type: 'string' },
		{ name: 'reference', type: 'string' },
		{ name: 'lifeSpan', type: 'date' },
		{ name: 'requestedAt', type: 'date' },
		{ name: 'resultStatus', type: 'string' },
		{ name: 'receivedAt', type: 'date' },
	],
};

/** @returns {Promise<{id: string, name: string, action: 'created' | 'kept'}>} */
async function ensureDataTable(client, table = BOOKKEEPING_TABLE) {
	const existing = (await client.listAll('/data-tables')).find((t) => t.name === table.name);
	if (existing) return { id: String(existing.id), name: table.name, action: 'kept' };
	const created = await client.api('POST', '/data-tables', table);
	return { id: String(created.id), name: table.name, action: 'created' };
}

module.exports = { ensureDataTable, BOOKKEEPING_TABLE };

'use strict';
// Secret scanning shared by the callback suites and the reliability suite: how often a secret occurs
// in a text, over named sources, and everything n8n keeps where a leaked secret would end up (its
// database files, its folder, the workflows as the public API exports them, executions with data).
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * How often `secret` occurs in `text`. Short all-digit secrets (a 4-digit PIN, an 8-digit DNI)
 * would match by chance inside numbers n8n produces (epoch milliseconds, UUID groups, amounts),
 * so for them UUIDs are masked and only a standalone number counts: not next to a letter or
 * digit, nor part of a decimal. A leaked PIN is a standalone value ("Password":"4821").
 */
function countSecret(text, secret) {
	if (!secret) return 0;
	if (/^\d{1,12}$/.test(secret)) {
		const masked = text.replace(UUID, '<uuid>');
		const re = new RegExp(`(?<![0-9A-Za-z]|[0-9][.,])${secret}(?![0-9A-Za-z]|[.,][0-9])`, 'g');
		return (masked.match(re) || []).length;
	}
	let count = 0;
	for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + secret.length)) count++;
	return count;
}

/** { secretName: { sourceName: count } } for every non-zero count. */
function scanSources(secrets, sources) {
	const found = {};
	for (const [secretName, secret] of Object.entries(secrets)) {
		for (const [sourceName, text] of Object.entries(sources)) {
			const n = countSecret(text, secret);
			if (n > 0) {
				found[secretName] = found[secretName] || {};
				found[secretName][sourceName] = n;
			}
		}
	}
	return found;
}

/** Text files in n8n's user folder (its event log and the like); the database is read as bytes. */
function n8nFolderFiles(userFolder) {
	const dir = path.join(userFolder, '.n8n');
	const text = {};
	const database = {};
	for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
		const file = path.join(dir, name);
		if (!fs.statSync(file).isFile() || name === 'config') continue;
		if (name.startsWith('database.sqlite')) database[name] = fs.readFileSync(file).toString('latin1');
		else text[name] = fs.readFileSync(file, 'utf8');
	}
	return { text, database };
}

/** Every workflow as n8n's public API exports it (GET /api/v1/workflows, all pages). */
function exportedWorkflows(client) {
	return client.listAll('/workflows', { limit: '250' });
}

/**
 * Scans what n8n stored and exports for each secret: the database files (bytes), the other files of
 * its folder, the exported workflows and every execution with its data. Returns the findings
 * ({ secretName: { sourceName: count } }, empty when clean) and what was scanned.
 */
async function scanN8nStorage(stack, secrets) {
	const workflows = await exportedWorkflows(stack.client);
	const executions = await stack.client.listExecutions({ includeData: true });
	const folder = n8nFolderFiles(stack.n8n.userFolder);
	const sources = {
		'exported workflows (public API)': JSON.stringify(workflows),
		'executions (all, with data)': executions.map((e) => JSON.stringify(e)).join('\n'),
		...Object.fromEntries(Object.entries(folder.text).map(([name, text]) => [`n8n folder: ${name}`, text])),
		...Object.fromEntries(Object.entries(folder.database).map(([name, bytes]) => [`n8n database: ${name}`, bytes])),
	};
	return {
		found: scanSources(secrets, sources),
		workflows: workflows.length,
		executions: executions.length,
		databaseFiles: Object.keys(folder.database),
		bytes: Object.values(sources).reduce((n, text) => n + text.length, 0),
	};
}

/**
 * scanN8nStorage() with a positive control: a workflow holding a planted value in a node parameter
 * (the way a token typed into a node used to be stored) is saved first, and must be found in the
 * export and the database, so a clean result for the real secrets means something.
 */
async function scanN8nStorageWithControl(stack, secrets) {
	const planted = `planted-${crypto.randomBytes(24).toString('base64url')}`;
	await stack.client.createWorkflow({
		name: 'secret scan control',
		nodes: [
			{
				id: crypto.randomUUID(),
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: crypto.randomUUID(),
				name: 'Typed secret',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [200, 0],
				parameters: { mode: 'raw', jsonOutput: JSON.stringify({ token: planted }), options: {} },
			},
		],
		connections: { Start: { main: [[{ node: 'Typed secret', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	});
	const result = await scanN8nStorage(stack, { ...secrets, planted });
	const control = result.found.planted || {};
	delete result.found.planted;
	return { ...result, control };
}

module.exports = {
	countSecret,
	scanSources,
	n8nFolderFiles,
	exportedWorkflows,
	scanN8nStorage,
	scanN8nStorageWithControl,
};

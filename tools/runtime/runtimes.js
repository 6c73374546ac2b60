'use strict';
// The pinned n8n runtimes (runtime/<name>/, each its own package root and lockfile), and the names a
// user gives them on the command line: `--n8n 2.41`, `--n8n 2.41.1`, `--n8n newest` or the folder name.
const { DEFAULT_RUNTIME, readRuntimeManifest } = require('./paths');

const N8N_RUNTIMES = ['n8n-2.8', 'n8n-2.41'];
const NEWEST_RUNTIME = 'n8n-2.41';

/** The exact n8n version a runtime pins, e.g. '2.41.1' (null when its package.json is missing). */
function pinnedN8n(runtime) {
	const manifest = readRuntimeManifest(runtime);
	return (manifest && manifest.dependencies && manifest.dependencies.n8n) || null;
}

/** 'n8n-2.41' for '2.41', '2.41.1', 'n8n-2.41', 'newest' or 'latest'; 'n8n-2.8' for 'default'. Throws on others. */
function runtimeForN8n(wanted) {
	const text = String(wanted || '').trim().toLowerCase();
	if (text === 'newest' || text === 'latest') return NEWEST_RUNTIME;
	if (text === 'default') return DEFAULT_RUNTIME;
	const found = N8N_RUNTIMES.find((r) => r === text || r === `n8n-${text}` || pinnedN8n(r) === text);
	if (!found) {
		const known = N8N_RUNTIMES.map((r) => `${r.slice(4)} (n8n ${pinnedN8n(r) || '?'})`).join(', ');
		throw new Error(`no pinned n8n runtime for ${JSON.stringify(wanted)}: choose ${known}, or "newest"`);
	}
	return found;
}

module.exports = { N8N_RUNTIMES, NEWEST_RUNTIME, pinnedN8n, runtimeForN8n };

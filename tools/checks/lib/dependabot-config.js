'use strict';
// Checks .github/dependabot.yml (a step of `npm run lint:workflows`), since GitHub only reports a broken one in
// its own UI: documented keys only, weekly, every folder exists with its manifest, every lockfile folder of the
// repository (the root and each runtime/*) is covered exactly once, GitHub Actions too, and each npm entry groups
// n8n's packages so a new n8n release arrives as one pull request.
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

// Keys from GitHub's "Dependabot options reference".
const ENTRY_KEYS = new Set([
	'package-ecosystem',
	'directory',
	'directories',
	'schedule',
	'allow',
	'assignees',
	'commit-message',
	'cooldown',
	'exclude-paths',
	'groups',
	'ignore',
	'insecure-external-code-execution',
	'labels',
	'milestone',
	'multi-ecosystem-group',
	'open-pull-requests-limit',
	'patterns',
	'pull-request-branch-name',
	'rebase-strategy',
	'registries',
	'target-branch',
	'vendor',
	'versioning-strategy',
]);
const GROUP_KEYS = new Set([
	'applies-to',
	'dependency-type',
	'exclude-patterns',
	'group-by',
	'patterns',
	'update-types',
]);
const IGNORE_KEYS = new Set(['dependency-name', 'versions', 'update-types']);
const IGNORE_UPDATE_TYPES = new Set([
	'version-update:semver-major',
	'version-update:semver-minor',
	'version-update:semver-patch',
]);
const N8N_PATTERNS = ['n8n', 'n8n-core', 'n8n-workflow', '@n8n/*'];
const MANIFESTS = { npm: ['package.json', 'package-lock.json'], 'github-actions': ['.github/workflows'] };

/** Folders holding a package-lock.json that Dependabot must watch: the root and each runtime/<name>. */
function lockfileFolders(root) {
	const runtimes = path.join(root, 'runtime');
	const names = fs.existsSync(runtimes) ? fs.readdirSync(runtimes).sort() : [];
	return ['/', ...names.map((n) => `/runtime/${n}`)].filter((dir) =>
		fs.existsSync(path.join(root, dir, 'package-lock.json')),
	);
}

function unknownKeys(object, known) {
	return Object.keys(object || {}).filter((k) => !known.has(k));
}

/** Problems with .github/dependabot.yml under `root`, as readable lines (none: valid). */
function checkDependabotConfig(root) {
	const file = path.join(root, '.github', 'dependabot.yml');
	if (!fs.existsSync(file)) return ['.github/dependabot.yml: missing'];
	const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8'));
	if (doc.errors.length) return doc.errors.map((e) => `dependabot.yml: ${e.message}`);
	const config = doc.toJS();
	const problems = [];
	const say = (where, text) => problems.push(`dependabot.yml ${where}: ${text}`);
	if (config?.version !== 2) say('version', 'must be 2');
	if (!Array.isArray(config?.updates) || config.updates.length === 0)
		return [...problems, 'dependabot.yml: no updates'];
	unknownKeys(
		config,
		new Set(['version', 'updates', 'registries', 'multi-ecosystem-groups', 'enable-beta-ecosystems']),
	).forEach((k) => say(k, 'unknown top-level key'));

	const covered = new Map(); // npm folder -> entry index
	let actions = false;
	config.updates.forEach((entry, i) => {
		const ecosystem = entry['package-ecosystem'];
		const where = `updates[${i}] (${ecosystem})`;
		unknownKeys(entry, ENTRY_KEYS).forEach((k) => say(where, `unknown key "${k}"`));
		if (!MANIFESTS[ecosystem])
			return say(where, `package-ecosystem must be one this repository uses: ${Object.keys(MANIFESTS).join(', ')}`);
		if (entry.schedule?.interval !== 'weekly') say(where, 'schedule.interval must be weekly');
		const dirs = entry.directories ?? (entry.directory === undefined ? [] : [entry.directory]);
		if ('directory' in entry === 'directories' in entry) say(where, 'needs exactly one of directory and directories');
		for (const dir of dirs) {
			if (typeof dir !== 'string' || !dir.startsWith('/') || dir.includes('*')) {
				say(where, `directory ${JSON.stringify(dir)}: write a folder from the repository root, without wildcards`);
				continue;
			}
			const missing = MANIFESTS[ecosystem].filter((m) => !fs.existsSync(path.join(root, dir, m)));
			if (missing.length) say(where, `${dir} has no ${missing.join(' or ')}`);
			if (ecosystem === 'npm') {
				if (covered.has(dir))
					say(where, `${dir} is also in updates[${covered.get(dir)}]; a folder may be in one npm entry only`);
				covered.set(dir, i);
			}
		}
		if (ecosystem === 'github-actions') actions = true;
		for (const [name, group] of Object.entries(entry.groups ?? {})) {
			unknownKeys(group, GROUP_KEYS).forEach((k) => say(`${where} group ${name}`, `unknown key "${k}"`));
		}
		(entry.ignore ?? []).forEach((rule, j) => {
			unknownKeys(rule, IGNORE_KEYS).forEach((k) => say(`${where} ignore[${j}]`, `unknown key "${k}"`));
			for (const t of rule['update-types'] ?? [])
				if (!IGNORE_UPDATE_TYPES.has(t)) say(`${where} ignore[${j}]`, `unknown update type ${t}`);
		});
		if (ecosystem === 'npm') {
			const grouped = Object.values(entry.groups ?? {}).some((g) =>
				N8N_PATTERNS.every((p) => (g.patterns ?? []).includes(p)),
			);
			if (!grouped)
				say(
					where,
					`needs a group whose patterns include ${N8N_PATTERNS.join(', ')} (one pull request per n8n release)`,
				);
		}
	});
	for (const dir of lockfileFolders(root))
		if (!covered.has(dir)) say('updates', `no npm entry watches ${dir} (it has a package-lock.json)`);
	if (!actions) say('updates', 'no github-actions entry (the workflows use actions)');
	return problems;
}

module.exports = { checkDependabotConfig };

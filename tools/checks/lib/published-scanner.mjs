// The lint half of the published scanner, @n8n/scan-community-package (a pinned dev dependency), run from its
// own files: its rule config (buildScanConfig) and its analyzePackage, with the rule plugins at the versions
// it pins for itself (installed under its own node_modules), so an offline scan also answers to what n8n's
// verification runs, not only to this project's newer plugins. Its network steps (provenance, downloads) are
// left out; the publish workflow runs the whole scanner against the published version.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const SCANNER = '@n8n/scan-community-package';

/** The version of `name` as code in `fromDir` resolves it (walks up from its entry point: "exports" may hide package.json). */
function installedVersion(name, fromDir) {
	let dir = path.dirname(createRequire(path.join(fromDir, 'package.json')).resolve(name));
	for (;;) {
		const file = path.join(dir, 'package.json');
		if (fs.existsSync(file)) {
			const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
			if (pkg.name === name) return pkg.version;
		}
		if (dir === path.dirname(dir)) throw new Error(`no package.json of ${name} above its entry point`);
		dir = path.dirname(dir);
	}
}

/**
 * Loads the published scanner. Importing it makes a temporary folder it never removes (tmp without graceful
 * cleanup), so the import runs with TMPDIR pointing into `workDir`, which the caller removes.
 */
export async function loadPublishedScanner(workDir) {
	const scannerDir = path.dirname(require.resolve(`${SCANNER}/package.json`));
	const tmpdir = path.join(workDir, 'published-scanner-tmp');
	fs.mkdirSync(tmpdir, { recursive: true });
	const saved = process.env.TMPDIR;
	process.env.TMPDIR = tmpdir;
	let scanner;
	try {
		scanner = await import(pathToFileURL(path.join(scannerDir, 'scanner', 'scanner.mjs')).href);
	} finally {
		if (saved === undefined) delete process.env.TMPDIR;
		else process.env.TMPDIR = saved;
	}
	const versions = {
		[SCANNER]: JSON.parse(fs.readFileSync(path.join(scannerDir, 'package.json'), 'utf8')).version,
		'@n8n/eslint-plugin-community-nodes': installedVersion('@n8n/eslint-plugin-community-nodes', scannerDir),
		'eslint-plugin-n8n-nodes-base': installedVersion('eslint-plugin-n8n-nodes-base', scannerDir),
	};
	return { scanner, versions };
}

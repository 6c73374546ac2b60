'use strict';
// The package's build output (dist/) and its installation into n8n user folders, each step skipped when its
// inputs are unchanged. Every stack start goes through preparePackage(); npm start, the suites and the bench alike.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { REPO_ROOT } = require('../lib/repo');
const { withLock } = require('../lib/lock');
const { runLogged } = require('../lib/run-logged');
const { assertBuilt, packPackage, installPackageInto, installedPackage } = require('./pack');

const BUILD_INPUTS = ['nodes', 'credentials', 'icons', 'package.json', 'tsconfig.json', 'gulpfile.js'];
// Hash of the sources dist/ was last built from by these tools; shared by every data folder and suite.
const BUILD_STAMP = path.join(REPO_ROOT, 'node_modules', '.cache', 'khipu-start', 'build-hash');
// Beside the installed package in an n8n user folder: the hash of the dist/ it was packed from.
const INSTALLED_STAMP = '.khipu-package-hash';

function listFiles(root, rel) {
	const abs = path.join(root, rel);
	let stat;
	try {
		stat = fs.statSync(abs);
	} catch {
		return [];
	}
	if (stat.isFile()) return [rel];
	const out = [];
	for (const entry of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
		if (entry.name === 'node_modules') continue;
		out.push(...listFiles(root, path.join(rel, entry.name)));
	}
	return out;
}

/** sha256 over the relative paths and contents of the given files/folders under root. */
function hashTree(root, entries) {
	const h = crypto.createHash('sha256');
	for (const rel of entries) {
		for (const file of listFiles(root, rel)) {
			h.update(file)
				.update('\0')
				.update(fs.readFileSync(path.join(root, file)))
				.update('\0');
		}
	}
	return h.digest('hex');
}

/**
 * Serialises build + pack between processes of this checkout (two suites or two starts building dist/ at
 * once would pack half-written files).
 */
function withBuildLock(note, fn) {
	return withLock(
		{ name: 'start-build', key: REPO_ROOT, what: 'another build of this repo', note, takeOverAfterMs: 300_000 },
		fn,
	);
}

/**
 * Builds dist/ (`npm run build`, output to `logFile`) unless it exists and the sources are unchanged since
 * the last build done here.
 */
async function ensureBuilt({ note = () => {}, force = false, logFile }) {
	const hash = hashTree(REPO_ROOT, BUILD_INPUTS);
	let built = true;
	try {
		assertBuilt(REPO_ROOT);
	} catch {
		built = false;
	}
	let stamp = null;
	try {
		stamp = fs.readFileSync(BUILD_STAMP, 'utf8').trim();
	} catch {
		/* never built by these tools */
	}
	if (built && stamp === hash && !force) return { summary: 'sources unchanged, dist/ reused', changed: false };
	note(
		built
			? 'sources changed since the last build by these tools: npm run build'
			: 'dist/ missing or incomplete: npm run build',
	);
	fs.rmSync(BUILD_STAMP, { force: true });
	await runLogged('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, logFile, label: 'npm run build' });
	assertBuilt(REPO_ROOT);
	fs.mkdirSync(path.dirname(BUILD_STAMP), { recursive: true });
	fs.writeFileSync(BUILD_STAMP, `${hash}\n`);
	return { summary: 'built', changed: true };
}

/**
 * Packs `packageDir` once and installs it into every user folder whose copy was not packed from this very
 * dist/ (INSTALLED_STAMP), the way n8n's community-package installer lays it out.
 */
function installInto(packageDir, userFolders) {
	const hash = hashTree(packageDir, ['dist', 'package.json']);
	let packed = null;
	const results = [];
	try {
		for (const userFolder of userFolders) {
			const stampFile = path.join(userFolder, '.n8n', 'nodes', INSTALLED_STAMP);
			const current = installedPackage(userFolder, packageDir);
			let stamp = null;
			try {
				stamp = fs.readFileSync(stampFile, 'utf8').trim();
			} catch {
				/* not installed by these tools */
			}
			if (current && stamp === hash) {
				results.push({ ...current, changed: false });
				continue;
			}
			fs.rmSync(stampFile, { force: true });
			packed ||= packPackage(packageDir);
			results.push({ ...installPackageInto(userFolder, { packageDir, packed }), changed: true });
			fs.writeFileSync(stampFile, `${hash}\n`);
		}
	} finally {
		if (packed) fs.rmSync(packed.tmpDir, { recursive: true, force: true });
	}
	const [first] = results;
	const fresh = results.filter((r) => r.changed);
	const where = userFolders.length > 1 ? ` into ${userFolders.length} user folders` : '';
	const summary =
		fresh.length === 0
			? `${first.name}@${first.version} already installed${where}`
			: `${first.name}@${first.version} installed${where} (${fresh[0].files.length} files)`;
	return { summary, installed: first, changed: fresh.length > 0 };
}

/**
 * The package, built and installed into `userFolders` (each an N8N_USER_FOLDER).
 * @param {{userFolders: string[], packageDir?: string, note?: (msg: string) => void, logFile: string}} o
 *        packageDir: an already built package to install instead of this repository (the bench's private
 *        copy, another n8n-nodes-* package); without it this repository is built when needed
 * @returns {Promise<{summary: string, installed: object}>} installed: see pack.js installPackageInto()
 */
async function preparePackage({ userFolders, packageDir, note = () => {}, logFile }) {
	if (packageDir) {
		assertBuilt(packageDir);
		return installInto(packageDir, userFolders);
	}
	return withBuildLock(note, async () => {
		let built = await ensureBuilt({ note, logFile });
		let result;
		try {
			result = installInto(REPO_ROOT, userFolders);
		} catch (err) {
			// dist/ changed under us (a clean or build running elsewhere in this checkout): build and pack once more
			note(`packing failed (${err.message.split('\n')[0]}): building again`);
			built = await ensureBuilt({ note, logFile, force: true });
			result = installInto(REPO_ROOT, userFolders);
		}
		return { ...result, summary: `${built.summary}; ${result.summary}` };
	});
}

function copyTree(from, to, filter) {
	for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
		const src = path.join(from, entry.name);
		const dst = path.join(to, entry.name);
		if (entry.isDirectory()) copyTree(src, dst, filter);
		else if (filter(entry.name)) {
			fs.mkdirSync(to, { recursive: true });
			fs.copyFileSync(src, dst);
		}
	}
}

/**
 * tsc + the gulp asset copy into <dir>/pkg/dist, with package.json, README and LICENSE beside it: the current
 * source as `npm publish` ships it (prepublishOnly cleans and rebuilds), without touching the shared dist/.
 * @returns {string} the package directory
 */
function buildCopy(dir) {
	const pkgDir = path.join(dir, 'pkg');
	fs.mkdirSync(pkgDir, { recursive: true });
	const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
	const r = spawnSync(
		process.execPath,
		[tsc, '-p', path.join(REPO_ROOT, 'tsconfig.json'), '--outDir', path.join(pkgDir, 'dist')],
		{
			cwd: REPO_ROOT,
			encoding: 'utf8',
		},
	);
	if (r.status !== 0) throw new Error(`tsc failed:\n${r.stdout}\n${r.stderr}`);
	copyTree(path.join(REPO_ROOT, 'icons'), path.join(pkgDir, 'dist', 'icons'), (n) => /\.(png|svg)$/.test(n));
	copyTree(path.join(REPO_ROOT, 'nodes'), path.join(pkgDir, 'dist', 'nodes'), (n) => n.endsWith('.node.json'));
	for (const f of ['package.json', 'README.md', 'LICENSE', 'LICENSE.md']) {
		if (fs.existsSync(path.join(REPO_ROOT, f))) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(pkgDir, f));
	}
	return pkgDir;
}

module.exports = { preparePackage, ensureBuilt, buildCopy, hashTree };

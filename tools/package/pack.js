'use strict';
// Installs the built package into an n8n user folder exactly where n8n's community-package installer puts
// it: <userFolder>/.n8n/nodes/node_modules/<name>/ (+ <userFolder>/.n8n/nodes/package.json).
//
// How n8n 2.8.4 finds it (read in runtime/n8n-2.8/node_modules): the `community-packages` backend module
// (enabled by default) returns <N8N_USER_FOLDER>/.n8n/nodes/node_modules as a load dir;
// LoadNodesAndCredentials.loadNodesFromNodeModules() globs `n8n-nodes-*` and `@*/n8n-nodes-*` there and
// loads each through LazyPackageDirectoryLoader, i.e. the package.json "n8n" field. Node types become
// `<package name>.<node name>`. No database row is needed: rows in installed_packages/installed_nodes
// only drive the UI list and the "missing packages" check (N8N_REINSTALL_MISSING_PACKAGES), which we
// leave off so nothing reaches npm.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { REPO_ROOT } = require('../lib/repo');

const NAME_RE = /^(@[^/]+\/)?n8n-nodes-[^/]+$/;

function readJson(file) {
	return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Throws a clear error unless every file listed in package.json "n8n" exists (i.e. the build ran). */
function assertBuilt(packageDir = REPO_ROOT) {
	const pkg = readJson(path.join(packageDir, 'package.json'));
	if (!pkg.n8n) throw new Error(`${pkg.name}: package.json has no "n8n" field; n8n would not load it`);
	const listed = [...(pkg.n8n.nodes || []), ...(pkg.n8n.credentials || [])];
	const missing = listed.filter((f) => !fs.existsSync(path.join(packageDir, f)));
	if (!fs.existsSync(path.join(packageDir, 'dist')) || missing.length) {
		throw new Error(
			`${pkg.name} is not built: ${missing.length ? `missing ${missing.join(', ')}` : 'no dist/'} in ${packageDir}. Run \`npm run build\` first.`,
		);
	}
	return pkg;
}

/** `npm pack` into a fresh temp dir. @returns {{tarball: string, tmpDir: string, info: object}} */
function packPackage(packageDir = REPO_ROOT) {
	const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-pack-'));
	const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmpDir], {
		cwd: packageDir,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
		env: { ...process.env, npm_config_yes: 'true', npm_config_update_notifier: 'false' },
		maxBuffer: 64 * 1024 * 1024,
	});
	const start = out.indexOf('[');
	const info = JSON.parse(out.slice(start))[0];
	const tarball = path.join(tmpDir, info.filename);
	if (!fs.existsSync(tarball)) throw new Error(`npm pack did not produce ${tarball}`);
	return { tarball, tmpDir, info };
}

/**
 * Packs `packageDir` (default: the repo root) and installs it into <userFolder>/.n8n/nodes the way n8n's
 * community-package installer lays it out. Replaces an older copy.
 * @param {string} userFolder  the N8N_USER_FOLDER n8n will be started with
 * @param {{packageDir?: string, packed?: ReturnType<typeof packPackage>}} [opts]  packed: a tarball from
 *        packPackage() to reuse (several user folders, one pack); the caller removes its tmpDir
 * @returns {{name: string, version: string, dir: string, files: string[], nodeTypes: string[], credentialFiles: string[]}}
 */
function installPackageInto(userFolder, { packageDir = REPO_ROOT, packed } = {}) {
	if (!userFolder) throw new Error('installPackageInto: userFolder is required');
	const pkg = assertBuilt(packageDir);
	if (!NAME_RE.test(pkg.name)) {
		throw new Error(`${pkg.name}: n8n only discovers packages named n8n-nodes-* or @scope/n8n-nodes-*`);
	}
	const nodesDir = path.join(path.resolve(userFolder), '.n8n', 'nodes');
	const target = path.join(nodesDir, 'node_modules', ...pkg.name.split('/'));
	const { tarball, tmpDir, info } = packed || packPackage(packageDir);
	try {
		fs.rmSync(target, { recursive: true, force: true });
		fs.mkdirSync(target, { recursive: true });
		execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1', '--no-same-owner'], {
			stdio: ['ignore', 'ignore', 'pipe'],
		});
	} finally {
		if (!packed) fs.rmSync(tmpDir, { recursive: true, force: true });
	}
	// n8n's own CommunityPackagesService.ensurePackageJson() writes {name:'installed-nodes', private:true,
	// dependencies:{}}; npm install then adds the dependency. Reproduce that (keep other entries).
	const manifestFile = path.join(nodesDir, 'package.json');
	let manifest = { name: 'installed-nodes', private: true, dependencies: {} };
	if (fs.existsSync(manifestFile)) {
		try {
			manifest = { ...manifest, ...readJson(manifestFile) };
		} catch {
			/* rewrite a broken file */
		}
	}
	manifest.dependencies = { ...(manifest.dependencies || {}), [pkg.name]: info.version };
	fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');

	const installed = describeInstalled(target);
	for (const f of [...installed.nodeFiles, ...installed.credentialFiles]) {
		if (!fs.existsSync(path.join(target, f)))
			throw new Error(`packed package lacks ${f} (check "files" in package.json)`);
	}
	return { ...installed, files: (info.files || []).map((f) => f.path) };
}

function describeInstalled(target) {
	const installed = readJson(path.join(target, 'package.json'));
	const nodeFiles = (installed.n8n && installed.n8n.nodes) || [];
	return {
		name: installed.name,
		version: installed.version,
		dir: target,
		nodeFiles,
		// what n8n will call the nodes: <package>.<node description name>; derived from the file name
		// convention (Foo.node.js -> foo); the authoritative list is /types/nodes.json
		nodeTypes: nodeFiles.map((f) => {
			const base = path.basename(f).replace(/\.node\.js$/, '');
			return `${installed.name}.${base.charAt(0).toLowerCase()}${base.slice(1)}`;
		}),
		credentialFiles: (installed.n8n && installed.n8n.credentials) || [],
	};
}

/** What installPackageInto() returned, for the copy of `packageDir`'s package already in the user folder (null: none). */
function installedPackage(userFolder, packageDir = REPO_ROOT) {
	const { name } = readJson(path.join(packageDir, 'package.json'));
	const target = path.join(path.resolve(userFolder), '.n8n', 'nodes', 'node_modules', ...name.split('/'));
	if (!fs.existsSync(path.join(target, 'package.json'))) return null;
	return { ...describeInstalled(target), files: [] };
}

module.exports = { installPackageInto, installedPackage, packPackage, assertBuilt };

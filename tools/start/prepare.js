'use strict';
// What `npm start` installs and builds before anything runs, each step skipped when its inputs are
// unchanged: the repo's dev dependencies, the pinned n8n runtime, the package build, and the package
// installed into the data folder as a community package.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const { REPO_ROOT } = require('../runtime/paths');
const { assertBuilt, installPackageInto } = require('../package/pack');

const BUILD_INPUTS = ['nodes', 'credentials', 'icons', 'package.json', 'tsconfig.json', 'gulpfile.js'];

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
			h.update(file).update('\0').update(fs.readFileSync(path.join(root, file))).update('\0');
		}
	}
	return h.digest('hex');
}

/** Runs a command, indenting its output, and rejects with its last lines on failure. */
function run(command, args, { cwd = REPO_ROOT, env = {}, echo = true } = {}) {
	return new Promise((resolve, reject) => {
		const tail = [];
		const child = spawn(command, args, {
			cwd,
			env: { ...process.env, npm_config_yes: 'true', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...env },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const onData = (buf) => {
			const text = buf.toString('utf8');
			if (echo) process.stdout.write(text.replace(/^(?=.)/gm, '      | '));
			for (const line of text.split(/\r?\n/)) {
				if (line.trim()) tail.push(line);
				if (tail.length > 60) tail.shift();
			}
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		child.once('error', (err) => reject(new Error(`could not run ${command}: ${err.message}`)));
		child.once('close', (code, signal) => {
			if (code === 0) return resolve();
			reject(new Error(`${command} ${args.join(' ')} failed (${code === null ? signal : `exit ${code}`}). Last output:\n${tail.join('\n')}`));
		});
	});
}

/** The repo's own dev dependencies (typescript, gulp) are needed to build; install them once. */
async function ensureDevDependencies(note) {
	const needed = ['typescript/bin/tsc', 'gulp/bin/gulp.js', 'n8n-workflow/package.json'];
	const missing = needed.filter((f) => !fs.existsSync(path.join(REPO_ROOT, 'node_modules', f)));
	if (!missing.length) return { summary: 'already installed' };
	const hasLock = fs.existsSync(path.join(REPO_ROOT, 'package-lock.json'));
	const args = [hasLock ? 'ci' : 'install', '--yes', '--no-audit', '--no-fund'];
	note(`missing ${missing.join(', ')}: npm ${args.join(' ')} (about a minute on a cold cache)`);
	await run('npm', args);
	return { summary: `npm ${args[0]} done` };
}

// Hash of the sources dist/ was last built from by this script; shared by every data folder.
const BUILD_STAMP = path.join(REPO_ROOT, 'node_modules', '.cache', 'khipu-start', 'build-hash');

/** Builds dist/ unless it exists and the sources are unchanged since the last build done here. */
async function ensureBuilt(note, { force = false } = {}) {
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
		/* never built by npm start */
	}
	if (built && stamp === hash && !force) return { summary: 'sources unchanged, dist/ reused', changed: false };
	note(built ? 'sources changed since the last build by npm start: npm run build' : 'dist/ missing or incomplete: npm run build');
	fs.rmSync(BUILD_STAMP, { force: true });
	await run('npm', ['run', 'build', '--silent']);
	assertBuilt(REPO_ROOT);
	fs.mkdirSync(path.dirname(BUILD_STAMP), { recursive: true });
	fs.writeFileSync(BUILD_STAMP, `${hash}\n`);
	return { summary: 'built', changed: true };
}

/** Installs the packed package into <dataDir>/.n8n/nodes/node_modules unless that copy is current. */
function ensurePackageInstalled(state, dataDir) {
	const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
	assertBuilt(REPO_ROOT);
	const hash = hashTree(REPO_ROOT, ['dist', 'package.json']);
	const target = path.join(dataDir, '.n8n', 'nodes', 'node_modules', ...pkg.name.split('/'));
	if (state.packageHash === hash && fs.existsSync(path.join(target, 'package.json'))) {
		return { summary: `${pkg.name}@${pkg.version} already installed`, changed: false, dir: target };
	}
	delete state.packageHash;
	const installed = installPackageInto(dataDir);
	state.packageHash = hash;
	return { summary: `${installed.name}@${installed.version} installed (${installed.files.length} files)`, changed: true, dir: installed.dir };
}

function pidAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		return err.code === 'EPERM';
	}
}

/**
 * Serialises build + pack between processes of this repo (two tests or two starts building dist/ at
 * once would pack half-written files). mkdir is atomic; a lock whose owner died is taken over.
 */
async function withBuildLock(note, fn) {
	const key = crypto.createHash('sha1').update(REPO_ROOT).digest('hex').slice(0, 12);
	const lockDir = path.join(os.tmpdir(), `khipu-start-build-${key}.lock`);
	const started = Date.now();
	let noted = false;
	for (;;) {
		try {
			fs.mkdirSync(lockDir);
			fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
			break;
		} catch (err) {
			if (err.code !== 'EEXIST') throw err;
			let owner = 0;
			try {
				owner = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8')) || 0;
			} catch {
				/* being created or removed */
			}
			if ((owner && !pidAlive(owner)) || (!owner && Date.now() - started > 10_000) || Date.now() - started > 300_000) {
				fs.rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (!noted) {
				note(`waiting for another build of this repo (pid ${owner || '?'})`);
				noted = true;
			}
			await new Promise((r) => setTimeout(r, 250));
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(lockDir, { recursive: true, force: true });
	}
}

module.exports = { ensureDevDependencies, ensureBuilt, ensurePackageInstalled, withBuildLock, hashTree, run };

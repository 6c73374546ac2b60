'use strict';
// What `npm start` needs before a stack can start: the repo's own dev dependencies (typescript, gulp,
// n8n-workflow build the package), installed once. The runtime, build and package steps are startStack()'s.
const fs = require('node:fs');
const path = require('node:path');

const { REPO_ROOT } = require('../lib/repo');
const { runLogged } = require('../lib/run-logged');

/** Installs the repo's dev dependencies when one the build needs is missing; npm's output goes to `logFile`. */
async function ensureDevDependencies(note, logFile) {
	const needed = ['typescript/bin/tsc', 'gulp/bin/gulp.js', 'n8n-workflow/package.json'];
	const missing = needed.filter((f) => !fs.existsSync(path.join(REPO_ROOT, 'node_modules', f)));
	if (!missing.length) return { summary: 'already installed' };
	const hasLock = fs.existsSync(path.join(REPO_ROOT, 'package-lock.json'));
	const args = [hasLock ? 'ci' : 'install', '--yes', '--no-audit', '--no-fund'];
	note(`missing ${missing.join(', ')}: npm ${args.join(' ')} (about a minute on a cold cache)`);
	const { seconds } = await runLogged('npm', args, { cwd: REPO_ROOT, logFile, label: `npm ${args[0]}` });
	return { summary: `npm ${args[0]} done in ${Math.round(seconds)}s` };
}

module.exports = { ensureDevDependencies };

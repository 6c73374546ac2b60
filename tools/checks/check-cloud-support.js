#!/usr/bin/env node
'use strict';
// `npm test` step: `n8n-node cloud-support` (@n8n/node-cli) must report the package eligible for n8n Cloud
// verification (strict mode on in package.json, eslint.config.mjs exactly n8n's default). The command only
// prints that status and exits 0 either way, so the status line is read here.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'node_modules', '@n8n', 'node-cli', 'bin', 'n8n-node.mjs');

// CI=true: the CLI's prompt library prints each line once instead of animating.
const r = spawnSync(process.execPath, [cli, 'cloud-support'], {
	cwd: root,
	encoding: 'utf8',
	env: { ...process.env, NO_COLOR: '1', CI: 'true' },
});
const output = `${r.stdout}${r.stderr}`;
process.stdout.write(output);
const eligible = /Status: eligible for n8n Cloud verification/.test(output) && !/NOT eligible/.test(output);
if (r.status !== 0 || !eligible) {
	process.stdout.write(
		`n8n-node cloud-support: ${r.status !== 0 ? `exited ${r.status ?? r.signal}` : 'the package is NOT eligible for n8n Cloud verification'}\n`,
	);
	process.exit(1);
}
process.stdout.write('n8n-node cloud-support: eligible for n8n Cloud verification\n');

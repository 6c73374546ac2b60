'use strict';
// The routing suite runs docs/QUEUE-MODE.md's nginx and HAProxy blocks as printed: the only changes allowed are
// the listen address, the processors' addresses and nginx's log folder, and a doc that loses a placeholder is
// refused instead of silently running something else.
const fs = require('node:fs');
const path = require('node:path');

const { REPO_ROOT } = require('../../tools/lib/repo');
const { recipeFromDoc, localRecipe } = require('../../tools/stack/balancers');

const DOC = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'QUEUE-MODE.md'), 'utf8');
const UPSTREAMS = ['127.0.0.1:41001', '127.0.0.1:41002'];

test.each(['nginx', 'haproxy'])('the %s recipe differs from the doc only in addresses and log folder', (kind) => {
	const printed = recipeFromDoc(kind, DOC);
	const local = localRecipe(kind, { port: 40999, upstreams: UPSTREAMS, logDir: '/tmp/logs', doc: DOC });
	const changed = printed
		.split('\n')
		.map((line, i) => [line, local.split('\n')[i]])
		.filter(([a, b]) => a !== b);
	expect(local.split('\n')).toHaveLength(printed.split('\n').length);
	for (const [before, after] of changed) {
		const normalized = after
			.replace('127.0.0.1:40999', kind === 'nginx' ? '80' : ':80')
			.replace(UPSTREAMS[0], 'webhook-1.internal:5678')
			.replace(UPSTREAMS[1], 'webhook-2.internal:5678')
			.replace('/tmp/logs/', '/var/log/nginx/');
		expect(normalized).toBe(before);
	}
	expect(local).not.toMatch(/webhook-\d\.internal|\blisten 80;|bind :80$/m);
});

test('the hash directives the documentation promises are in the blocks', () => {
	expect(recipeFromDoc('nginx', DOC)).toMatch(/^\s*hash \$arg_account consistent;$/m);
	expect(recipeFromDoc('haproxy', DOC)).toMatch(/^\s*balance url_param account$/m);
	expect(recipeFromDoc('haproxy', DOC)).toMatch(/^\s*hash-type consistent$/m);
});

test('a doc without the placeholders or the block is refused, naming what is missing', () => {
	const noUpstream = DOC.replace(/webhook-2\.internal:5678/g, '10.0.0.2:5678');
	expect(() => localRecipe('nginx', { port: 1, upstreams: UPSTREAMS, doc: noUpstream })).toThrow(
		'names 1 webhook processors, expected 2',
	);
	expect(() =>
		localRecipe('nginx', { port: 1, upstreams: UPSTREAMS, doc: DOC.replace('listen 80;', 'listen 8080;') }),
	).toThrow('no "');
	expect(() => recipeFromDoc('haproxy', DOC.replace('<!-- recipe:haproxy -->', ''))).toThrow(
		'expected exactly one <!-- recipe:haproxy -->',
	);
});

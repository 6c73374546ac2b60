'use strict';
// Reads a V8 .cpuprofile: self time by package and by function, and "inclusive" time of frames that
// match a pattern (samples whose synchronous stack contains the frame; async continuations are not
// linked to their caller, so this is a lower bound for async functions).

function load(profile) {
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const parent = new Map();
	for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
	const time = new Map(); // node id -> µs
	for (let i = 0; i < profile.samples.length; i++) {
		const d = profile.timeDeltas[i + 1] ?? 0;
		time.set(profile.samples[i], (time.get(profile.samples[i]) || 0) + d);
	}
	return { byId, parent, time };
}

function label(node) {
	const f = node.callFrame;
	const url = f.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, '');
	return `${f.functionName || '(anonymous)'} ${url}${url ? `:${f.lineNumber + 1}` : ''}`;
}

function packageOf(node) {
	const url = node.callFrame.url;
	if (!url) return node.callFrame.functionName.startsWith('(') ? node.callFrame.functionName : '(native)';
	if (url.includes('n8n-nodes-khipu-santander-ar')) return 'THIS PACKAGE';
	if (url.startsWith('node:')) return 'node core';
	const parts = url.split('node_modules/');
	if (parts.length < 2) return url;
	const seg = parts[parts.length - 1].split('/');
	return seg[0].startsWith('@') ? `${seg[0]}/${seg[1]}` : seg[0];
}

/** @returns {{totalMs, busyMs, packages: [name, ms][], functions: [label, ms][], inclusive: [pattern, ms][]}} */
function summarize(profile, patterns = [], top = 20) {
	const { byId, parent, time } = load(profile);
	let total = 0;
	const packages = new Map();
	const functions = new Map();
	const inclusive = new Map(patterns.map((p) => [p, 0]));
	for (const [id, t] of time) {
		total += t;
		const node = byId.get(id);
		const pkg = packageOf(node);
		packages.set(pkg, (packages.get(pkg) || 0) + t);
		const l = label(node);
		functions.set(l, (functions.get(l) || 0) + t);
		if (patterns.length) {
			const stack = [];
			for (let cur = id; cur !== undefined; cur = parent.get(cur)) stack.push(label(byId.get(cur)));
			for (const p of patterns) if (stack.some((s) => s.includes(p))) inclusive.set(p, inclusive.get(p) + t);
		}
	}
	const ms = (us) => Math.round(us / 100) / 10;
	const idle = packages.get('(idle)') || 0;
	const sortDesc = (m) => [...m].sort((a, b) => b[1] - a[1]);
	return {
		totalMs: ms(total),
		busyMs: ms(total - idle),
		packages: sortDesc(packages)
			.slice(0, top)
			.map(([k, v]) => [k, ms(v)]),
		functions: sortDesc(functions)
			.filter(([k]) => k !== '(idle) ')
			.slice(0, top)
			.map(([k, v]) => [k, ms(v)]),
		inclusive: [...inclusive].map(([k, v]) => [k, ms(v)]),
	};
}

module.exports = { summarize };

'use strict';
// Runs in its own process (node --expose-gc): the built node's execute() with a fake n8n context whose
// HTTP helper returns a prepared Khipu answer, so only this package's code is timed: body parsing,
// envelope checks and item building. Prints JSON on stdout.
// argv[2]: {"pkgDir": "<installed package dir>", "sizes": [10, 1000, 10000], "reps": 7}
const path = require('node:path');
const { okEnvelope } = require('../../sandbox/envelope');
const { countedBalances } = require('../../sandbox/balances');

const { pkgDir, sizes, reps } = JSON.parse(process.argv[2]);
const dist = (p) => path.join(pkgDir, 'dist', p);
const { KhipuSantanderAr } = require(dist('nodes/KhipuSantanderAr/KhipuSantanderAr.node.js'));
const { parseEnvelope } = require(dist('nodes/shared/khipu/envelope.js'));
const { simplifyBalances } = require(dist('nodes/shared/balances/simplify.js'));
const { DEFAULT_AMOUNT_FORMAT } = require(dist('nodes/shared/balances/amount.js'));

const node = new KhipuSantanderAr();
const now = () => process.hrtime.bigint();
const ms = (a, b) => Number(b - a) / 1e6;
const median = (xs) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function fakeContext(text, output) {
	const parameters = {
		resource: 'balance',
		operation: 'getPendingCurrentDayBalances',
		accountNumber: 'BIG',
		delivery: 'sync',
		options: { output },
	};
	const nodeInfo = {
		id: 'n1',
		name: 'Khipu',
		type: 'n8n-nodes-khipu-santander-ar.khipuSantanderAr',
		typeVersion: 1,
		parameters,
	};
	const context = {
		getInputData: () => [{ json: {} }],
		getNodeParameter: (name, _i, fallback) => (name in parameters ? parameters[name] : fallback),
		getCredentials: async () => ({ authType: 'jwt', jwtToken: 'sandbox-jwt', baseUrl: 'http://127.0.0.1:9' }),
		continueOnFail: () => false,
		isToolExecution: () => false,
		getNode: () => nodeInfo,
		helpers: {
			httpRequestWithAuthentication: async () => ({
				statusCode: 200,
				headers: { 'content-type': 'application/json; charset=utf-8' },
				body: text,
			}),
		},
	};
	return context;
}

function answerFor(n) {
	return JSON.stringify(
		okEnvelope('00000000-0000-4000-8000-000000000000', { Balance: countedBalances(`BIG-${n}`, n, new Date()) }),
	);
}

/**
 * Heap kept alive by the node's output (what n8n then holds for the next node), in bytes per balance.
 * Small answers are held many times over (at least 20,000 balances in all) so gc noise does not dominate.
 */
async function retained(n) {
	const text = answerFor(n);
	const copies = Math.max(1, Math.ceil(20_000 / n));
	const heap = () => {
		global.gc();
		global.gc();
		return process.memoryUsage().heapUsed;
	};
	const holder = [];
	const h0 = heap();
	for (let i = 0; i < copies; i++) holder.push((await node.execute.call(fakeContext(text, 'simplified')))[0]);
	const h1 = heap();
	if (holder.some((items) => items.length !== n)) throw new Error('lost items');
	return Math.round((h1 - h0) / (n * copies));
}

async function measure(n) {
	const text = answerFor(n);
	const result = { balances: n, bodyBytes: Buffer.byteLength(text) };
	const phases = { jsonParse: [], parseEnvelope: [], simplify: [], executeSimplified: [], executeRaw: [] };
	for (let rep = 0; rep < reps + 2; rep++) {
		const warm = rep < 2; // two warm-up rounds let V8 optimise
		let t = now();
		const parsed = JSON.parse(text);
		phases.jsonParse.push(ms(t, now()));
		t = now();
		const envelope = parseEnvelope(parsed);
		phases.parseEnvelope.push(ms(t, now()));
		t = now();
		simplifyBalances(envelope, 'BIG', DEFAULT_AMOUNT_FORMAT);
		phases.simplify.push(ms(t, now()));
		t = now();
		const [items] = await node.execute.call(fakeContext(text, 'simplified'));
		phases.executeSimplified.push(ms(t, now()));
		if (items.length !== n) throw new Error(`expected ${n} items, got ${items.length}`);
		t = now();
		await node.execute.call(fakeContext(text, 'raw'));
		phases.executeRaw.push(ms(t, now()));
		if (warm) for (const k of Object.keys(phases)) phases[k].pop();
	}
	result.medianMs = Object.fromEntries(
		Object.entries(phases).map(([k, v]) => [k, Math.round(median(v) * 1000) / 1000]),
	);
	result.usPerBalance = Math.round((median(phases.executeSimplified) * 1000 * 10) / n) / 10;

	return result;
}

(async () => {
	const out = [];
	for (const n of sizes) {
		const r = await measure(n);
		r.retainedBytesPerBalance = await retained(n);
		out.push(r);
	}
	process.stdout.write(JSON.stringify(out));
})().catch((e) => {
	process.stderr.write(String(e && e.stack));
	process.exit(1);
});

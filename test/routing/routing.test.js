'use strict';
// docs/QUEUE-MODE.md run for real (issue 21 items 2 and 5, issue 19 item 5): one queue stack (PostgreSQL, Redis,
// main, one worker, two webhook processors with N8N_PROXY_HOPS=1) behind Debian's nginx configured with the
// documentation's own block (startStack proxy 'nginx-hash'), HAProxy with its block beside it, and the
// round-robin proxy as the control. Figures go to artifacts/routing-<runtime>.json; the documentation quotes them.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { REPO_ROOT } = require('../../tools/lib/repo');
const { DEFAULT_RUNTIME } = require('../../tools/runtime/paths');
const { startStack } = require('../../tools/stack/stack');
const { startBalancer } = require('../../tools/stack/balancers');
const { startRoundRobinProxy } = require('../../tools/stack/round-robin-proxy');
const { startSandbox, DEFAULT_JWT } = require('../../tools/sandbox/server');
const { triggerWorkflow, deployWorkflow } = require('../../tools/workflows/workflows');
const { outputJson, settledExecutions } = require('../../tools/n8n-client/executions');
const { makeToken } = require('../integration/support/callbacks');
const { countSecret, postRaw, sleep } = require('../integration/reliability/support');
const M = require('../integration/support/mcp');
const Q = require('../queue/support');
const R = require('./support');

const RUNTIME = process.env.KHIPU_N8N_RUNTIME || DEFAULT_RUNTIME;
const TRIGGER = 'Khipu Trigger';
const CALLBACKS = 100;
const MCP_TOKEN = `mcp-${crypto.randomBytes(18).toString('base64url')}`;
/**
 * The same on n8n 2.8.4 and 2.41.1: in queue mode n8n registers Streamable HTTP sessions in Redis and rebuilds a
 * session's transport on whichever webhook processor gets its next request; an SSE session is its open GET
 * stream, so a message posted to another processor finds no transport.
 */
const SSE_ELSEWHERE = 'Error POSTing to endpoint (HTTP 401): No transport found for sessionId';
const EXPECTED_ACROSS_PROCESSORS = {
	'streamableHttp, first request on one processor, the rest on the other': 'OK',
	'streamableHttp, through a round-robin proxy': 'OK',
	'sse, first request on one processor, the rest on the other': SSE_ELSEWHERE,
	'sse, through a round-robin proxy': SSE_ELSEWHERE,
};
const figures = { runtime: RUNTIME, startedAt: new Date().toISOString(), scenarios: {} };
const secrets = { jwt: DEFAULT_JWT, mcpToken: MCP_TOKEN };
let sandbox;
let queue;
let nginx;
let haproxy;
let roundRobin;
/** host:port of each webhook processor, as the balancers name them */
let upstreams;
let accountSeries = 0;

beforeAll(async () => {
	sandbox = await startSandbox({ callbackDelayMs: 2000 });
	const started = Date.now();
	// what docs/QUEUE-MODE.md asks of every process behind the balancer: N8N_PROXY_HOPS=1, WEBHOOK_URL on it
	queue = await startStack({
		mode: 'queue',
		workers: 1,
		webhooks: 2,
		proxy: 'nginx-hash',
		n8nEnv: { N8N_PROXY_HOPS: '1' },
	});
	nginx = queue.proxy;
	upstreams = queue.webhooks.map((w) => new URL(w.baseUrl).host);
	haproxy = await startBalancer('haproxy-hash', { dir: queue.dir, upstreams });
	roundRobin = await startRoundRobinProxy({ upstreams: queue.webhooks.map((w) => w.baseUrl) });
	figures.stackStartMs = Date.now() - started;
	figures.load = os
		.loadavg()
		.map((l) => l.toFixed(2))
		.join(' ');
	secrets.encryptionKey = queue.encryptionKey;
}, 300_000);

afterAll(async () => {
	if (haproxy) await haproxy.close();
	if (roundRobin) await roundRobin.close();
	if (queue) await queue.stop();
	if (sandbox) await sandbox.close();
	figures.loadAtEnd = os
		.loadavg()
		.map((l) => l.toFixed(2))
		.join(' ');
	fs.mkdirSync(path.join(REPO_ROOT, 'artifacts'), { recursive: true });
	fs.writeFileSync(
		path.join(REPO_ROOT, 'artifacts', `routing-${RUNTIME}.json`),
		JSON.stringify({ ...figures, finishedAt: new Date().toISOString() }, null, 2) + '\n',
	);
}, 120_000);

/** A trigger workflow, live on both webhook processors; `url(base, account)` is what the node gives Khipu. */
async function deployTrigger(name) {
	const token = makeToken(32);
	secrets[`token ${name}`] = token;
	const { workflow, url } = await triggerWorkflow(queue, { token, name });
	const created = await deployWorkflow(queue, workflow);
	const hookPath = new URL(url).pathname;
	await R.liveOnEveryProcessor(queue.webhooks, (base) => `${base}${hookPath}?token=${token}`, 400);
	return { id: created.id, hookPath, url: (base, account) => `${base}${hookPath}?account=${account}&token=${token}` };
}

/** `n` callbacks, each with its own OperationId and its own account (the balancers hash on the account). */
function callbacks(n) {
	const series = ++accountSeries;
	return Array.from({ length: n }, (_, i) => ({
		...Q.callbackFor(crypto.randomUUID(), i),
		account: `${series}${String(i).padStart(9, '0')}`,
		answers: [],
	}));
}

/** operationId -> number of executions of the trigger workflow that carry it. */
async function executionsPerOperation(workflowId, expected) {
	const all = await settledExecutions(queue.client, workflowId, {
		count: expected,
		settleMs: 3000,
		timeoutMs: 300_000,
		includeData: true,
	});
	const counts = new Map();
	for (const execution of all) {
		const id = outputJson(execution, TRIGGER)[0]?.operationId;
		counts.set(id, (counts.get(id) || 0) + 1);
	}
	return { total: all.length, counts };
}

/** Runs `shape` through `balancer` and returns what each callback got and how many executions it started. */
async function runShape(shapeName, balancer, n, name) {
	const trigger = await deployTrigger(name);
	const calls = callbacks(n);
	const shape = R.SHAPES[shapeName];
	const logBefore = balancer.accessLog ? R.readAccessLog(balancer.accessLog).length : 0;
	const started = Date.now();
	await shape.run(n, (i) =>
		R.deliverUntil200(trigger.url(balancer.url, calls[i].account), calls[i].body, calls[i].answers),
	);
	const sentMs = Date.now() - started;
	const { total, counts } = await executionsPerOperation(trigger.id, n);
	const per = calls.map((c) => counts.get(c.body.OperationId) || 0);
	const result = {
		shape: shape.label,
		concurrency: shape.concurrency,
		callbacks: n,
		deliveries: calls.reduce((a, c) => a + c.answers.length, 0),
		answersNot200: calls.flatMap((c) => c.answers.filter((a) => a.status !== 200).map((a) => a.status)),
		executions: total,
		extraExecutions: per.reduce((a, k) => a + Math.max(0, k - 1), 0),
		missingExecutions: per.filter((k) => k === 0).length,
		sentMs,
		drainedMs: Date.now() - started,
	};
	return { calls, per, result, log: balancer.accessLog ? R.readAccessLog(balancer.accessLog).slice(logBefore) : null };
}

/**
 * What the hash recipes promise, checked from the balancer's own log: each account went to one processor,
 * and both processors took a share (so the deliveries did cross processes' boundaries as a whole).
 */
function expectRoutedByAccount(calls, log, processors) {
	const byAccount = R.linesByAccount(log.filter((l) => l.path.startsWith('/webhook/')));
	const servedBy = calls.map((c) => [...new Set((byAccount.get(c.account) || []).map((l) => l.served))]);
	expect(calls.filter((c, i) => servedBy[i].length !== 1).map((c) => c.account)).toEqual([]);
	const share = processors.map((p) => servedBy.filter((s) => s[0] === p).length);
	expect(share.reduce((a, b) => a + b, 0)).toBe(calls.length);
	for (const accounts of share) expect(accounts).toBeGreaterThanOrEqual(calls.length / 5);
	return share;
}

/** Each callback answered 200 in the end, exactly one of its 200 answers not a duplicate, exactly one execution. */
function expectExactlyOnce({ calls, per, result }) {
	expect(calls.filter((c) => c.answers.at(-1).status !== 200).map((c) => c.account)).toEqual([]);
	expect(
		calls.filter((c) => c.answers.filter((a) => a.status === 200 && !a.duplicate).length !== 1).map((c) => c.account),
	).toEqual([]);
	expect({ extra: result.extraExecutions, missing: result.missingExecutions }).toEqual({ extra: 0, missing: 0 });
	expect(per.every((k) => k === 1)).toBe(true);
}

describe('routing recipe: nginx with `hash $arg_account consistent` in front of two webhook processors', () => {
	for (const shapeName of Object.keys(R.SHAPES)) {
		test(`${R.SHAPES[shapeName].label} (${CALLBACKS} callbacks, ${R.SHAPES[shapeName].concurrency}): 0 extra, 0 missing executions`, async () => {
			const run = await runShape(shapeName, nginx, CALLBACKS, `nginx-${shapeName}`);
			const share = expectRoutedByAccount(run.calls, run.log, upstreams);
			figures.scenarios[`nginx ${shapeName}`] = { ...run.result, accountsPerProcessor: share };
			expectExactlyOnce(run);
		}, 600_000);
	}
});

describe('routing recipe: HAProxy with `balance url_param account` and `hash-type consistent`', () => {
	for (const shapeName of ['simultaneous', 'repeat300ms']) {
		test(`${R.SHAPES[shapeName].label} (100 callbacks, ${R.SHAPES[shapeName].concurrency}): 0 extra, 0 missing executions`, async () => {
			const run = await runShape(shapeName, haproxy, 100, `haproxy-${shapeName}`);
			const share = expectRoutedByAccount(run.calls, run.log, ['webhook-1', 'webhook-2']);
			figures.scenarios[`haproxy ${shapeName}`] = { ...run.result, accountsPerProcessor: share };
			expectExactlyOnce(run);
		}, 600_000);
	}
});

describe('control: the same shapes through a round-robin proxy (what the hash prevents)', () => {
	test('50 callbacks each sent twice at the same moment: some start a second execution', async () => {
		const run = await runShape('simultaneous', roundRobin, 50, 'round-robin-simultaneous');
		figures.scenarios['round robin simultaneous'] = run.result;
		expect(run.result.missingExecutions).toBe(0);
		// n8n keeps no atomic store across processes: the two copies of a pair reach different processors
		expect(run.result.extraExecutions).toBeGreaterThan(0);
	}, 600_000);

	// The repeats' extra executions depend on timing and n8n version (issue 21: 0-37 of 50): recorded for the
	// documentation, not asserted; that none is lost is.
	for (const shapeName of ['repeat300ms', 'repeat1to3s']) {
		test(`50 callbacks, ${R.SHAPES[shapeName].label}: none lost, extra executions recorded`, async () => {
			const run = await runShape(shapeName, roundRobin, 50, `round-robin-${shapeName}`);
			figures.scenarios[`round robin ${shapeName}`] = run.result;
			expect(run.result.missingExecutions).toBe(0);
			expect(run.result.executions).toBeGreaterThanOrEqual(50);
		}, 600_000);
	}
});

describe('the trigger IP allowlist behind the balancers (N8N_PROXY_HOPS=1 on the webhook processors)', () => {
	test('the client address is the one the balancer saw; a forged X-Forwarded-For does not pass', async () => {
		const token = makeToken(32);
		secrets['token allowlist'] = token;
		const { workflow, url } = await triggerWorkflow(queue, { token, name: 'allowlist', ipAllowlist: '127.0.0.5' });
		await deployWorkflow(queue, workflow);
		const hookPath = new URL(url).pathname;
		const body = (i) => Q.callbackFor(crypto.randomUUID(), i).body;
		const at = (base, account) => `${base}${hookPath}?account=${account}&token=${token}`;
		// every account once through each balancer, so both processors answer
		const answers = {};
		for (const [name, balancer] of [
			['nginx', nginx],
			['haproxy', haproxy],
		]) {
			for (let i = 0; i < 6; i++) {
				const account = `9${i}`;
				for (let tries = 0; ; tries++) {
					const status = await R.postFrom('127.0.0.5', at(balancer.url, account), body(i));
					if (status !== 404 || tries > 50) {
						(answers[`${name} from allowed`] ||= []).push(status);
						break;
					}
					await sleep(200);
				}
				(answers[`${name} from other`] ||= []).push(await R.postFrom('127.0.0.6', at(balancer.url, account), body(i)));
				(answers[`${name} from other, forged X-Forwarded-For`] ||= []).push(
					await R.postFrom('127.0.0.6', at(balancer.url, account), body(i), { 'x-forwarded-for': '127.0.0.5' }),
				);
			}
		}
		// Why the processors must be reachable through the balancer only: a direct caller names its own address.
		answers['direct to a processor, forged X-Forwarded-For'] = [
			await R.postFrom('127.0.0.6', at(queue.webhooks[0].baseUrl, '97'), body(7), { 'x-forwarded-for': '127.0.0.5' }),
		];
		figures.allowlist = answers;
		expect(answers).toEqual({
			'nginx from allowed': Array(6).fill(200),
			'nginx from other': Array(6).fill(403),
			'nginx from other, forged X-Forwarded-For': Array(6).fill(403),
			'haproxy from allowed': Array(6).fill(200),
			'haproxy from other': Array(6).fill(403),
			'haproxy from other, forged X-Forwarded-For': Array(6).fill(403),
			'direct to a processor, forged X-Forwarded-For': [200],
		});
	}, 300_000);
});

describe('MCP Server Trigger with two webhook processors', () => {
	let mcpPath;

	beforeAll(async () => {
		const bearer = await queue.client.createCredential({
			name: 'MCP clients',
			type: 'httpBearerAuth',
			data: { token: MCP_TOKEN, useCustomAuth: false },
		});
		const credential = await queue.client.createCredential({
			name: 'Khipu sandbox (JWT)',
			type: 'khipuApi',
			data: { authType: 'jwt', jwtToken: DEFAULT_JWT, baseUrl: sandbox.url, allowedHttpRequestDomains: 'all' },
		});
		const pieces = await M.aiPieces(queue.client);
		mcpPath = `mcp-${crypto.randomBytes(4).toString('hex')}`;
		const created = await queue.client.createWorkflow(
			M.mcpWorkflow({ path: mcpPath, credential, triggerVersion: pieces.mcpTrigger.newest, bearerCredential: bearer }),
		);
		await queue.client.activateWorkflow(created.id);
		figures.mcp = { triggerVersion: pieces.mcpTrigger.newest, transports: pieces.mcpTrigger.transports };
		// live on both processors: an unauthenticated call is refused by the trigger (403), not unknown (404)
		await R.liveOnEveryProcessor(queue.webhooks, (base) => `${base}/mcp/${mcpPath}`, 403);
	}, 120_000);

	/** Connects, lists the tools and calls the Khipu tool once; returns 'OK' or what failed. */
	async function session(transport, route) {
		const url = M.mcpUrl(queue.webhooks[0].baseUrl, mcpPath);
		let client;
		try {
			({ client } = await R.connectRouted(url, transport, { bearerToken: MCP_TOKEN, route }));
			const tools = await client.listTools();
			if (!tools.tools.some((t) => t.name === M.TOOL_NAME)) return 'tool not listed';
			const result = await client.callTool({ name: M.TOOL_NAME, arguments: { accountNumber: '000011887755' } });
			const [answer] = M.toolAnswers(result.content[0].text);
			return answer.status === 'OK' && answer.balances[0].amount === 125000 ? 'OK' : `answer ${answer.status}`;
		} catch (error) {
			return String(error.message).replace(/\s+/g, ' ').slice(0, 120);
		} finally {
			if (client) await Promise.race([client.close().catch(() => {}), sleep(3000)]);
		}
	}

	test('through the recipes (/mcp/ to one processor, the other as backup) both transports work', async () => {
		const results = {};
		for (const [name, balancer] of [
			['nginx', nginx],
			['haproxy', haproxy],
		]) {
			for (const transport of figures.mcp.transports) {
				results[`${name} ${transport}`] = [];
				for (let k = 0; k < 2; k++) results[`${name} ${transport}`].push(await session(transport, () => balancer.url));
			}
		}
		figures.mcp.throughRecipes = results;
		expect(
			Object.values(results)
				.flat()
				.filter((r) => r !== 'OK'),
		).toEqual([]);
		// every /mcp/ request went to the first processor
		const mcpLines = R.readAccessLog(nginx.accessLog).filter((l) => l.path.startsWith('/mcp/'));
		expect(mcpLines.length).toBeGreaterThan(0);
		expect([...new Set(mcpLines.map((l) => l.served))]).toEqual([upstreams[0]]);
	}, 300_000);

	test('a session opened on one processor and continued on the other: what n8n does with each transport', async () => {
		const [first, second] = queue.webhooks.map((w) => w.baseUrl);
		const results = {};
		for (const transport of figures.mcp.transports) {
			results[`${transport}, first request on one processor, the rest on the other`] = await session(transport, (i) =>
				i === 0 ? first : second,
			);
			results[`${transport}, through a round-robin proxy`] = await session(transport, () => roundRobin.url);
		}
		figures.mcp.acrossProcessors = results;
		expect(results).toEqual(EXPECTED_ACROSS_PROCESSORS);
	}, 300_000);
});

describe('a webhook processor restarted behind nginx in the middle of a stream of callbacks', () => {
	test('0 missing; a second execution only for a callback whose deliveries reached two different n8n processes', async () => {
		const trigger = await deployTrigger('nginx-restart');
		const calls = [];
		const logBefore = R.readAccessLog(nginx.accessLog).length;
		const restart = { stopAt: null, readyAt: null };
		let firstAnswers = 0;
		const restarting = (async () => {
			while (firstAnswers < 50) await sleep(20);
			restart.stopAt = Date.now();
			await queue.webhooks[0].stop(); // SIGTERM, as an orchestrator's rolling restart sends
			await queue.startWebhook(0);
			restart.readyAt = Date.now();
		})();
		// first deliveries 3 at a time, each delivered again 1-3 s later, until 12 s after the processor is back
		// (nginx tries it again after fail_timeout=10s)
		const repeats = [];
		const streams = Array.from({ length: 3 }, async () => {
			while (!restart.readyAt || Date.now() < restart.readyAt + 12_000) {
				const call = {
					...Q.callbackFor(crypto.randomUUID(), calls.length),
					account: `8${String(calls.length).padStart(9, '0')}`,
					answers: [],
				};
				calls.push(call);
				await R.deliverUntil200(trigger.url(nginx.url, call.account), call.body, call.answers, {
					attempts: 20,
					retryDelayMs: 500,
				});
				firstAnswers++;
				repeats.push(
					sleep(1000 + Math.floor(Math.random() * 2000)).then(() =>
						R.deliverUntil200(trigger.url(nginx.url, call.account), call.body, call.answers, {
							attempts: 20,
							retryDelayMs: 500,
						}),
					),
				);
				await sleep(100);
			}
		});
		await Promise.all(streams);
		await Promise.all(repeats);
		await restarting;
		const { total, counts } = await executionsPerOperation(trigger.id, calls.length);
		// which n8n processes each delivery reached: the nginx log in order per account, every upstream nginx
		// tried (a delivery the stopping processor cut off after starting its execution was passed on to the
		// other one: proxy_next_upstream non_idempotent), the restarted processor's old and new process told
		// apart by time (it serves nothing while restarting)
		const byAccount = R.linesByAccount(R.readAccessLog(nginx.accessLog).slice(logBefore));
		const processesOf = (call) =>
			new Set(
				(byAccount.get(call.account) || []).flatMap((line, i) =>
					line.tried.map((upstream) => {
						if (upstream !== upstreams[0]) return upstream;
						return (call.answers[i]?.answeredAt ?? Infinity) < restart.readyAt
							? 'webhook-1 before restart'
							: 'webhook-1 after restart';
					}),
				),
			);
		const passedOn = calls.filter((c) => (byAccount.get(c.account) || []).some((l) => l.tried.length > 1));
		const crossed = calls.filter((c) => processesOf(c).size > 1);
		const extra = calls.filter((c) => (counts.get(c.body.OperationId) || 0) > 1);
		const missing = calls.filter((c) => !counts.get(c.body.OperationId));
		const servedAfter = calls.filter((c) => processesOf(c).has('webhook-1 after restart'));
		figures.restart = {
			callbacks: calls.length,
			deliveries: calls.reduce((a, c) => a + c.answers.length, 0),
			answersNot200: calls.flatMap((c) => c.answers.filter((a) => a.status !== 200).map((a) => a.status)),
			restartMs: restart.readyAt - restart.stopAt,
			callbacksServedByTwoProcesses: crossed.length,
			callbacksPassedOnByNginx: passedOn.length,
			extraExecutionsAfterPassOn: extra.filter((c) => passedOn.includes(c)).length,
			extraExecutions: extra.reduce((a, c) => a + counts.get(c.body.OperationId) - 1, 0),
			missingExecutions: missing.length,
			callbacksServedByTheRestartedProcessor: servedAfter.length,
			executions: total,
		};
		expect(calls.filter((c) => c.answers.at(-1).status !== 200)).toEqual([]);
		// what the recipe's proxy_next_upstream is for: a cut-off delivery or a 404 from the starting processor is
		// passed to the other processor, not answered to the sender (5 answers of 502 in trial runs without it)
		expect(figures.restart.answersNot200.filter((s) => s === 502 || s === 404)).toEqual([]);
		expect(missing.map((c) => c.account)).toEqual([]);
		// the same process never starts a callback twice; only deliveries that crossed processes can
		expect(extra.filter((c) => !crossed.includes(c)).map((c) => c.account)).toEqual([]);
		// nginx sent the restarted processor its accounts again
		expect(servedAfter.length).toBeGreaterThan(0);
	}, 900_000);
});

describe('secrets', () => {
	test("no callback token, MCP token, JWT or encryption key in the balancers' logs", () => {
		const read = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
		const sources = Object.fromEntries(
			[...nginx.logFiles, ...haproxy.logFiles].map((file) => [path.relative(queue.dir, file), read(file)]),
		);
		const found = {};
		for (const [name, secret] of Object.entries(secrets)) {
			for (const [source, text] of Object.entries(sources)) {
				const n = countSecret(text, secret);
				if (n > 0) found[`${name} in ${source}`] = n;
			}
		}
		figures.secretScan = {
			secrets: Object.keys(secrets).length,
			bytes: Object.values(sources).reduce((a, t) => a + t.length, 0),
			found,
		};
		expect(sources[path.relative(queue.dir, nginx.accessLog)]).toContain('account=');
		expect(found).toEqual({});
	});
});

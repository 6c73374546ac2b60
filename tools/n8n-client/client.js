'use strict';
// Small REST client for a running n8n 2.x (Node 20 global fetch; no dependencies).
//   internal REST (/rest/*, cookie auth): owner setup, login, API keys, /types/nodes.json
//   public API (/api/v1/*, X-N8N-API-KEY): credentials, workflows, executions
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { UNFINISHED } = require('./executions');

const OWNER_FILE = '.n8n-harness-owner.json';
const DEFAULT_OWNER = { email: 'owner@example.com', firstName: 'Harness', lastName: 'Owner' };

function generatePassword() {
	// n8n wants 8..64 chars with at least one digit and one uppercase letter
	return `Kh1-${crypto.randomBytes(12).toString('base64url')}-Zz9`;
}

function parseBody(text, contentType = '') {
	if (text === '') return '';
	if (/json/i.test(contentType) || /^[\s]*[[{"]/.test(text)) {
		try {
			return JSON.parse(text);
		} catch {
			/* fall through */
		}
	}
	return text;
}

class N8nHttpError extends Error {
	constructor(method, url, status, body) {
		const snippet = typeof body === 'string' ? body : JSON.stringify(body);
		super(`${method} ${url} -> HTTP ${status}: ${String(snippet).slice(0, 600)}`);
		this.status = status;
		this.body = body;
	}
}

/**
 * n8n 2.41 accepted an activation (HTTP 200) and then failed to publish it. Not an HTTP error: `status` is
 * left undefined on purpose. `body.message` holds the failing triggers' error messages (what n8n 2.8.4 put
 * in the body of its HTTP 400); `publication` the full publication-status answer.
 */
class WorkflowPublicationError extends Error {
	constructor(workflowId, publication) {
		const messages = (publication.triggers || [])
			.filter((t) => t.status === 'failed' && t.errorMessage)
			.map((t) => t.errorMessage);
		const message = messages.join('\n') || `publication ${publication.status}`;
		super(
			`workflow ${workflowId}: n8n accepted the activation, then publishing it ${publication.status === 'partial' ? 'partly ' : ''}failed: ${message}`,
		);
		this.name = 'WorkflowPublicationError';
		this.workflowId = workflowId;
		this.publication = publication;
		this.body = { message };
	}
}

/**
 * @param {string|{baseUrl: string, userFolder?: string}} target  base URL, or the object startN8n returned
 * @param {{userFolder?: string, owner?: {email?: string, firstName?: string, lastName?: string}}} [opts]
 *        userFolder: where the generated owner password is kept (<userFolder>/.n8n-harness-owner.json)
 */
async function n8nClient(target, opts = {}) {
	const baseUrl = String(typeof target === 'string' ? target : target.baseUrl).replace(/\/+$/, '');
	const userFolder = opts.userFolder || (typeof target === 'object' ? target.userFolder : undefined);
	const ownerFile = userFolder ? path.join(userFolder, OWNER_FILE) : null;
	// publication: null = not known yet, true/false = the instance does / does not publish asynchronously
	const state = { cookie: null, apiKey: opts.apiKey || null, owner: null, lastActivation: 0, publication: null };

	async function request(method, urlPath, { body, headers = {}, auth = 'none', raw = false } = {}) {
		const url = /^https?:/.test(urlPath) ? urlPath : `${baseUrl}${urlPath.startsWith('/') ? '' : '/'}${urlPath}`;
		const h = { accept: 'application/json', ...headers };
		if (auth === 'cookie') {
			if (!state.cookie) throw new Error(`${method} ${urlPath}: not logged in (call setupOwner() or login() first)`);
			h.cookie = state.cookie;
		} else if (auth === 'apiKey') {
			if (!state.apiKey) throw new Error(`${method} ${urlPath}: no API key (call createApiKey() first)`);
			h['x-n8n-api-key'] = state.apiKey;
		}
		let payload;
		if (body !== undefined) {
			if (typeof body === 'string' || Buffer.isBuffer(body) || body instanceof Uint8Array) payload = body;
			else {
				payload = JSON.stringify(body);
				if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
			}
		}
		const res = await fetch(url, { method, headers: h, body: payload, redirect: 'manual' });
		const text = await res.text();
		const parsed = parseBody(text, res.headers.get('content-type') || '');
		const setCookies = typeof res.headers.getSetCookie === 'function' ? res.headers.getSetCookie() : [];
		const authCookie = setCookies.map((c) => c.split(';')[0]).find((c) => c.startsWith('n8n-auth='));
		if (authCookie) state.cookie = authCookie;
		if (raw) return { status: res.status, headers: Object.fromEntries(res.headers.entries()), body: parsed };
		if (!res.ok) throw new N8nHttpError(method, urlPath, res.status, parsed);
		return parsed;
	}

	const rest = (method, p, body) => request(method, `/rest${p}`, { body, auth: 'cookie' });
	const api = (method, p, body) => request(method, `/api/v1${p}`, { body, auth: 'apiKey' });
	const unwrap = (r) => (r && typeof r === 'object' && 'data' in r ? r.data : r);

	function loadOwner() {
		if (!ownerFile) return null;
		try {
			return JSON.parse(fs.readFileSync(ownerFile, 'utf8'));
		} catch {
			return null;
		}
	}
	function saveOwner(owner) {
		if (!ownerFile) return;
		fs.mkdirSync(path.dirname(ownerFile), { recursive: true });
		fs.writeFileSync(ownerFile, JSON.stringify(owner, null, 2), { mode: 0o600 });
	}

	const client = {
		baseUrl,
		get cookie() {
			return state.cookie;
		},
		get apiKey() {
			return state.apiKey;
		},
		get owner() {
			return state.owner;
		},
		request,
		rest,
		api,

		/** POST /rest/login. Uses the saved owner unless email/password are given. */
		async login({ email, password } = {}) {
			const saved = state.owner || loadOwner() || {};
			email = email || saved.email;
			password = password || saved.password;
			if (!email || !password) throw new Error('login: no saved owner credentials (setupOwner() first)');
			const r = await request('POST', '/rest/login', { body: { emailOrLdapLoginId: email, password } });
			state.owner = { ...saved, email, password };
			return unwrap(r);
		},

		/**
		 * Creates the instance owner with a generated password (saved in <userFolder>/.n8n-harness-owner.json),
		 * or logs in with the saved one when the instance already has an owner.
		 * @returns {Promise<{email: string, password: string, created: boolean}>}
		 */
		async setupOwner(owner = {}) {
			const saved = loadOwner();
			const o = { ...DEFAULT_OWNER, ...(saved || {}), ...opts.owner, ...owner };
			o.password = owner.password || (saved && saved.password) || generatePassword();
			saveOwner(o); // before the call, so a crash right after setup can't lose the password
			const r = await request('POST', '/rest/owner/setup', {
				body: { email: o.email, firstName: o.firstName, lastName: o.lastName, password: o.password },
				raw: true,
			});
			if (r.status >= 200 && r.status < 300) {
				state.owner = o;
				return { email: o.email, password: o.password, created: true };
			}
			const msg = JSON.stringify(r.body);
			if (r.status === 400 && /already/i.test(msg)) {
				if (!saved) {
					throw new Error(
						`setupOwner: instance already has an owner and ${ownerFile || 'no userFolder'} holds no password`,
					);
				}
				await client.login({ email: o.email, password: o.password });
				return { email: o.email, password: o.password, created: false };
			}
			throw new N8nHttpError('POST', '/rest/owner/setup', r.status, r.body);
		},

		/** Creates an API key with every scope the instance offers; returns the raw key (also used by this client). */
		async createApiKey({ label = `harness-${Date.now()}-${crypto.randomBytes(3).toString('hex')}`, scopes } = {}) {
			if (!scopes) scopes = unwrap(await rest('GET', '/api-keys/scopes'));
			const r = unwrap(await rest('POST', '/api-keys', { label, expiresAt: null, scopes }));
			if (!r || !r.rawApiKey) throw new Error(`createApiKey: unexpected response ${JSON.stringify(r).slice(0, 300)}`);
			state.apiKey = r.rawApiKey;
			return r.rawApiKey;
		},

		/** @returns {Promise<object>} the created credential ({id, name, type, ...}) */
		async createCredential({ name, type, data }) {
			return api('POST', '/credentials', { name, type, data });
		},
		async deleteCredential(id) {
			return api('DELETE', `/credentials/${encodeURIComponent(id)}`);
		},

		/** POST /api/v1/workflows; only the fields the public API accepts are sent. */
		async createWorkflow(wf) {
			const body = {
				name: wf.name || `harness workflow ${Date.now()}`,
				nodes: wf.nodes || [],
				connections: wf.connections || {},
				settings: wf.settings || { executionOrder: 'v1' },
			};
			if (wf.staticData !== undefined) body.staticData = wf.staticData;
			return api('POST', '/workflows', body);
		},
		async getWorkflow(id) {
			return api('GET', `/workflows/${encodeURIComponent(id)}`);
		},
		/**
		 * Activates (publishes) a workflow and returns once its triggers and webhooks are live.
		 * n8n 2.8.4 does that within the request and answers an activation error with HTTP 400. n8n 2.41
		 * publishes asynchronously by default (N8N_USE_WORKFLOW_PUBLICATION_SERVICE=true): the request
		 * answers 200 at once and a trigger's activation error only shows in publication-status, seconds
		 * later. There this waits for the outcome (see settlePublication) and throws a
		 * WorkflowPublicationError when it failed. Nothing changes on instances without that endpoint.
		 * @param {string} id
		 * @param {{settleTimeoutMs?: number}} [o]
		 */
		async activateWorkflow(id, { settleTimeoutMs = 60_000 } = {}) {
			const r = await api('POST', `/workflows/${encodeURIComponent(id)}/activate`);
			state.lastActivation = Date.now();
			await client.settlePublication(id, { timeoutMs: settleTimeoutMs, action: 'activate' });
			return r;
		},
		/** Deactivates a workflow; on n8n 2.41 also waits until its triggers are torn down (see activateWorkflow). */
		async deactivateWorkflow(id, { settleTimeoutMs = 60_000 } = {}) {
			const r = await api('POST', `/workflows/${encodeURIComponent(id)}/deactivate`);
			await client.settlePublication(id, { timeoutMs: settleTimeoutMs, action: 'deactivate' });
			return r;
		},

		/**
		 * n8n 2.41+: polls GET /rest/workflows/:id/publication-status until no publication is in flight.
		 * Returns the final status ({status, liveVersionId, pendingVersionId, triggers}), or null when the
		 * instance has no such endpoint (n8n 2.8.4, or N8N_USE_WORKFLOW_PUBLICATION_SERVICE=false) or this
		 * client is not logged in. Throws WorkflowPublicationError on "failed"/"partial" after an activation.
		 */
		async settlePublication(id, { timeoutMs = 60_000, action = 'activate', intervalMs = 200 } = {}) {
			if (state.publication === false || !state.cookie) return null;
			const url = `/rest/workflows/${encodeURIComponent(id)}/publication-status`;
			const until = Date.now() + timeoutMs;
			for (;;) {
				const r = await request('GET', url, { auth: 'cookie', raw: true });
				if (r.status === 404 && state.publication !== true) {
					state.publication = false; // route unknown (2.8.4) or publication service off
					return null;
				}
				if (r.status !== 200) throw new N8nHttpError('GET', url, r.status, r.body);
				state.publication = true;
				const pub = unwrap(r.body) || {};
				if (pub.status !== 'in_progress') {
					if (action === 'activate' && (pub.status === 'failed' || pub.status === 'partial')) {
						throw new WorkflowPublicationError(id, pub);
					}
					return pub;
				}
				if (Date.now() > until) {
					throw new Error(
						`${action} workflow ${id}: publication still in progress after ${timeoutMs} ms (${JSON.stringify(pub)})`,
					);
				}
				await sleep(intervalMs);
			}
		},
		async deleteWorkflow(id) {
			return api('DELETE', `/workflows/${encodeURIComponent(id)}`);
		},

		/**
		 * All executions matching the filter (follows nextCursor).
		 * @param {{workflowId?: string, status?: string, includeData?: boolean, limit?: number, projectId?: string}} [q]
		 *        limit = page size (1..250, default 250); every page is fetched.
		 */
		async listExecutions({ workflowId, status, includeData, limit = 250, projectId } = {}) {
			const query = { limit: String(limit) };
			if (workflowId !== undefined) query.workflowId = String(workflowId);
			if (status) query.status = status;
			if (includeData !== undefined) query.includeData = String(!!includeData);
			if (projectId) query.projectId = projectId;
			return client.listAll('/executions', query);
		},

		/**
		 * Every item of a paged public-API list (GET /api/v1<path>?…&cursor=…, following nextCursor).
		 * @param {string} listPath e.g. '/workflows', '/credentials', '/data-tables'
		 * @param {Record<string, string>} [query] page size and filters (default limit 100)
		 */
		async listAll(listPath, query = {}) {
			const out = [];
			let cursor;
			do {
				const qs = new URLSearchParams({ limit: '100', ...query });
				if (cursor) qs.set('cursor', cursor);
				const page = await api('GET', `${listPath}?${qs}`);
				out.push(...(page.data || []));
				cursor = page.nextCursor;
			} while (cursor);
			return out;
		},
		async getExecution(id, { includeData = true } = {}) {
			return api('GET', `/executions/${encodeURIComponent(id)}?includeData=${!!includeData}`);
		},
		async deleteExecution(id) {
			return api('DELETE', `/executions/${encodeURIComponent(id)}`);
		},

		/**
		 * Polls until at least `count` executions of the workflow exist that have finished
		 * (status not new/running/waiting), or — with `status` — that have that status.
		 * Waiting counts as unfinished on every version: n8n 2.8.4 leaves a waiting execution out of
		 * GET /executions (it stays in ActiveExecutions, whose ids the list excludes), while 2.41 lists it
		 * (it excludes only ids whose ActiveExecutions status is 'running', ExecutionService.findManyAndCount).
		 * @returns {Promise<object[]>} the matching executions (newest first, as the API lists them)
		 */
		async waitForExecutions({ workflowId, count = 1, timeoutMs = 15_000, status, includeData, intervalMs = 200 } = {}) {
			const until = Date.now() + timeoutMs;
			let last = [];
			for (;;) {
				const all = await client.listExecutions({ workflowId, status, includeData });
				last = status ? all : all.filter((e) => !UNFINISHED.has(e.status));
				if (last.length >= count) return last;
				if (Date.now() > until) {
					const seen = all.map((e) => `${e.id}:${e.status}`).join(', ') || 'none';
					throw new Error(
						`waitForExecutions: wanted ${count} ${status || 'settled'} execution(s) of workflow ${workflowId} within ${timeoutMs} ms; saw ${seen}`,
					);
				}
				await sleep(intervalMs);
			}
		},

		/** GET /types/nodes.json (needs the login cookie in 2.x). @returns {Promise<object[]>} */
		async getNodeTypes() {
			return request('GET', '/types/nodes.json', { auth: 'cookie' });
		},
		async getCredentialTypes() {
			return request('GET', '/types/credentials.json', { auth: 'cookie' });
		},

		/**
		 * Calls a webhook: /webhook/<path> (or /webhook-test/<path> with test:true).
		 * Objects are sent as JSON. A 404 is retried for up to retry404Ms (default: 5 s when a workflow
		 * was activated by this client in the last 15 s, else 0) — the first call after activation can 404.
		 * @returns {Promise<{status: number, headers: Record<string,string>, body: any}>}
		 */
		async callWebhook(webhookPath, body, { method = 'POST', headers = {}, test = false, retry404Ms, query } = {}) {
			const prefix = test ? 'webhook-test' : 'webhook';
			let url = `${baseUrl}/${prefix}/${String(webhookPath).replace(/^\/+/, '')}`;
			if (query) url += `?${new URLSearchParams(query)}`;
			const sendBody = method === 'GET' || method === 'HEAD' ? undefined : body;
			const budget = retry404Ms ?? (Date.now() - state.lastActivation < 15_000 ? 5_000 : 0);
			const until = Date.now() + budget;
			for (;;) {
				const r = await request(method, url, { body: sendBody, headers, raw: true });
				if (r.status !== 404 || Date.now() >= until) return r;
				await sleep(250);
			}
		},
	};
	return client;
}

/** The version of a running n8n, from its settings (logged-in client: newer n8n hide it from anonymous calls). */
async function runningN8nVersion(client) {
	const settings = await client.rest('GET', '/settings');
	const version = settings && (settings.data || settings).versionCli;
	if (!/^\d+\.\d+\.\d+/.test(String(version))) throw new Error(`n8n reported no version: ${JSON.stringify(version)}`);
	return version;
}

module.exports = { n8nClient, runningN8nVersion, N8nHttpError, WorkflowPublicationError, generatePassword, OWNER_FILE };

import { sleep } from 'n8n-workflow';
import nock from 'nock';

/**
 * Khipu, mocked at the HTTP layer with nock, as n8n's own node tests do: the
 * node's requests are real HTTP requests built by n8n's request helper and
 * signed by the credential's authenticate(); nock answers them before they
 * reach a socket, so each test sees exactly what would have gone on the wire.
 * Every answer is scripted by the test; no request leaves the process.
 */

/** The Base URL to put in the Khipu API credential. */
export const FAKE_KHIPU_URL = 'https://khipu.fake.test';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

export interface KhipuRequest {
	method: string;
	path: string;
	/** Header names in lower case. */
	headers: Record<string, string | undefined>;
	/** The JSON body ({} when the body was not JSON). */
	body: { RequestData?: Record<string, unknown>; CallbackUrl?: string; [key: string]: unknown };
	/** When the request arrived (ms since epoch). */
	at: number;
}

export interface KhipuReply {
	status: number;
	/** An object is sent as JSON; a string as an HTML page. */
	body?: object | string;
	headers?: Record<string, string>;
	/** Answer only after this many milliseconds. */
	delayMs?: number;
}

export type Script = (request: KhipuRequest) => KhipuReply;

function jsonBody(body: unknown): KhipuRequest['body'] {
	if (body && typeof body === 'object') return body as KhipuRequest['body'];
	try {
		return JSON.parse(String(body)) as KhipuRequest['body'];
	} catch {
		return {};
	}
}

export class FakeKhipu {
	readonly url = FAKE_KHIPU_URL;

	/** Every request received since the last reset, in arrival order. */
	readonly requests: KhipuRequest[] = [];

	/** Requests to anywhere else: nock refuses them, and the test fails (see useFakeKhipu). */
	readonly strayRequests: string[] = [];

	/** The most requests handled at the same time since the last reset. */
	maxInFlight = 0;

	private inFlight = 0;

	private script: Script;

	constructor(private readonly defaultScript: Script) {
		this.script = defaultScript;
	}

	/** Answers every following request with `script` (until the next reset). */
	answer(script: Script): void {
		this.script = script;
	}

	/** Answers the next requests with these replies in turn; later requests get the last one. */
	answerInTurn(...replies: KhipuReply[]): void {
		let next = 0;
		this.script = () => replies[Math.min(next++, replies.length - 1)];
	}

	reset(): void {
		this.requests.length = 0;
		this.strayRequests.length = 0;
		this.maxInFlight = 0;
		this.script = this.defaultScript;
	}

	start(): void {
		nock.disableNetConnect();
		nock.emitter.on('no match', this.onStray);
		const scope = nock(this.url).persist();
		const handle = async (request: KhipuRequest) => await this.handle(request);
		for (const method of METHODS) {
			// nock hands a reply function the request as `this`, so it cannot be an arrow function.
			scope
				.intercept(() => true, method)
				.reply(async function (path, body) {
					return await handle({ method, path, headers: this.req.headers, body: jsonBody(body), at: Date.now() });
				});
		}
	}

	stop(): void {
		nock.emitter.removeListener('no match', this.onStray);
		nock.cleanAll();
		nock.enableNetConnect();
		// Takes nock out of Node's HTTP module again, so the next test file starts from Node's own.
		nock.restore();
	}

	private readonly onStray = (request: { method?: string; href?: string; path?: string }) => {
		this.strayRequests.push(`${request.method ?? '?'} ${request.href ?? request.path ?? '?'}`);
	};

	private async handle(request: KhipuRequest): Promise<[number, string | object, Record<string, string>]> {
		this.requests.push(request);
		this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
		try {
			const reply = this.script(request);
			if (reply.delayMs) await sleep(reply.delayMs);
			const html = typeof reply.body === 'string';
			return [
				reply.status,
				reply.body ?? '',
				{ 'Content-Type': html ? 'text/html' : 'application/json', ...reply.headers },
			];
		} finally {
			this.inFlight--;
		}
	}
}

/** A fake Khipu for every test of the calling file, answering with `defaultScript` unless a test scripts it. */
export function useFakeKhipu(defaultScript: Script): FakeKhipu {
	const khipu = new FakeKhipu(defaultScript);
	beforeAll(() => khipu.start());
	afterEach(() => {
		const stray = [...khipu.strayRequests];
		khipu.reset();
		if (stray.length > 0) throw new Error(`Requests went past the fake Khipu: ${stray.join(', ')}`);
	});
	afterAll(() => khipu.stop());
	return khipu;
}

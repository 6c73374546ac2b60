'use strict';

const { setTimeout: sleep } = require('node:timers/promises');
const { readBody, sendJson, sendText, canWrite } = require('./http-io');
const { redactUrl, redactRequestTarget } = require('./redact');
const { checkAuth, parseJsonBody, validateBody } = require('./validation');
const { resolveScenario } = require('./scenarios');
const { planOutcome } = require('./outcomes');
const { newOperationId, errorEnvelope, acceptedEnvelope } = require('./envelope');
const { GENERIC_SERVER_ERROR } = require('./error-codes');

const ENDPOINT_PATH = '/v1/ar/banking/personal/santander.com.ar/pending/current-day/ACY/balances';

function logLine(record, elapsedMs) {
	const auth = record.authScheme ? `${record.authScheme}${record.authValid ? '' : '(rejected)'}` : '-';
	const outcome = record.status === null ? 'connection reset' : String(record.status);
	return [
		`#${record.seq}`,
		record.method,
		record.path,
		`auth=${auth}`,
		`account=${record.accountNumber ?? '-'}`,
		`callback=${record.callbackUrl ?? '-'}`,
		'->',
		outcome,
		record.scenario ?? '-',
		`(${elapsedMs} ms)`,
	].join(' ');
}

/**
 * Handles the balances endpoint. Order mirrors a gateway in front of Khipu:
 * method, body size, latency, authentication, JSON, fields, then the scenario.
 */
function createEndpointHandler({ internal, dispatcher, secrets, log, signal, now }) {
	return async function handleEndpoint(req, res) {
		const started = Date.now();
		internal.enterFlight();
		const record = internal.recordRequest({
			method: req.method,
			path: redactRequestTarget(req.url),
			authScheme: null,
			authValid: null,
			accountNumber: null,
			callbackUrl: null,
			callbackUrlLength: null,
			callbackUrlLocation: null,
			accountCredentialPresent: false,
			accountCredentialKind: null,
			bodyValid: null,
			status: null,
			scenario: null,
			operationId: null,
		});
		let finished = false;
		let landed = false;
		// Leaves the in-flight count before the answer is written: a client may send its next
		// request as soon as it reads this one, before 'finish' fires here.
		const land = () => {
			if (landed) return;
			landed = true;
			internal.leaveFlight();
		};
		const finish = () => {
			land();
			if (finished) return;
			finished = true;
			log(logLine(record, Date.now() - started));
		};
		res.on('close', finish);
		res.on('finish', finish);

		const answerJson = (status, body, headers) => {
			land();
			if (sendJson(res, status, body, headers)) record.status = status;
		};
		const answerError = (status, error) => answerJson(status, errorEnvelope(newOperationId(), error));
		const wait = async (ms) => {
			if (ms > 0) await sleep(ms, undefined, { signal });
		};

		try {
			if (req.method !== 'POST') {
				req.resume();
				await wait(internal.config().latencyMs);
				answerJson(405, { message: 'Method Not Allowed' }, { Allow: 'POST' });
				return;
			}

			const read = await readBody(req);
			await wait(internal.config().latencyMs);
			if (read.tooLarge) {
				answerJson(413, { message: 'Request Entity Too Large' });
				return;
			}

			const auth = checkAuth(req.headers, secrets);
			record.authScheme = auth.scheme;
			record.authValid = auth.valid;
			if (!auth.valid) {
				answerError(auth.httpStatus, auth.error);
				return;
			}

			const parsed = parseJsonBody(req.headers['content-type'], read.buffer);
			if (parsed.error) {
				record.bodyValid = false;
				answerError(400, parsed.error);
				return;
			}

			const { facts, error } = validateBody(parsed.body, auth.scheme);
			record.accountNumber = facts.accountNumber;
			record.callbackUrl = redactUrl(facts.callbackUrl);
			record.callbackUrlLength = facts.callbackUrl === null ? null : facts.callbackUrl.length;
			record.callbackUrlLocation = facts.callbackUrlLocation;
			record.accountCredentialPresent = facts.accountCredentialPresent;
			record.accountCredentialKind = facts.accountCredentialKind;
			record.bodyValid = !error;
			if (error) {
				answerError(400, error);
				return;
			}

			const { scenario, count } = resolveScenario(facts.accountNumber);
			const operationId = newOperationId();
			const at = now();
			record.scenario = scenario.id;
			record.operationId = operationId;
			const plan = planOutcome({
				scenario,
				count,
				attempt: internal.nextAttempt(facts.accountNumber),
				accountNumber: facts.accountNumber,
				operationId,
				now: at,
			});

			if (plan.httpFailure) {
				const failure = plan.httpFailure;
				land();
				if (failure.reset) {
					req.socket.destroy();
					return;
				}
				if (failure.truncate) {
					// Promise the whole body, send half of it, then cut the connection.
					const body = Buffer.from(JSON.stringify(failure.json));
					res.writeHead(failure.status, {
						...failure.headers,
						'Content-Type': 'application/json; charset=utf-8',
						'Content-Length': body.length,
					});
					record.status = failure.status;
					res.write(body.subarray(0, Math.floor(body.length / 2)), () => req.socket.destroy());
					return;
				}
				const sent = failure.json
					? sendJson(res, failure.status, failure.json, failure.headers)
					: sendText(res, failure.status, failure.text, failure.contentType, failure.headers);
				if (sent) record.status = failure.status;
				return;
			}

			const { callbackDelayMs, slowMs, lifeSpanMs } = internal.config();
			const workMs = plan.delay === 'slowMs' ? slowMs : 0;
			if (facts.callbackUrl !== null) {
				answerJson(202, acceptedEnvelope(operationId, at, lifeSpanMs));
				dispatcher.schedule({
					operationId,
					url: facts.callbackUrl,
					envelope: plan.envelope,
					delayMs: callbackDelayMs + workMs,
					times: plan.callbacks,
				});
				return;
			}
			await wait(workMs);
			answerJson(200, plan.envelope);
		} catch (err) {
			// Aborted waits (sandbox closing) and vanished clients need no answer.
			if (signal.aborted || !canWrite(res) || (err && err.message === 'request aborted')) return;
			log(`internal error: ${err && err.name}: ${err && err.message}`);
			answerError(500, GENERIC_SERVER_ERROR);
		}
	};
}

module.exports = { ENDPOINT_PATH, createEndpointHandler };

'use strict';
// The README's reliability section, written from the figures the reliability suite leaves in
// artifacts/reliability.json (see tools/figures/readme-figures.js).

/** The section's Markdown (without its markers) for one run's figures. */
function reliabilitySection(f) {
	const r = f.faults.retries || {};
	const ms = (list) => (list || []).map((n) => `${n}`).join(' / ');
	const rows = [
		[
			'Khipu faults tried (scenarios / node runs)',
			`${f.faults.scenarios} / ${f.faults.runs} (sync, callback URL, pause; with and without Continue On Fail)`,
		],
		[
			'Retries, measured at the sandbox',
			`\`RETRY_IMMEDIATELY\`: ${r.maxRetries + 1} attempts, ${ms(r.retryImmediatelyGapsMs)} ms apart (Retry Delay ${r.retryDelayMs} ms, doubling); HTTP 429 \`Retry-After: 1\`: ${ms(r.retryAfter1sGapsMs)} ms apart; \`Retry-After: 120\` over the 60 s cap: 1 attempt`,
		],
		['Timeout', `a 3 s answer with Timeout ${r.timeoutMs} ms failed after ${r.timeoutRunMs} ms, not retried`],
		[
			'Bad inputs tried',
			`${f.badInputs.total} (${f.badInputs.nodeParameters} node parameters, ${f.badInputs.credentials} credential fields, ${f.badInputs.callbackBodies} callback bodies); requests that reached Khipu: ${f.badInputs.requestsReachingKhipu}, executions started: ${f.badInputs.executionsStarted}`,
		],
		[
			'Callbacks sent',
			`${f.callbacks.sent} (${f.callbacks.legitimate} legitimate, ${f.callbacks.duplicates} duplicates, ${f.callbacks.forged} forged or abusive)`,
		],
		[
			'Executions counted (load)',
			`${f.load.executionsCounted} for ${f.load.distinctOperationIds} OperationIds, each exactly once with the right amount`,
		],
		['Duplicates rejected', `${f.callbacks.duplicatesRejected} of ${f.callbacks.duplicates}`],
		[
			'Forged requests rejected',
			`${f.callbacks.forgedRejected} of ${f.callbacks.forged} (flood of ${f.abuse.floodRequests} at concurrency ${f.abuse.floodConcurrency} in ${(f.abuse.floodMs / 1000).toFixed(1)} s)`,
		],
		[
			'500-account run',
			`${f.load.accountOutputs} items in input order, Concurrency ${f.load.concurrencyOption} = ${f.load.maxInFlight} in flight at the sandbox`,
		],
		[
			'Secrets found',
			`${f.secrets.found} in ${(f.secrets.bytesScanned / 1e6).toFixed(1)} MB (JWT, API key, bank login and ${f.secrets.checked.find((c) => /callback tokens$/.test(c)) || 'the callback tokens'} of the Khipu Callback Token API credentials; ${f.secrets.executionsScanned} executions with data, every exported workflow, n8n's database, log and files, sandbox log and records, test output)`,
		],
		['Duration', `${(f.durationMs / 1000).toFixed(0)} s`],
	];
	return [
		`The reliability suite (\`test/integration/reliability/\`, part of \`npm test\`) runs a real n8n ${f.n8nVersion} with this package`,
		'and the local Khipu sandbox, injects every Khipu fault the sandbox can produce, feeds bad input to the node, its',
		'credential and the trigger, floods the callback URL with forged requests, delivers 1,000 callbacks plus duplicates,',
		'and then scans everything n8n and the nodes produced for secrets. n8n saves every execution with its data',
		'(`EXECUTIONS_DATA_SAVE_ON_SUCCESS`/`_ON_ERROR=all`, pruning off) so each one can be counted and read back.',
		`Figures from the run of ${f.date.slice(0, 10)} (\`npm test\`, ${f.machine}):`,
		'',
		'| Figure | Value |',
		'|---|---|',
		...rows.map(([name, value]) => `| ${name} | ${value} |`),
		'',
		'Bad input fails before any request with a message naming the field; retries are bounded and back off; HTTP 429',
		'waits for `Retry-After` up to the cap; nothing hangs past its timeout; n8n logged no unhandled error. A callback',
		'that never comes in pause mode is covered by the pause suite (it waits out a 1-minute Wait Limit).',
	].join('\n');
}

module.exports = { reliabilitySection };

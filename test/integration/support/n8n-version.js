'use strict';
// What a user of the running n8n version gets where n8n 2.8.4 and 2.41.1 differ (docs/COMPAT.md).
// The version is read from the running n8n (GET /rest/settings as the owner, versionCli), never from the test's
// environment, so a suite asserts the outcome of the n8n it actually talks to. Versions between the two
// tested ones are not run by CI: each difference is keyed to the first tested version that shows it.
const { runningN8nVersion } = require('../../../tools/n8n-client/client');

const NEWEST_TESTED = '2.41.0';

/** true when dotted version `a` >= `b` (numeric parts; a pre-release suffix is ignored). */
function versionAtLeast(a, b) {
	const parts = (v) =>
		String(v)
			.split('-')[0]
			.split('.')
			.map((n) => Number(n) || 0);
	const [x, y] = [parts(a), parts(b)];
	for (let i = 0; i < Math.max(x.length, y.length); i++) {
		if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) > (y[i] || 0);
	}
	return true;
}

/**
 * The behaviours that differ, for one n8n version.
 * - backgroundActivation: activating a workflow answers 200 at once and a trigger's refusal shows in
 *   GET /rest/workflows/:id/publication-status (n8n's workflow publication service, on by default);
 *   before, the activate call itself answered 400 with the trigger's message.
 * - requiredFieldsCheckedOnSave: the public API refuses to save a credential whose required, shown
 *   field is empty ("The field \"x\" is mandatory …"); before, it saved it and the node's own check ran.
 * - pauseCallbackDelayMs: how long after the node's request a test's Khipu (the sandbox) calls back in pause
 *   mode so that n8n has stored the execution as waiting even on a busy 2-core machine; earlier calls get
 *   n8n's 409. Above the longest refusal window measured under load (`npm run measure:race`,
 *   artifacts/resume-race-*.json): 500 ms on 2.8.4, 2,666 ms on 2.41.1. Real Khipu needs seconds to read a bank.
 */
function behavioursOf(version) {
	const newer = versionAtLeast(version, NEWEST_TESTED);
	return {
		version,
		backgroundActivation: newer,
		requiredFieldsCheckedOnSave: newer,
		pauseCallbackDelayMs: newer ? 3000 : 800,
	};
}

/** behavioursOf() the n8n a stack (startStack) runs; cached on the stack. */
async function n8nBehaviours(stack) {
	if (!stack.n8nBehaviours) stack.n8nBehaviours = behavioursOf(await runningN8nVersion(stack.client));
	return stack.n8nBehaviours;
}

/**
 * Asserts how n8n reported an activation that a trigger refused, as its user sees it:
 * - 2.8.4: the activate call fails with HTTP 400 carrying the trigger's message; the workflow stays inactive.
 * - 2.41: the activate call succeeds and the workflow shows as active, but its publication status is
 *   "failed" with the trigger's message (the harness turns that into a WorkflowPublicationError).
 * Returns the message the user reads, for the caller's checks on its wording.
 */
async function expectActivationRefused(stack, failure, workflowId) {
	const { backgroundActivation } = await n8nBehaviours(stack);
	expect(failure).toBeDefined();
	const workflow = await stack.client.getWorkflow(workflowId);
	if (backgroundActivation) {
		expect(failure.name).toBe('WorkflowPublicationError');
		expect(failure.publication.status).toBe('failed');
		const [trigger] = failure.publication.triggers.filter((t) => t.status === 'failed');
		expect(workflow.active).toBe(true);
		return trigger.errorMessage;
	}
	expect(failure.status).toBe(400);
	expect(workflow.active).toBe(false);
	return failure.body.message;
}

module.exports = { n8nBehaviours, expectActivationRefused };

'use strict';
// The n8n editor in a real headless Chromium (Debian's `chromium` package driven by playwright-core; no
// browser download) against what `npm start` sets up (tools/start/environment.js, temp data folder,
// free ports): sign in, open the scheduled-alert example, open the Khipu node, find the node in the nodes
// panel. Screenshots go to artifacts/browser/ (gitignored), plus FAILED-*.png when a step fails.
// CHROMIUM_PATH overrides /usr/bin/chromium.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { REPO_ROOT } = require('../../tools/lib/repo');
const { startExamplesStack, startTimeoutMs } = require('../integration/support/examples-stack');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'artifacts', 'browser');
const ALERT = 'Khipu example: scheduled balance alert';
const KHIPU_NODE = "Get today's balance";
const ICON_PATH = '/icons/n8n-nodes-khipu-santander-ar/';
// the machine has no internet: nothing that phones home, updates or syncs
const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

jest.setTimeout(60_000);

let stack;
let context;
let page;
let profileDir;
const outsideRequests = [];
let shotNo = 0;

async function shot(name) {
	shotNo += 1;
	const file = path.join(ARTIFACTS, `${String(shotNo).padStart(2, '0')}-${name}.png`);
	await page.screenshot({ path: file });
	return file;
}

/** Runs a test body; on failure saves FAILED-<name>.png before rethrowing. */
function step(name, fn) {
	return async () => {
		try {
			await fn();
		} catch (error) {
			if (page) await page.screenshot({ path: path.join(ARTIFACTS, `FAILED-${name}.png`) }).catch(() => {});
			throw error;
		}
	};
}

const KHIPU_CREDENTIAL_LABEL = 'Khipu API Credential';
const CALLBACK_CREDENTIAL_LABEL = 'Callback Token Credential';

/** The node shows exactly these credential fields, in order, each under a label starting with the given text. */
async function expectCredentialLabels(ndv, expected) {
	// The label element wraps the field too, so its text goes on after the label.
	const texts = (await ndv.getByTestId('credentials-label').allTextContents()).map((t) => t.trim());
	expect(
		texts.map((text, i) => (expected[i] !== undefined && text.startsWith(expected[i]) ? expected[i] : text)),
	).toEqual(expected);
}

/** Every given parameter label is shown in the node's panel. */
async function expectFieldLabels(ndv, expected) {
	const labels = (await ndv.getByTestId('input-label').allTextContents()).map((t) => t.trim());
	for (const label of expected) {
		expect({ label, shown: labels.some((l) => l.startsWith(label)) }).toEqual({ label, shown: true });
	}
}

async function chooseDelivery(ndv, name) {
	await ndv.getByTestId('parameter-input-delivery').click();
	await page.locator('.el-select-dropdown__item:visible').filter({ hasText: name }).click();
}

/** true once the <img> has loaded a real picture (a broken icon has naturalWidth 0) */
async function imageLoaded(locator) {
	await locator.waitFor();
	await locator.evaluate((img) =>
		img.complete ? null : new Promise((r) => img.addEventListener('load', r, { once: true })),
	);
	return locator.evaluate((img) => img.complete && img.naturalWidth > 0);
}

beforeAll(async () => {
	if (!fs.existsSync(CHROMIUM)) {
		throw new Error(
			`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`,
		);
	}
	fs.rmSync(ARTIFACTS, { recursive: true, force: true });
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	stack = await startExamplesStack({ prefix: 'khipu-browser-' });

	const { chromium, selectors } = require('playwright-core');
	selectors.setTestIdAttribute('data-test-id'); // n8n's attribute
	profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'khipu-chromium-')); // a fresh profile every run
	context = await chromium.launchPersistentContext(profileDir, {
		executablePath: CHROMIUM,
		headless: true,
		chromiumSandbox: false,
		args: CHROMIUM_ARGS,
		viewport: { width: 1440, height: 900 },
		timeout: 60_000,
	});
	context.setDefaultTimeout(20_000);
	// everything stays on this machine: anything not on loopback is recorded and refused
	await context.route('**/*', (route) => {
		const url = new URL(route.request().url());
		if (
			url.hostname === '127.0.0.1' ||
			url.hostname === 'localhost' ||
			url.protocol === 'data:' ||
			url.protocol === 'blob:'
		) {
			return route.continue();
		}
		outsideRequests.push(url.href);
		return route.abort();
	});
	page = context.pages()[0] || (await context.newPage());
}, startTimeoutMs() + 60_000);

afterAll(async () => {
	if (context) await context.close().catch(() => {});
	if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
	if (stack) await stack.stop();
}, 60_000);

test(
	'signs in with the owner login npm start set up',
	step('signin', async () => {
		await page.goto(`${stack.n8n.baseUrl}/signin`);
		await page.locator('input[name="emailOrLdapLoginId"]').fill(stack.owner.email);
		await page.locator('input[name="password"]').fill(stack.owner.password);
		await shot('signin');
		await page.getByTestId('form-submit-button').click();
		await page.waitForURL((url) => !url.pathname.startsWith('/signin'), { timeout: 30_000 });
		expect(new URL(page.url()).pathname).not.toMatch(/signin|setup/);
	}),
);

test(
	'opens the scheduled-alert workflow: the Khipu node is on the canvas with its icon and operation',
	step('canvas', async () => {
		await page.goto(`${stack.n8n.baseUrl}/workflow/${stack.workflowByName(ALERT).id}`);
		const node = page.locator(`[data-test-id="canvas-node"][data-node-name="${KHIPU_NODE}"]`);
		await node.waitFor();
		expect(await node.getAttribute('data-node-type')).toBe('n8n-nodes-khipu-santander-ar.khipuSantanderAr');
		const icon = node.locator(`img[src*="${ICON_PATH}"]`);
		expect(await imageLoaded(icon)).toBe(true);
		// the subtitle shows the operation
		await expect(node.textContent()).resolves.toContain('Get pending current day balances');
		// the whole example is there, sticky notes included
		for (const name of [
			'Every weekday at 08:30',
			'Accounts and minimums',
			'Below the minimum?',
			'Notify treasury',
			'Summary',
		]) {
			await page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`).waitFor();
		}
		expect(await page.getByTestId('sticky').count()).toBeGreaterThanOrEqual(3);
		await shot('workflow-canvas');
	}),
);

test(
	'the Khipu node opens: name, icon, credential, resource, operation and fields render',
	step('ndv', async () => {
		await page.locator(`[data-test-id="canvas-node"][data-node-name="${KHIPU_NODE}"]`).dblclick();
		const ndv = page.getByTestId('ndv');
		await ndv.waitFor();
		await expect(ndv.getByTestId('node-title-container').textContent()).resolves.toContain(KHIPU_NODE);
		expect(await imageLoaded(ndv.locator(`header img[src*="${ICON_PATH}"]`).first())).toBe(true);

		const value = (name) => ndv.getByTestId(`parameter-input-${name}`).locator('input').first().inputValue();
		await ndv.getByTestId('parameter-input-operation').waitFor();
		expect(await value('resource')).toBe('Balance');
		expect(await value('operation')).toBe('Get Pending Current Day Balances');
		expect(await value('delivery')).toBe('Wait for the Response');
		await expect(ndv.getByTestId('parameter-input-accountNumber').textContent()).resolves.toContain(
			'$json.accountNumber',
		);
		expect(await ndv.getByTestId('node-credentials-select').locator('input').first().inputValue()).toBe(
			'Khipu (sandbox)',
		);

		// Only the Khipu API credential for synchronous delivery, under its own label on every n8n version.
		await expectCredentialLabels(ndv, [KHIPU_CREDENTIAL_LABEL]);
		await expectFieldLabels(ndv, ['Resource', 'Operation', 'Account Number', 'Delivery', 'Options']);
		// the callback URL field belongs to callback delivery only
		expect(await ndv.getByTestId('parameter-input-callbackUrl').count()).toBe(0);
		await shot('khipu-node');
	}),
);

test(
	'callback delivery shows the Callback URL and a second, differently labelled credential for the token; other deliveries do not',
	step('ndv-delivery', async () => {
		const ndv = page.getByTestId('ndv');
		await chooseDelivery(ndv, 'Send the Result to a Callback URL');
		await ndv.getByTestId('parameter-input-callbackUrl').waitFor();
		expect(await ndv.getByTestId('parameter-input-delivery').locator('input').first().inputValue()).toBe(
			'Send the Result to a Callback URL',
		);
		// Issue 20: two credential fields, each saying what it is for; the node's own fields stay where they were.
		await ndv.getByTestId('credentials-label').nth(1).waitFor();
		await expectCredentialLabels(ndv, [KHIPU_CREDENTIAL_LABEL, CALLBACK_CREDENTIAL_LABEL]);
		await expectFieldLabels(ndv, [
			'Resource',
			'Operation',
			'Account Number',
			'Delivery',
			'Callback URL',
			'Add Callback Token',
			'Options',
		]);
		await shot('khipu-node-callback-delivery');

		await chooseDelivery(ndv, 'Pause This Workflow Until Khipu Calls Back');
		await ndv.getByTestId('parameter-input-callbackUrl').waitFor({ state: 'detached' });
		await ndv.getByTestId('credentials-label').nth(1).waitFor({ state: 'detached' });
		await expectCredentialLabels(ndv, [KHIPU_CREDENTIAL_LABEL]);
		await expectFieldLabels(ndv, ['Resource', 'Operation', 'Account Number', 'Delivery', 'Options']);
		await shot('khipu-node-pause-delivery');
		await ndv.getByTestId('ndv-close-button').click();
		await ndv.waitFor({ state: 'hidden' });
	}),
);

test(
	'the nodes panel finds the Khipu node by searching "Khipu", with its action and trigger',
	step('nodes-panel', async () => {
		await page.getByTestId('node-creator-plus-button').click();
		const creator = page.getByTestId('node-creator');
		await creator.waitFor();
		await creator.getByTestId('node-creator-search-bar').fill('Khipu');
		const item = creator.getByTestId('node-creator-item-name').filter({ hasText: /^Khipu Santander AR$/ });
		await item.first().waitFor();
		const row = creator.getByTestId('item-iterator-item').filter({ hasText: 'Khipu Santander AR' });
		expect(await imageLoaded(row.locator(`img[src*="${ICON_PATH}"]`).first())).toBe(true);
		await shot('nodes-panel-search');

		await item.first().click();
		await creator.getByText('Actions (1)').waitFor();
		await creator
			.getByTestId('node-creator-item-name')
			.filter({ hasText: 'Get pending current day balances' })
			.waitFor();
		// the trigger is listed under the same entry (n8n names its event after the node)
		await creator.getByText('Triggers (1)').click();
		await creator
			.getByTestId('node-creator-item-name')
			.filter({ hasText: 'On new Khipu Santander AR event' })
			.waitFor();
		await shot('nodes-panel-khipu-actions');
	}),
);

// n8n 2.8.4's editor looks a community package up on the npm registry from the browser (package details in
// the nodes panel, the footer of the node view); no setting turns that off. That lookup is the one request
// allowed to be attempted (and is refused here); anything else leaving the machine fails the test.
const N8N_EDITOR_NPM_LOOKUP = 'https://registry.npmjs.org/n8n-nodes-khipu-santander-ar';

test("the editor made no request outside this machine (except n8n's own npm lookup of the package)", () => {
	expect(outsideRequests.filter((url) => url !== N8N_EDITOR_NPM_LOOKUP)).toEqual([]);
});

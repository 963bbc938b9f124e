/**
 * Headless Chromium for report tests: the system browser (Debian's `chromium`) driven by playwright-core.
 * Never downloads a browser. When none is installed, `chromiumMissing` says how to get one and the browser
 * tests skip.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The browser binary: $TENET_CHROMIUM, else Debian's /usr/bin/chromium. */
export const CHROMIUM_PATH = process.env.TENET_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Why the browser tests cannot run here, or undefined when they can. */
export const chromiumMissing: string | undefined = existsSync(CHROMIUM_PATH)
  ? undefined
  : `no Chromium at ${CHROMIUM_PATH}: install it with \`sudo apt-get install -y chromium\` (Debian/Ubuntu) or point TENET_CHROMIUM at a Chromium binary; the browser tests are skipped`;

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** What a page did that a self-contained report must not do. */
export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  /** Every request for something other than the file itself (file://, data:, about:). */
  networkRequests: string[];
  /** Those of them the page's Content-Security-Policy stopped before they were sent. */
  blockedByCsp: string[];
}

/**
 * A fresh page that records console errors and warnings, uncaught errors, and any request that leaves the
 * file (those are also aborted, so a test never reaches a network).
 */
export async function watchedPage(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; problems: PageProblems; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, offline: true, javaScriptEnabled: true });
  const page = await context.newPage();
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], networkRequests: [], blockedByCsp: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.consoleErrors.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.message));
  page.on('request', (request) => {
    const url = request.url();
    if (!/^(?:file|data|about):/.test(url)) problems.networkRequests.push(url);
  });
  page.on('requestfailed', (request) => {
    if (request.failure()?.errorText === 'csp') problems.blockedByCsp.push(request.url());
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    return url.startsWith('file:') ? route.continue() : route.abort();
  });
  return { page, problems, close: () => context.close() };
}

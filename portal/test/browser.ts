import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describe } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { buildPortalIfStale } from '../../scripts/build-portal.mjs';

/** Debian's chromium (`apt-get install -y chromium`): Playwright's own browser download cannot be used here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
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

/** The README's screenshots are replaced only on request (`npm run screenshots`); other runs keep theirs out of git. */
export const SCREENSHOTS = fileURLToPath(new URL(process.env.UPDATE_SCREENSHOTS ? '../../docs/screenshots/' : './.screenshots/', import.meta.url));

const available = existsSync(CHROMIUM_PATH);
if (!available && process.env.CI) throw new Error(`Chromium is missing at ${CHROMIUM_PATH}: CI must install it (apt-get install -y chromium)`);

/** A describe block that needs the browser: skipped with one line when Chromium is absent outside CI. */
export function describeInBrowser(name: string, body: () => void) {
  if (!available) {
    console.log(`[portal] skipping "${name}": no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`);
    return describe.skip(name, body);
  }
  return describe(name, body);
}

export async function launchBrowser(): Promise<Browser> {
  await buildPortalIfStale({ log: () => undefined });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * A browser context that may talk to `origin` only (and to `alsoAllowed`, e.g. a test's own identity
 * provider): every other request (HTTP or WebSocket) is aborted and recorded in `foreign`, so a test
 * can assert that none was made.
 */
export async function originOnlyContext(browser: Browser, origin: string, options: Parameters<Browser['newContext']>[0] = {}, alsoAllowed: string[] = []) {
  const allowed = new Set([origin, ...alsoAllowed]);
  const context = await browser.newContext({ locale: 'zh-CN', ...options });
  const foreign: string[] = [];
  const requests: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    if (allowed.has(new URL(url).origin)) return route.continue();
    foreign.push(url);
    return route.abort('blockedbyclient');
  });
  const watchSockets = (page: Page) =>
    page.on('websocket', (socket) => {
      const url = new URL(socket.url());
      requests.push(socket.url());
      if (!allowed.has(`http://${url.host}`)) foreign.push(socket.url());
    });
  context.on('page', watchSockets);
  return { context, foreign, requests };
}

export type OriginOnly = Awaited<ReturnType<typeof originOnlyContext>>;

export async function closeContexts(...contexts: (BrowserContext | undefined)[]) {
  await Promise.all(contexts.map((context) => context?.close()));
}

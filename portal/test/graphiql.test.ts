import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/testing/server.js';
import { closeContexts, describeInBrowser, launchBrowser, originOnlyContext, SCREENSHOTS, type OriginOnly } from './browser.js';

describeInBrowser('GraphiQL and the portal served offline', () => {
  let server: TestServer;
  let browser: Browser;
  let tab: OriginOnly;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
    tab = await originOnlyContext(browser, server.origin);
  });
  afterAll(async () => {
    await closeContexts(tab?.context);
    await browser?.close();
    await server?.close();
  });

  it('loads GraphiQL with every other origin blocked and runs a query', async () => {
    const page = await tab.context.newPage();
    await page.goto(`${server.origin}/graphql`);
    await expect(page.title()).resolves.toBe('离校 Lixiao · GraphiQL');
    await page.locator('.graphiql-execute-button').click({ timeout: 20_000 });
    await page.getByText('2020届毕业生').first().waitFor({ timeout: 20_000 });
    expect(tab.foreign).toEqual([]);
    expect(tab.requests.every((url) => url.startsWith(server.origin) || url.startsWith('ws://127.0.0.1'))).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}graphiql.png` });
    await page.close();
  });

  it('names no other origin in the GraphiQL page or the portal', async () => {
    const pages = await Promise.all(
      ['/graphql', '/'].map((path) => fetch(`${server.origin}${path}`, { headers: { accept: 'text/html' } }).then((response) => response.text())),
    );
    for (const html of pages) {
      // Script, stylesheet, icon and worker references: the only kinds a page loads by itself.
      expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="(https?:)?\/\//i);
      expect(html).not.toMatch(/unpkg\.com|jsdelivr|githubusercontent/i);
    }
  });

  it('keeps the JavaScript a browser loads with the first page under 200 KB gzip', async () => {
    const page = await tab.context.newPage();
    const scripts: string[] = [];
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script') scripts.push(response.url());
    });
    await page.goto(`${server.origin}/`);
    await page.getByRole('heading', { name: '登录' }).waitFor();
    let gzipBytes = 0;
    for (const url of scripts) {
      const response = await fetch(url, { headers: { 'accept-encoding': 'gzip' } });
      expect(response.headers.get('content-encoding')).toBe('gzip');
      gzipBytes += Number(response.headers.get('content-length'));
    }
    console.log(`[portal] first page: ${scripts.length} script(s), ${(gzipBytes / 1024).toFixed(1)} KB gzip`);
    expect(scripts.length).toBeGreaterThan(0);
    expect(gzipBytes).toBeLessThanOrEqual(200 * 1024);
    expect(tab.foreign).toEqual([]);
    await page.close();
  });

  it('serves the portal at / and its client routes, never in place of the API', async () => {
    const home = await fetch(`${server.origin}/`, { headers: { 'accept-encoding': 'gzip' } });
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toContain('text/html');
    expect(home.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await home.text()).toContain('<div id="app">');
    const clientRoute = await fetch(`${server.origin}/review`);
    expect(await clientRoute.text()).toContain('<div id="app">');

    expect(await (await fetch(`${server.origin}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${server.origin}/readyz`)).status).toBe(200);
    const graphql = await fetch(`${server.origin}/graphql?query=${encodeURIComponent('{ cohorts { year } }')}`, {
      headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
    });
    expect(await graphql.json()).toEqual({ data: { cohorts: [{ year: 2020 }] } });
    const exportWithoutToken = await fetch(`${server.origin}/exports/summary.csv?cohort=2020`);
    expect(exportWithoutToken.headers.get('content-type')).toContain('application/json');

    expect((await fetch(`${server.origin}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${server.origin}/assets/missing.js`)).headers.get('content-type')).toContain('text/plain');
    const escape = await fetch(`${server.origin}/..%2f..%2fpackage.json`);
    expect(await escape.text()).not.toContain('"workspaces"');
  });
});

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
});

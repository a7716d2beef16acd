import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { buildPortalIfStale } from '../../scripts/build-portal.mjs';
import { startTestServer, type TestServer } from '../testing/server.js';

/** The web pages as HTTP sees them (the browser suite in portal/test drives them in Chromium). */
describe('web pages: the portal and GraphiQL, served offline', () => {
  let server: TestServer;

  beforeAll(async () => {
    [server] = await Promise.all([startTestServer(), buildPortalIfStale({ log: () => undefined })]);
  });
  afterAll(async () => {
    await server?.close();
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
    const escaped = await fetch(`${server.origin}/..%2f..%2fpackage.json`);
    expect(await escaped.text()).not.toContain('"workspaces"');
  });

  it('answers HEAD without a body, and serves hashed assets as immutable', async () => {
    const html = await (await fetch(`${server.origin}/`)).text();
    const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const head = await fetch(`${server.origin}${script}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('cache-control')).toContain('immutable');
    expect(await head.text()).toBe('');
  });

  it('keeps the portal and turns GraphiQL off in production', async () => {
    const production = await startTestServer({ env: { NODE_ENV: 'production' } });
    try {
      const graphiql = await fetch(`${production.origin}/graphql`, { headers: { accept: 'text/html' } });
      expect(await graphiql.text()).not.toContain('GraphiQL');
      const portal = await fetch(`${production.origin}/sheet`);
      expect(await portal.text()).toContain('<div id="app">');
    } finally {
      await production.close();
    }
  });
});

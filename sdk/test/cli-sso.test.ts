/** `lixiao login --sso` on the built binary, through a CAS server the test runs: the browser is plain HTTP requests. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDemoServer } from '../../server/testing/demo.js';
import { TestBrowser } from '../../server/testing/sso/browser.js';
import { startCasServer, type TestCasServer } from '../../server/testing/sso/cas-server.js';
import { startOidcProvider, type TestOidcProvider } from '../../server/testing/sso/oidc-provider.js';
import { freePort } from '../../server/testing/ports.js';
import { passProviderPages } from '../../server/testing/sso/sign-in.js';
import type { TestServer } from '../../server/testing/server.js';
import { cli, ensureBuilt, type Run } from './built-cli.js';

describe('lixiao login --sso (built binary)', () => {
  let cas: TestCasServer;
  let server: TestServer;
  let home: string;

  beforeAll(async () => {
    ensureBuilt();
    home = mkdtempSync(join(tmpdir(), 'lixiao-sso-'));
    const port = await freePort();
    cas = await startCasServer();
    ({ server } = await openDemoServer({
      env: {
        PORT: String(port),
        CAS_BASE_URL: cas.baseUrl,
        CAS_SERVICE_URL: `http://127.0.0.1:${port}/auth/cas/callback`,
        SSO_RETURN_URL: `http://127.0.0.1:${port}/portal/`,
      },
    }));
  });
  afterAll(async () => {
    await server?.close();
    await cas?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const start = (args: string[], env: Record<string, string>) => startCli(server, home, args, env);

  /** The user's browser: our start route, CAS, our callback, then the CLI's listener, whose page is returned. */
  async function followInBrowser(signInUrl: string) {
    const listener = new URL(signInUrl).searchParams.get('return')!;
    const landed = await new TestBrowser().navigate(signInUrl, listener);
    const page = await fetch(landed.url);
    return { landed, status: page.status, html: await page.text() };
  }

  it('prints the provider URL, takes the code on 127.0.0.1, stores a session that lists the queue', async () => {
    cas.signInAs('library');
    const env = { HOME: join(home, 'reviewer') };
    const cliRun = start(['login', '--sso', '--no-open', '--json'], env);
    const signInUrl = await cliRun.signInUrl;
    expect(signInUrl).toMatch(new RegExp(`^${server.origin}/auth/cas/start\\?return=http%3A%2F%2F127\\.0\\.0\\.1%3A\\d+%2Flixiao-sso$`));
    const browser = await followInBrowser(signInUrl);
    expect(new URL(browser.landed.url).searchParams.get('sso_code')).toBeTruthy();
    expect(browser).toMatchObject({ status: 200, html: expect.stringContaining('you may close this tab') });

    const result = await cliRun.done;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ username: 'library', mustChangePassword: false });

    const list = await start(['review', 'list', '--json'], env).done;
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).items.length).toBeGreaterThan(0);
  });

  it('reports an identity without an account as a typed error (exit 1), and tells the browser too', async () => {
    cas.signInAs('visiting-scholar-7');
    const cliRun = start(['login', '--sso', '--no-open', '--json'], { HOME: join(home, 'stranger') });
    const browser = await followInBrowser(await cliRun.signInUrl);
    expect(browser.status).toBe(403);
    expect(browser.html).toContain('visiting-scholar-7');
    const result = await cliRun.done;
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr.slice(result.stderr.indexOf('{')))).toMatchObject({ error: { code: 'SSO_UNKNOWN_IDENTITY' } });
  });

  it('refuses a provider the server does not offer (exit 1)', async () => {
    const result = await start(['login', '--sso', '--provider', 'oidc', '--no-open', '--json'], { HOME: join(home, 'oidc') }).done;
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr)).toMatchObject({ error: { code: 'INVALID_INPUT', message: expect.stringContaining('cas') } });
  });
});

/** Starts the CLI; `signInUrl` resolves with the URL it prints on stderr, `done` with how it ended. */
function startCli(server: TestServer, home: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [cli, '--url', server.url, ...args], { env: { PATH: process.env.PATH ?? '', LANG: 'C', ...env }, cwd: home });
  let stdout = '';
  let stderr = '';
  let printed: (url: string) => void = () => {};
  const signInUrl = new Promise<string>((resolve) => (printed = resolve));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    const url = /^http\S+/m.exec(stderr)?.[0];
    if (url) printed(url);
  });
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code: code ?? 99, stdout, stderr })));
  const timer = setTimeout(() => child.kill(), 30_000);
  void done.finally(() => clearTimeout(timer));
  return { signInUrl, done };
}

describe('lixiao login --sso with OIDC and CAS both configured (built binary)', () => {
  let oidc: TestOidcProvider;
  let cas: TestCasServer;
  let server: TestServer;
  let home: string;
  let redirectUri: string;

  beforeAll(async () => {
    ensureBuilt();
    home = mkdtempSync(join(tmpdir(), 'lixiao-sso-'));
    const port = await freePort();
    redirectUri = `http://127.0.0.1:${port}/auth/oidc/callback`;
    const returnUrl = `http://127.0.0.1:${port}/portal/`;
    oidc = await startOidcProvider(redirectUri, returnUrl);
    cas = await startCasServer();
    ({ server } = await openDemoServer({
      env: {
        PORT: String(port),
        OIDC_ISSUER: oidc.issuer,
        OIDC_CLIENT_ID: oidc.client.id,
        OIDC_CLIENT_SECRET: oidc.client.secret,
        OIDC_REDIRECT_URI: redirectUri,
        CAS_BASE_URL: cas.baseUrl,
        CAS_SERVICE_URL: `http://127.0.0.1:${port}/auth/cas/callback`,
        SSO_RETURN_URL: returnUrl,
      },
    }));
  });
  afterAll(async () => {
    await server?.close();
    await oidc?.close();
    await cas?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('asks which provider (usage, exit 2), then signs in through the OIDC provider with --provider oidc', async () => {
    const unchosen = await startCli(server, home, ['login', '--sso', '--no-open', '--json'], { HOME: join(home, 'a') }).done;
    expect(unchosen.code).toBe(2);
    expect(JSON.parse(unchosen.stderr)).toMatchObject({ error: { code: 'USAGE', message: expect.stringContaining('--provider') } });

    const cliRun = startCli(server, home, ['login', '--sso', '--provider', 'oidc', '--no-open', '--json'], { HOME: join(home, 'b') });
    const signInUrl = await cliRun.signInUrl;
    const listener = new URL(signInUrl).searchParams.get('return')!;
    const browser = new TestBrowser();
    const callback = await passProviderPages(browser, await browser.navigate(signInUrl, redirectUri), 'library', redirectUri);
    const landed = await browser.navigate(callback.url, listener);
    expect((await fetch(landed.url)).status).toBe(200);
    const result = await cliRun.done;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ username: 'library' });
  });
});

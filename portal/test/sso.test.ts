import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { VIEWER_TYPENAME } from '../../server/testing/documents.js';
import { startCasServer, type TestCasServer } from '../../server/testing/sso/cas-server.js';
import { freePort } from '../../server/testing/ports.js';
import { startTestServer, type TestServer } from '../../server/testing/server.js';
import { closeContexts, describeInBrowser, launchBrowser, originOnlyContext, type OriginOnly } from './browser.js';
import { freshStudent, newPage, PHONE } from './helpers.js';

/** The sign-in page's "统一身份认证登录" through a CAS server the test runs (the only other origin the browser may reach). */
describeInBrowser('portal sign-in through the university account (CAS)', () => {
  let server: TestServer;
  let cas: TestCasServer;
  let browser: Browser;
  let casOrigin: string;
  const contexts: OriginOnly[] = [];

  beforeAll(async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    cas = await startCasServer();
    casOrigin = new URL(cas.baseUrl).origin;
    [server, browser] = await Promise.all([
      startTestServer({
        demo: true,
        // As a campus that signs its graduates in through the portal only would run it.
        env: {
          PORT: String(port),
          LOCAL_LOGIN: 'students:off',
          CAS_BASE_URL: cas.baseUrl,
          CAS_SERVICE_URL: `${origin}/auth/cas/callback`,
          SSO_RETURN_URL: `${origin}/`,
        },
      }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await closeContexts(...contexts.map((context) => context.context));
    await browser?.close();
    await server?.close();
    await cas?.close();
  });

  async function openContext(options: Parameters<typeof originOnlyContext>[2] = PHONE) {
    const context = await originOnlyContext(browser, server.origin, options, [casOrigin]);
    contexts.push(context);
    return context;
  }

  it('signs a student in through CAS onto their sheet, keeps the session like a password login, and logs out at CAS too', async () => {
    // A student still on the initial password who answered the survey: the provider's sign-in needs no password change.
    const student = await freshStudent(server);
    await server.db.prisma.student.update({ where: { id: student.id }, data: { surveyCompletedAt: new Date() } });
    cas.signInAs(student.number);
    const { context, foreign } = await openContext();
    const page = await newPage(context);
    // Redirect hops are not routed (only the request that started them): the page's own events see them.
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${server.origin}/`);
    await page.getByRole('link', { name: '统一身份认证登录' }).click();

    await page.getByRole('heading', { name: '电子离校单' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/sheet');
    expect(new URL(page.url()).hash).toBe('');
    expect(requested.some((url) => url.startsWith(`${cas.baseUrl}/login?service=`))).toBe(true);
    expect(requested.some((url) => url.startsWith(`${server.origin}/auth/cas/callback?ticket=ST-`))).toBe(true);
    await expect(page.locator('.who').textContent()).resolves.toContain(student.number);
    const stored = await page.evaluate(
      () => JSON.parse(sessionStorage.getItem('lixiao.session') ?? 'null') as { accessToken?: string; mustChangePassword?: boolean } | null,
    );
    expect(stored?.accessToken).toBeTruthy();
    expect(stored?.mustChangePassword).toBe(false);
    // The history entry the provider returned to no longer carries the one-time code either.
    await page.reload();
    await page.getByRole('heading', { name: '电子离校单' }).waitFor();

    // The test CAS server has no logout page: the request for it is what counts.
    const providerLogout = page.waitForRequest((request) => request.url().startsWith(`${cas.baseUrl}/logout?`));
    await page.getByRole('button', { name: '退出登录' }).click();
    expect(new URL((await providerLogout).url()).searchParams.get('service')).toBe(`${server.origin}/`);
    const revoked = await server.gql(VIEWER_TYPENAME, {}, { authorization: `Bearer ${stored!.accessToken}` });
    expect(revoked.errors?.[0]?.extensions?.code).toBe('TOKEN_REVOKED');
    expect(foreign).toEqual([]);
  });

  it('shows the refusal of an identity without an account on the sign-in page, in the user’s language', async () => {
    cas.signInAs('visiting-scholar-7');
    const { context, foreign } = await openContext({ ...PHONE, locale: 'en' });
    await context.addInitScript(() => localStorage.setItem('lixiao.locale', 'en'));
    const page = await newPage(context);
    await page.goto(`${server.origin}/`);
    await page.getByRole('link', { name: 'Sign in with the university account' }).click();

    const refusal = page.getByTestId('sso-failure');
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toBe(
      'The identity "visiting-scholar-7" has no student or staff account in the clearance system: contact your college or the Network & Information Centre, 027-67885173.',
    );
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.evaluate(() => sessionStorage.getItem('lixiao.session'))).toBeNull();
    // The password form stays for staff, and says students cannot use it.
    await page.getByLabel('Password', { exact: true }).waitFor();
    await expect(page.getByTestId('password-off').textContent()).resolves.toBe(
      'Students sign in with the university account: password sign-in is off for students.',
    );
    expect(foreign).toEqual([]);
  });
});

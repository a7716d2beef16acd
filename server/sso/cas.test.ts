import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../testing/databases.js';
import { type clients, openDemoServer } from '../testing/demo.js';
import { graphql } from '../testing/generated/index.js';
import type { TestServer } from '../testing/server.js';
import { TestBrowser } from '../testing/sso/browser.js';
import { startCasServer, type TestCasServer } from '../testing/sso/cas-server.js';
import { completeSignIn, ssoCodeOf } from '../testing/sso/sign-in.js';
import { freePort } from '../testing/ports.js';

const SIGN_IN_OPTIONS = graphql(`
  query CasSignInOptions { signInOptions { providers { kind startUrl logoutUrl } } }
`);
const REVIEWER_QUEUE = graphql(`
  query CasReviewerQueue { viewer { ... on Reviewer { username } } reviewQueue(first: 1) { counts { total } } }
`);
const STUDENT_VIEWER = graphql(`
  query CasStudentViewer { viewer { ... on Student { number } } }
`);

/** Sign-in through a CAS 3.0 server the test runs, answering `/p3/serviceValidate` per the protocol specification. */
describe.each(BACKENDS)('CAS sign-in (%s)', (backend) => {
  let cas: TestCasServer;
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  let serviceUrl: string;
  let returnUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    serviceUrl = `http://127.0.0.1:${port}/auth/cas/callback`;
    returnUrl = `http://127.0.0.1:${port}/portal/`;
    cas = await startCasServer();
    ({ server, api } = await openDemoServer({
      backend,
      env: { PORT: String(port), CAS_BASE_URL: cas.baseUrl, CAS_SERVICE_URL: serviceUrl, CAS_USERNAME_ATTRIBUTE: 'employeeNumber', SSO_RETURN_URL: returnUrl },
    }));
  });
  afterAll(async () => {
    await server?.close();
    await cas?.close();
  });

  /** The portal's button: our start route, CAS's login, our callback, the portal with its one-time code. */
  async function signIn(browser = new TestBrowser()) {
    return completeSignIn(server, ssoCodeOf(await browser.navigate(`${server.origin}/auth/cas/start`, returnUrl)));
  }

  it('lists CAS for the login page, with its logout page', async () => {
    const { data } = await server.gql(SIGN_IN_OPTIONS);
    expect(data?.signInOptions.providers).toEqual([
      { kind: 'CAS', startUrl: `${server.origin}/auth/cas/start`, logoutUrl: `${cas.baseUrl}/logout?service=${encodeURIComponent(returnUrl)}` },
    ]);
  });

  it('sends the browser to CAS login with the configured service URL', async () => {
    const response = await new TestBrowser().request(`${server.origin}/auth/cas/start`);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${cas.baseUrl}/login?service=${encodeURIComponent(serviceUrl)}`);
  });

  it('signs a reviewer in by the released attribute, who reads their queue', async () => {
    // The CAS user is the portal's internal id; the staff username comes as an attribute, repeated values taking the first.
    cas.signInAs('u-000123', { employeeNumber: ['library', 'lib-alias'], displayName: '图书馆 & <审核>' });
    const { result } = await signIn();
    expect(result?.__typename).toBe('MutationCompleteSsoSignInSuccess');
    const queue = await api.as(result!.data!.accessToken, REVIEWER_QUEUE);
    expect(queue.errors).toBeUndefined();
    expect(queue.data?.viewer).toEqual({ username: 'library' });
    expect(queue.data?.reviewQueue.counts.total).toBeGreaterThan(0);
  });

  it('signs a student in by a number-like attribute, read as text', async () => {
    const [student] = await server.db.prisma.student.findMany({ orderBy: { number: 'asc' }, take: 1 });
    cas.signInAs('u-000456', { employeeNumber: student!.number });
    const { result } = await signIn();
    expect(result?.__typename).toBe('MutationCompleteSsoSignInSuccess');
    const viewer = await api.as(result!.data!.accessToken, STUDENT_VIEWER);
    expect(viewer.data?.viewer).toEqual({ number: student!.number });
  });

  it('refuses an identity without an account, naming it', async () => {
    cas.signInAs('u-000789', { employeeNumber: 'visiting-scholar-7' });
    const { result } = await signIn();
    expect(result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_UNKNOWN_IDENTITY', identity: 'visiting-scholar-7' });
  });

  it('refuses when the configured attribute is not released', async () => {
    cas.signInAs('library');
    const { result } = await signIn();
    expect(result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_CLAIM_MISSING' });
    expect(result?.message).toContain('employeeNumber');
  });

  it('refuses a ticket CAS does not know, or one already used (INVALID_TICKET)', async () => {
    cas.signInAs('u-000123', { employeeNumber: 'library' });
    const browser = new TestBrowser();
    const callback = await browser.navigate(`${server.origin}/auth/cas/start`, serviceUrl);
    const flowCookie = browser.cookie('127.0.0.1', 'lixiao_cas')!;
    const first = await completeSignIn(server, ssoCodeOf(await browser.navigate(callback.url, returnUrl)));
    expect(first.result?.__typename).toBe('MutationCompleteSsoSignInSuccess');

    browser.setCookie('127.0.0.1', 'lixiao_cas', flowCookie);
    const replay = await completeSignIn(server, ssoCodeOf(await browser.navigate(callback.url, returnUrl)));
    expect(replay.result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_PROVIDER_REFUSED', providerReason: 'INVALID_TICKET' });

    browser.setCookie('127.0.0.1', 'lixiao_cas', flowCookie);
    const forged = await completeSignIn(server, ssoCodeOf(await browser.navigate(`${serviceUrl}?ticket=ST-forged`, returnUrl)));
    expect(forged.result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_PROVIDER_REFUSED', providerReason: 'INVALID_TICKET' });
  });

  it('refuses a ticket issued for another service (INVALID_SERVICE)', async () => {
    cas.signInAs('u-000123', { employeeNumber: 'library' });
    const browser = new TestBrowser();
    await browser.navigate(`${server.origin}/auth/cas/start`, cas.baseUrl);
    const ticket = cas.issueTicket('https://other-app.example.edu.cn/callback');
    const { result } = await completeSignIn(server, ssoCodeOf(await browser.navigate(`${serviceUrl}?ticket=${ticket}`, returnUrl)));
    expect(result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_PROVIDER_REFUSED', providerReason: 'INVALID_SERVICE' });
  });

  it('refuses a ticket arriving in a browser that did not start the sign-in', async () => {
    cas.signInAs('u-000123', { employeeNumber: 'library' });
    const ticket = cas.issueTicket(serviceUrl);
    const { result } = await completeSignIn(server, ssoCodeOf(await new TestBrowser().navigate(`${serviceUrl}?ticket=${ticket}`, returnUrl)));
    expect(result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_FLOW_INVALID' });
  });

  // Last: stops the CAS server.
  it('answers SSO_PROVIDER_UNAVAILABLE while the CAS server cannot be reached, and keeps serving', async () => {
    const browser = new TestBrowser();
    await browser.navigate(`${server.origin}/auth/cas/start`, cas.baseUrl);
    const ticket = cas.issueTicket(serviceUrl);
    await cas.close();
    const { result } = await completeSignIn(server, ssoCodeOf(await browser.navigate(`${serviceUrl}?ticket=${ticket}`, returnUrl)), 'en');
    expect(result).toMatchObject({
      __typename: 'SsoRefusal',
      code: 'SSO_PROVIDER_UNAVAILABLE',
      message: 'The identity provider cannot be reached right now: try again shortly.',
    });
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
  });

  it('answers an OIDC route with a typed 404 when only CAS is configured', async () => {
    const response = await fetch(`${server.origin}/auth/oidc/start`, { redirect: 'manual' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'SSO_NOT_CONFIGURED' } }] });
  });
});

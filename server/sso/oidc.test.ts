import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, INITIAL_PASSWORD_COST } from '../auth/password.js';
import { BACKENDS } from '../testing/databases.js';
import { type clients, openDemoServer, STAFF_PASSWORD } from '../testing/demo.js';
import { graphql } from '../testing/generated/index.js';
import type { TestServer } from '../testing/server.js';
import { TestBrowser, type Page } from '../testing/sso/browser.js';
import { startOidcProvider, type TestOidcProvider } from '../testing/sso/oidc-provider.js';
import { completeSignIn, passProviderPages, ssoCodeOf } from '../testing/sso/sign-in.js';
import { freePort } from '../testing/ports.js';

const LOGIN = graphql(`
  mutation OidcLogin($u: String!, $p: String!) {
    login(username: $u, password: $p) { ... on MutationLoginSuccess { data { mustChangePassword } } ... on Error { code } }
  }
`);
const SIGN_IN_OPTIONS = graphql(`
  query OidcSignInOptions { signInOptions { studentPasswordLogin staffPasswordLogin providers { kind startUrl logoutUrl } } }
`);
const STUDENT_SHEET = graphql(`
  query OidcStudentSheet { viewer { ... on Student { number clearanceItems { status } } } }
`);
const REFRESH = graphql(`
  mutation OidcRefresh($t: String!) { refreshSession(refreshToken: $t) { __typename } }
`);
const REVIEWER_QUEUE = graphql(`
  query OidcReviewerQueue { viewer { ... on Reviewer { username } } reviewQueue(first: 5) { counts { total } edges { node { id } } } }
`);
const LOGOUT = graphql(`
  mutation OidcLogout { logout }
`);
const VIEWER = graphql(`
  query OidcViewer { viewer { __typename } }
`);

/**
 * Sign-in through a real OpenID Connect provider (node-oidc-provider) on its own port,
 * driven like a browser: redirects followed, the provider's login and consent forms posted.
 */
describe.each(BACKENDS)('OIDC sign-in (%s)', (backend) => {
  let provider: TestOidcProvider;
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  let redirectUri: string;
  let returnUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    redirectUri = `http://127.0.0.1:${port}/auth/oidc/callback`;
    returnUrl = `http://127.0.0.1:${port}/portal/`;
    provider = await startOidcProvider(redirectUri, returnUrl);
    ({ server, api } = await openDemoServer({
      backend,
      env: {
        PORT: String(port),
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: provider.client.id,
        OIDC_CLIENT_SECRET: provider.client.secret,
        OIDC_REDIRECT_URI: redirectUri,
        SSO_RETURN_URL: returnUrl,
      },
    }));
  });
  afterAll(async () => {
    await server?.close();
    await provider?.close();
  });

  const startUrl = () => `${server.origin}/auth/oidc/start`;

  /** The browser at the provider's redirect back to us, not yet followed. */
  async function signInUntilCallback(browser: TestBrowser, username: string): Promise<Page> {
    const first = await browser.navigate(startUrl(), redirectUri);
    return passProviderPages(browser, first, username, redirectUri);
  }

  /** The whole flow: start, the provider's pages, our callback, the portal's one-time code. */
  async function signIn(username: string): Promise<string> {
    const browser = new TestBrowser();
    const callback = await signInUntilCallback(browser, username);
    return ssoCodeOf(await browser.navigate(callback.url, returnUrl));
  }

  it('tells a login page which providers are configured, with the provider’s end-session page', async () => {
    const { data } = await server.gql(SIGN_IN_OPTIONS);
    expect(data?.signInOptions).toMatchObject({ studentPasswordLogin: true, staffPasswordLogin: true });
    expect(data?.signInOptions.providers).toHaveLength(1);
    const [oidc] = data!.signInOptions.providers;
    expect(oidc).toMatchObject({ kind: 'OIDC', startUrl: startUrl() });
    const logout = new URL(oidc!.logoutUrl!);
    expect(`${logout.origin}${logout.pathname}`).toBe(`${provider.issuer}/session/end`);
    expect(logout.searchParams.get('client_id')).toBe(provider.client.id);
    expect(logout.searchParams.get('post_logout_redirect_uri')).toBe(returnUrl);
  });

  it('sends the browser to the provider with PKCE (S256), state, nonce and the configured redirect URI', async () => {
    const response = await new TestBrowser().request(startUrl());
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(location.origin).toBe(provider.issuer);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      client_id: provider.client.id,
      redirect_uri: redirectUri,
      response_type: 'code',
      code_challenge_method: 'S256',
    });
    for (const name of ['state', 'nonce', 'code_challenge']) expect(location.searchParams.get(name)).toMatch(/^[\w-]{32,}$/);
    const cookie = response.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/^lixiao_oidc=.+; Path=\/auth\/oidc\/callback; Max-Age=600; HttpOnly; SameSite=Lax$/);
    // The verifier stays in the server's encrypted cookie: it appears nowhere in the browser's reach.
    expect(cookie).not.toContain(location.searchParams.get('state')!);
  });

  it('signs a student in: tokens like a password login, the sheet readable, the initial password retired, the code good once', async () => {
    const [student] = await server.db.prisma.student.findMany({
      where: { cohort: { year: 2020 }, deferrals: { none: {} } },
      orderBy: { number: 'asc' },
      take: 1,
    });
    // Past the survey gate, so the sheet itself can be read (the survey has its own suite).
    await server.db.prisma.student.update({ where: { id: student!.id }, data: { surveyCompletedAt: new Date() } });
    // An initial password, known to work before the provider signs its owner in.
    const initial = '12345X';
    await server.db.prisma.credential.update({
      where: { studentId: student!.id },
      data: { passwordHash: await hashPassword(initial, INITIAL_PASSWORD_COST), mustChangePassword: true },
    });
    const before = await server.gql(LOGIN, { u: student!.number, p: initial });
    expect(before.data?.login).toMatchObject({ data: { mustChangePassword: true } });

    const code = await signIn(student!.number);
    const { result } = await completeSignIn(server, code);
    expect(result?.__typename).toBe('MutationCompleteSsoSignInSuccess');
    expect(result?.data?.mustChangePassword).toBe(false);

    const sheet = await api.as(result!.data!.accessToken, STUDENT_SHEET);
    expect(sheet.errors).toBeUndefined();
    const viewer = sheet.data?.viewer;
    expect(viewer).toMatchObject({ number: student!.number });
    expect(viewer && 'clearanceItems' in viewer ? (viewer.clearanceItems?.length ?? 0) : 0).toBeGreaterThan(0);

    const refreshed = await server.gql(REFRESH, { t: result!.data!.refreshToken });
    expect(refreshed.data?.refreshSession.__typename).toBe('MutationRefreshSessionSuccess');

    const again = await completeSignIn(server, code);
    expect(again.result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_CODE_INVALID' });

    const after = await server.gql(LOGIN, { u: student!.number, p: initial });
    expect(after.data?.login).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('signs a reviewer in, who reads their review queue; logout ends that session', async () => {
    const { result } = await completeSignIn(server, await signIn('library'));
    expect(result?.__typename).toBe('MutationCompleteSsoSignInSuccess');
    const queue = await api.as(result!.data!.accessToken, REVIEWER_QUEUE);
    expect(queue.errors).toBeUndefined();
    expect(queue.data?.viewer).toEqual({ username: 'library' });
    expect(queue.data?.reviewQueue.counts.total).toBeGreaterThan(0);

    // A password its owner chose is left alone (only initial passwords are retired).
    await expect(server.login('library', STAFF_PASSWORD)).resolves.toMatch(/^ey/);

    // Logout ends the local session as for a password login; the provider's own ends at signInOptions' logoutUrl.
    const logout = await api.as(result!.data!.accessToken, LOGOUT);
    expect(logout.data?.logout).toBe(true);
    const after = await api.as(result!.data!.accessToken, VIEWER);
    expect(after.errors?.[0]?.extensions?.code).toBe('TOKEN_REVOKED');
  });

  it('refuses a one-time code older than its minute', async () => {
    const code = await signIn('library');
    await server.db.prisma.signInHandoff.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await completeSignIn(server, code)).result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_CODE_INVALID' });
  });

  it('refuses an identity with no account here, naming it, in both languages; nothing is created', async () => {
    const code = await signIn('2020999999');
    const zh = await completeSignIn(server, code);
    expect(zh.result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_UNKNOWN_IDENTITY', identity: '2020999999' });
    expect(zh.result?.message).toContain('统一身份认证账号“2020999999”');
    const en = await completeSignIn(server, await signIn('2020999999'), 'en');
    expect(en.result?.message).toContain('The identity "2020999999" has no student or staff account');
    expect(await server.db.prisma.student.count({ where: { number: '2020999999' } })).toBe(0);
    expect(await server.db.prisma.reviewer.count({ where: { username: '2020999999' } })).toBe(0);
  });

  it('refuses a tampered state', async () => {
    const browser = new TestBrowser();
    const callback = new URL((await signInUntilCallback(browser, 'library')).url);
    callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    const { result } = await completeSignIn(server, ssoCodeOf(await browser.navigate(callback.href, returnUrl)));
    expect(result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_FLOW_INVALID' });
  });

  it('refuses a callback in a browser that did not start the sign-in (login CSRF)', async () => {
    const callback = await signInUntilCallback(new TestBrowser(), 'library');
    const { result } = await completeSignIn(server, ssoCodeOf(await new TestBrowser().navigate(callback.url, returnUrl)));
    expect(result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_FLOW_INVALID' });
  });

  it('refuses a replayed authorization code, even with a copy of the flow cookie', async () => {
    const browser = new TestBrowser();
    const callback = await signInUntilCallback(browser, 'library');
    const flowCookie = browser.cookie('127.0.0.1', 'lixiao_oidc')!;
    const first = await completeSignIn(server, ssoCodeOf(await browser.navigate(callback.url, returnUrl)));
    expect(first.result?.__typename).toBe('MutationCompleteSsoSignInSuccess');
    // Our server cleared the cookie; an attacker who copied it replays both.
    expect(browser.cookie('127.0.0.1', 'lixiao_oidc')).toBeUndefined();
    browser.setCookie('127.0.0.1', 'lixiao_oidc', flowCookie);
    const replay = await completeSignIn(server, ssoCodeOf(await browser.navigate(callback.url, returnUrl)));
    expect(replay.result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_PROVIDER_REFUSED', providerReason: 'invalid_grant' });
  });

  it('refuses an ID token issued to another client (wrong audience), though signed by the provider with our nonce', async () => {
    const browser = new TestBrowser();
    const start = await browser.request(startUrl());
    const nonce = new URL(start.headers.get('location')!).searchParams.get('nonce')!;
    const ours = await passProviderPages(browser, await browser.navigate(start.headers.get('location')!, redirectUri), 'library', redirectUri);

    // The same person signs in to another app of the provider, whose ID token carries the same nonce.
    const foreignIdToken = await idTokenForOtherClient(browser, nonce);
    expect(JSON.parse(Buffer.from(foreignIdToken.split('.')[1]!, 'base64url').toString())).toMatchObject({ aud: provider.otherClient.id, nonce });
    provider.substituteNextIdToken(foreignIdToken);

    const { result } = await completeSignIn(server, ssoCodeOf(await browser.navigate(ours.url, returnUrl)));
    expect(result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_PROVIDER_REFUSED' });
    expect(result?.providerReason).toMatch(/^aud: /);
  });

  async function idTokenForOtherClient(browser: TestBrowser, nonce: string): Promise<string> {
    const metadata = (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as {
      authorization_endpoint: string;
      token_endpoint: string;
    };
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(metadata.authorization_endpoint);
    authorize.search = new URLSearchParams({
      client_id: provider.otherClient.id,
      response_type: 'code',
      scope: 'openid profile',
      redirect_uri: redirectUri,
      state: 'other-app-state',
      nonce,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const back = await passProviderPages(browser, await browser.navigate(authorize.href, redirectUri), 'library', redirectUri);
    const response = await fetch(metadata.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${provider.otherClient.id}:${provider.otherClient.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: new URL(back.url).searchParams.get('code')!,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }),
    });
    const tokens = (await response.json()) as { id_token: string };
    return tokens.id_token;
  }

  it('answers an unknown or oversized one-time code with a typed refusal', async () => {
    expect((await completeSignIn(server, 'not-a-code')).result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_CODE_INVALID' });
    expect((await completeSignIn(server, 'x'.repeat(5000))).result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_CODE_INVALID' });
  });
});

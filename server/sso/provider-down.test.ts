import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../testing/generated/index.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { TestBrowser } from '../testing/sso/browser.js';
import { completeSignIn, ssoCodeOf } from '../testing/sso/sign-in.js';
import { freePort } from '../testing/ports.js';

const SIGN_IN_OPTIONS = graphql(`
  query ProviderDownSignInOptions { signInOptions { providers { kind startUrl logoutUrl } } }
`);

/** An OIDC provider that cannot be reached (nothing listens on its port): typed answers, nothing hangs, the server serves on. */
describe('OIDC provider unreachable', () => {
  let server: TestServer;
  let returnUrl: string;

  beforeAll(async () => {
    const [port, providerPort] = [await freePort(), await freePort()];
    returnUrl = `http://127.0.0.1:${port}/portal/`;
    server = await startTestServer({
      env: {
        PORT: String(port),
        OIDC_ISSUER: `http://127.0.0.1:${providerPort}`,
        OIDC_CLIENT_ID: 'lixiao',
        OIDC_CLIENT_SECRET: 'secret',
        OIDC_REDIRECT_URI: `http://127.0.0.1:${port}/auth/oidc/callback`,
        SSO_RETURN_URL: returnUrl,
      },
    });
  });
  afterAll(() => server?.close());

  it('still lists the provider for the login page, without a logout page', async () => {
    const { data } = await server.gql(SIGN_IN_OPTIONS);
    expect(data?.signInOptions.providers).toEqual([{ kind: 'OIDC', startUrl: `${server.origin}/auth/oidc/start`, logoutUrl: null }]);
  });

  it('sends the browser back to the portal with SSO_PROVIDER_UNAVAILABLE instead of to the provider', async () => {
    const page = await new TestBrowser().navigate(`${server.origin}/auth/oidc/start`, returnUrl);
    const { result } = await completeSignIn(server, ssoCodeOf(page));
    expect(result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_PROVIDER_UNAVAILABLE', message: '统一身份认证服务暂时无法访问，请稍后重试。' });
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
  });

  it('refuses other methods on the sign-in routes', async () => {
    const response = await fetch(`${server.origin}/auth/oidc/callback`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(405);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'INVALID_INPUT' } }] });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type clients, openDemoServer } from '../testing/demo.js';
import { graphql } from '../testing/generated/index.js';
import type { TestServer } from '../testing/server.js';
import { TestBrowser } from '../testing/sso/browser.js';
import { startCasServer, type TestCasServer } from '../testing/sso/cas-server.js';
import { completeSignIn } from '../testing/sso/sign-in.js';
import { freePort } from '../testing/ports.js';

const REVIEW_QUEUE = graphql(`
  query CliReturnReviewQueue { reviewQueue(first: 1) { counts { total } } }
`);

/** `lixiao login --sso`: a start route with `return=` a loopback listener gets the one-time code there, in the query. */
describe('sign-in handed to a CLI on this machine', () => {
  let cas: TestCasServer;
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  let returnUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    returnUrl = `http://127.0.0.1:${port}/portal/`;
    cas = await startCasServer();
    ({ server, api } = await openDemoServer({
      env: { PORT: String(port), CAS_BASE_URL: cas.baseUrl, CAS_SERVICE_URL: `http://127.0.0.1:${port}/auth/cas/callback`, SSO_RETURN_URL: returnUrl },
    }));
  });
  afterAll(async () => {
    await server?.close();
    await cas?.close();
  });

  const start = (cliReturn: string, browser = new TestBrowser()) => browser.request(`${server.origin}/auth/cas/start?return=${encodeURIComponent(cliReturn)}`);

  it.each([
    'http://attacker.example/lixiao-sso',
    'https://127.0.0.1:8123/lixiao-sso',
    'http://127.0.0.1:8123/elsewhere',
    'http://127.0.0.1/lixiao-sso',
    'http://127.0.0.1:8123/lixiao-sso?next=http://attacker.example',
    'http://user@127.0.0.1:8123/lixiao-sso',
    'http://127.0.0.1.attacker.example:8123/lixiao-sso',
    'not a url',
  ])('refuses the return address %s with a typed error, before the provider is involved', async (address) => {
    const response = await start(address);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'INVALID_INPUT' } }] });
  });

  it.each(['127.0.0.1', '[::1]', 'localhost'])('hands the code to a listener on %s, in the query; it signs the reviewer in', async (host) => {
    cas.signInAs('library');
    const listener = `http://${host}:51234/lixiao-sso`;
    const browser = new TestBrowser();
    const page = await browser.navigate(`${server.origin}/auth/cas/start?return=${encodeURIComponent(listener)}`, listener);
    const landed = new URL(page.url);
    expect(landed.hash).toBe('');
    const code = landed.searchParams.get('sso_code');
    expect(code).toBeTruthy();
    const { result } = await completeSignIn(server, code!);
    expect(result?.__typename).toBe('MutationCompleteSsoSignInSuccess');
    const queue = await api.as(result!.data!.accessToken, REVIEW_QUEUE);
    expect(queue.data?.reviewQueue.counts.total).toBeGreaterThan(0);
  });

  it('hands a refusal to the listener too, and the portal flow still ends at SSO_RETURN_URL', async () => {
    cas.signInAs('visiting-scholar-7');
    const listener = 'http://127.0.0.1:51234/lixiao-sso';
    const refused = new URL((await new TestBrowser().navigate(`${server.origin}/auth/cas/start?return=${encodeURIComponent(listener)}`, listener)).url);
    const { result } = await completeSignIn(server, refused.searchParams.get('sso_code')!);
    expect(result).toMatchObject({ __typename: 'SsoRefusal', code: 'SSO_UNKNOWN_IDENTITY', identity: 'visiting-scholar-7' });

    cas.signInAs('library');
    const portal = await new TestBrowser().navigate(`${server.origin}/auth/cas/start`, returnUrl);
    expect(portal.url).toMatch(new RegExp(`^${returnUrl}#sso_code=`));
  });
});

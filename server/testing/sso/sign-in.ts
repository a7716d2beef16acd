import type { TestServer } from '../server.js';
import { graphql } from '../generated/index.js';
import type { TestBrowser, Page } from './browser.js';

/** Helpers for the sign-in suites (not a test file). */

/**
 * Follows the provider's pages from `page` until the browser is sent to `until`: the login
 * form gets the user name (any password: a test provider), any other form (consent) is accepted.
 */
export async function passProviderPages(browser: TestBrowser, page: Page, username: string, until: string): Promise<Page> {
  let current = page;
  for (let step = 0; step < 5 && !current.url.startsWith(until); step++) {
    const fields: Record<string, string> = /name="login"/.test(current.html) ? { login: username, password: 'any-password' } : {};
    current = await browser.submit(current, fields, until);
  }
  if (!current.url.startsWith(until)) throw new Error(`sign-in did not reach ${until}: ${current.url}`);
  return current;
}

/** The one-time code the portal page receives in its fragment. */
export function ssoCodeOf(page: Page): string {
  const code = new URLSearchParams(new URL(page.url).hash.slice(1)).get('sso_code');
  if (!code) throw new Error(`no #sso_code in ${page.url}`);
  return code;
}

export const COMPLETE_SSO_SIGN_IN = graphql(`
  mutation TestCompleteSsoSignIn($code: String!) {
    completeSsoSignIn(code: $code) {
      __typename
      ... on MutationCompleteSsoSignInSuccess { data { accessToken refreshToken mustChangePassword } }
      ... on Error { code message }
      ... on SsoRefusal { identity providerReason }
    }
  }
`);

export interface SignInResult {
  __typename: string;
  data?: { accessToken: string; refreshToken: string; mustChangePassword: boolean };
  code?: string;
  message?: string;
  identity?: string | null;
  providerReason?: string | null;
}

/** Trades a one-time code in, as the portal page does; the whole answer, for refusals too. */
export async function completeSignIn(server: TestServer, code: string, language = 'zh-CN') {
  const result = await server.gql(COMPLETE_SSO_SIGN_IN, { code }, { 'accept-language': language });
  return { result: result.data?.completeSsoSignIn as SignInResult | undefined, errors: result.errors };
}

import type { IncomingMessage } from 'node:http';
import * as oidc from 'openid-client';
import type { OidcConfig } from '../config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../log.js';
import { matchIdentity } from './accounts.js';
import { cliReturnOf, type FinishedSignIn } from './cli-return.js';
import type { FlowCookies } from './flow-cookie.js';
import type { SignInOutcome } from './handoff.js';
import { providerFailure } from './provider-failure.js';

export const OIDC_PATHS = { start: '/auth/oidc/start', callback: '/auth/oidc/callback' } as const;
const COOKIE = 'lixiao_oidc';
const LOGOUT_DISCOVERY_WAIT_MS = 2000;

/** The promise's value if it settles within `ms`, else null (it keeps running: a later call finds it cached). */
async function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Authorization code flow with PKCE (S256), state and nonce, against the university's
 * OpenID Connect provider. The provider's tokens are used once, to read who signed in, and
 * dropped: nothing of them is stored or passed on.
 */
export class OidcSignIn {
  private configuration: Promise<oidc.Configuration> | null = null;

  constructor(
    private readonly config: OidcConfig,
    private readonly returnUrl: string,
    private readonly cookies: FlowCookies,
    private readonly db: Database,
    private readonly log: Logger,
  ) {}

  /** The cookie path: the callback's, wherever the redirect URI puts it. */
  private get cookiePath() {
    return new URL(this.config.redirectUri).pathname;
  }

  /** Where the browser goes to sign in, and the cookie that remembers this attempt. */
  async start(cliReturn: string | null): Promise<{ location: string; cookie: string }> {
    const configuration = await this.discover();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const location = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.config.redirectUri,
      scope: this.config.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const cookie = await this.cookies.set(COOKIE, this.cookiePath, { verifier, state, nonce, ...(cliReturn ? { cliReturn } : {}) });
    return { location: location.href, cookie };
  }

  /** Checks the provider's answer and names the account it signed in, or the refusal. */
  async finish(req: IncomingMessage): Promise<FinishedSignIn> {
    const cookie = this.cookies.clear(COOKIE, this.cookiePath);
    const flow = await this.cookies.read(req, COOKIE);
    return { outcome: await this.outcomeOf(req, flow), cookie, cliReturn: cliReturnOf(flow) };
  }

  private async outcomeOf(req: IncomingMessage, flow: Record<string, unknown> | null): Promise<SignInOutcome> {
    // The configured redirect URI, never the Host header: it is what the provider was told.
    const currentUrl = new URL(this.config.redirectUri);
    currentUrl.search = new URL(req.url ?? '/', 'http://callback').search;
    const { verifier, state, nonce } = flow ?? {};
    if (typeof verifier !== 'string' || typeof state !== 'string' || typeof nonce !== 'string' || currentUrl.searchParams.get('state') !== state) {
      return { refusal: 'SSO_FLOW_INVALID', params: {} };
    }
    let identity: unknown;
    try {
      identity = await this.identityOf(currentUrl, { verifier, state, nonce });
    } catch (error) {
      return providerFailure('oidc', error, this.log);
    }
    if (typeof identity !== 'string' && typeof identity !== 'number') {
      return { refusal: 'SSO_CLAIM_MISSING', params: { claim: this.config.usernameClaim } };
    }
    // Outside the try: a database failure here is ours (503), not the provider's refusal.
    return await matchIdentity(this.db, String(identity));
  }

  /** Trades the code and checks the ID token; the configured claim from it, or from userinfo when the ID token leaves it out. */
  private async identityOf(currentUrl: URL, flow: { verifier: string; state: string; nonce: string }): Promise<unknown> {
    const configuration = await this.discover();
    const tokens = await oidc.authorizationCodeGrant(configuration, currentUrl, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    if (claims[this.config.usernameClaim] !== undefined) return claims[this.config.usernameClaim];
    return (await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub))[this.config.usernameClaim];
  }

  /**
   * The provider's end-session page (RP-initiated logout), or null when it has none. A login
   * page asks for it, so a provider slow to answer discovery costs it at most a moment: null then.
   */
  async logoutUrl(): Promise<string | null> {
    try {
      const configuration = await withinMs(this.discover(), LOGOUT_DISCOVERY_WAIT_MS);
      if (!configuration) return null;
      if (!configuration.serverMetadata().end_session_endpoint) return null;
      return oidc.buildEndSessionUrl(configuration, { client_id: this.config.clientId, post_logout_redirect_uri: this.returnUrl }).href;
    } catch (error) {
      this.log.warn('OIDC discovery failed', { error });
      return null;
    }
  }

  /** Discovery once per process; a failure is not kept, so the next sign-in tries again. */
  private discover(): Promise<oidc.Configuration> {
    this.configuration ??= oidc
      .discovery(new URL(this.config.issuer), this.config.clientId, undefined, oidc.ClientSecretBasic(this.config.clientSecret), {
        // Only a loopback issuer may be http (config.ts refuses any other): tests and local trials.
        execute: new URL(this.config.issuer).protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
        timeout: 10,
      })
      .catch((error: unknown) => {
        this.configuration = null;
        throw error;
      });
    return this.configuration;
  }
}

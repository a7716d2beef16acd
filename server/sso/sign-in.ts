import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config, LocalLogin } from '../config.js';
import type { Database } from '../db/client.js';
import { bilingualMessage } from '../i18n/index.js';
import type { Logger } from '../log.js';
import { CasSignIn, CAS_START_PATH } from './cas.js';
import { CLI_RETURN_PATH, loopbackReturn } from './cli-return.js';
import { FlowCookies } from './flow-cookie.js';
import { createHandoff, type SignInOutcome } from './handoff.js';
import { OidcSignIn, OIDC_PATHS } from './oidc.js';

const CAS_CALLBACK_PATH = '/auth/cas/callback';
const SIGN_IN_PATHS = new Set<string>([OIDC_PATHS.start, OIDC_PATHS.callback, CAS_START_PATH, CAS_CALLBACK_PATH]);

export interface SignInProvider {
  kind: 'OIDC' | 'CAS';
  /** Where the portal's "统一身份认证登录" button sends the browser. */
  startUrl: string;
  /** The provider's own logout page, to open after `logout` ends the local session; null if it has none. */
  logoutUrl: string | null;
}

/** Password login per role, the configured identity providers, and their HTTP routes. */
export interface SignIn {
  localLogin: LocalLogin;
  providers(): Promise<SignInProvider[]>;
  /** Answers the sign-in routes (`/auth/…`); false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

type SignInConfig = Pick<Config, 'localLogin' | 'oidc' | 'cas' | 'ssoReturnUrl' | 'jwtSecret'>;

export function createSignIn(config: SignInConfig, db: Database, log: Logger): SignIn {
  const returnUrl = config.ssoReturnUrl ?? '';
  const secure = [config.oidc?.redirectUri, config.cas?.serviceUrl].some((url) => url?.startsWith('https:'));
  const cookies = new FlowCookies(config.jwtSecret, secure);
  const oidc = config.oidc ? new OidcSignIn(config.oidc, returnUrl, cookies, db, log) : null;
  const cas = config.cas ? new CasSignIn(config.cas, cookies, db, log) : null;

  /**
   * The browser goes back with a one-time code, whatever happened: the code tells the rest.
   * To the portal in the fragment (never sent to a server); to a CLI's loopback listener in
   * the query, the only part a server reads.
   */
  const handOff = async (res: ServerResponse, outcome: SignInOutcome, cookie: string, cliReturn: string | null) => {
    const code = await createHandoff(db, outcome);
    const target = new URL(cliReturn ?? returnUrl);
    if (cliReturn) target.searchParams.set('sso_code', code);
    else target.hash = `sso_code=${code}`;
    redirect(res, target.href, cookie);
  };

  const route = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const provider = path.startsWith('/auth/oidc/') ? oidc : cas;
    if (!provider) return sendRefusal(res, 404, 'SSO_NOT_CONFIGURED');
    if (req.method !== 'GET') return sendRefusal(res, 405, 'INVALID_INPUT', { detail: 'GET only' });
    if (path === OIDC_PATHS.start || path === CAS_START_PATH) {
      const requested = new URL(req.url ?? '/', 'http://start').searchParams.get('return');
      const cliReturn = requested === null ? null : loopbackReturn(requested);
      if (requested !== null && !cliReturn) {
        return sendRefusal(res, 400, 'INVALID_INPUT', { detail: `return must be http://127.0.0.1:<port>${CLI_RETURN_PATH} (or [::1], localhost)` });
      }
      let started: { location: string; cookie: string };
      try {
        started = await provider.start(cliReturn);
      } catch (error) {
        log.warn('sign-in could not start', { error });
        return handOff(res, { refusal: 'SSO_PROVIDER_UNAVAILABLE', params: {} }, '', cliReturn);
      }
      return redirect(res, started.location, started.cookie);
    }
    const { outcome, cookie, cliReturn } = await provider.finish(req);
    return handOff(res, outcome, cookie, cliReturn);
  };

  return {
    localLogin: config.localLogin,
    async providers() {
      const providers: SignInProvider[] = [];
      if (oidc && config.oidc) {
        providers.push({ kind: 'OIDC', startUrl: siblingUrl(config.oidc.redirectUri, OIDC_PATHS.start), logoutUrl: await oidc.logoutUrl() });
      }
      if (cas && config.cas) {
        const logout = `${config.cas.baseUrl}/logout?service=${encodeURIComponent(returnUrl)}`;
        providers.push({ kind: 'CAS', startUrl: siblingUrl(config.cas.serviceUrl, CAS_START_PATH), logoutUrl: logout });
      }
      return providers;
    },
    handle(req, res) {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (!SIGN_IN_PATHS.has(path)) return false;
      route(req, res, path).catch((error: unknown) => {
        // The database failing while a code is stored: the user can only try again.
        log.error('sign-in route failed', { error });
        if (!res.headersSent) sendRefusal(res, 503, 'SERVICE_UNAVAILABLE');
        else res.destroy();
      });
      return true;
    },
  };
}

/**
 * The configured callback URL with its `/auth/<provider>/callback` tail replaced: the start
 * route as the browser reaches it (same host and prefix, so the flow cookie comes back).
 */
function siblingUrl(callbackUrl: string, path: string): string {
  const url = new URL(callbackUrl);
  url.pathname = url.pathname.replace(/\/auth\/(oidc|cas)\/callback$/, path);
  url.search = '';
  return url.href;
}

function redirect(res: ServerResponse, location: string, cookie: string) {
  res.writeHead(302, {
    location,
    'cache-control': 'no-store',
    // The portal's one-time code rides in the fragment, which browsers never send; no Referer leaks the rest either.
    'referrer-policy': 'no-referrer',
    ...(cookie ? { 'set-cookie': cookie } : {}),
  });
  res.end();
}

function sendRefusal(
  res: ServerResponse,
  status: number,
  code: 'SSO_NOT_CONFIGURED' | 'INVALID_INPUT' | 'SERVICE_UNAVAILABLE',
  params: Record<string, string> = {},
) {
  const message = bilingualMessage(code, params);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

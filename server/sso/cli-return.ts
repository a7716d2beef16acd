import type { SignInOutcome } from './handoff.js';

/** The path a CLI's one-shot listener answers on: fixed, so the server never redirects anywhere else on the machine. */
export const CLI_RETURN_PATH = '/lixiao-sso';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** What a provider's callback settled, the cookie that ends the flow, and the CLI listener to hand the code to, if a CLI started it. */
export interface FinishedSignIn {
  outcome: SignInOutcome;
  cookie: string;
  cliReturn: string | null;
}

/**
 * `return=` of a start route, as the CLI sends it: `http://127.0.0.1:<port>/lixiao-sso`
 * (or `[::1]`, `localhost`), any port. Only the user's own machine can receive the code
 * there, so an attacker's link cannot send someone's one-time code elsewhere. Anything
 * else is null (refused).
 */
export function loopbackReturn(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  const plain = url.protocol === 'http:' && !url.username && !url.password && !url.search && !url.hash;
  if (!plain || !LOOPBACK_HOSTS.has(url.hostname) || !url.port || url.pathname !== CLI_RETURN_PATH) return null;
  return url.href;
}

/** The CLI's return address a flow cookie carries (checked when it was set), or null for the portal's. */
export function cliReturnOf(flow: Record<string, unknown> | null): string | null {
  const value = flow?.cliReturn;
  return typeof value === 'string' ? loopbackReturn(value) : null;
}

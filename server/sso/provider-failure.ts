import type { Logger } from '../log.js';
import type { SignInOutcome } from './handoff.js';

/**
 * A provider that could not be reached is the university's outage (try again later); one
 * that answered no (an expired, replayed or foreign code or ticket, a token for another client)
 * refuses this attempt. Both are logged with the detail; the user gets the typed refusal,
 * with the provider's reason in `extensions.reason` for the help desk.
 */
export function providerFailure(provider: 'oidc' | 'cas', error: unknown, log: Logger): SignInOutcome {
  const unreachable = isNetworkError(error);
  log.warn(`${provider} sign-in failed`, { error, unreachable });
  if (unreachable) return { refusal: 'SSO_PROVIDER_UNAVAILABLE', params: {} };
  return { refusal: 'SSO_PROVIDER_REFUSED', params: { reason: reasonOf(error) } };
}

/** A timeout, or fetch's TypeError over a socket error (ECONNREFUSED, ENOTFOUND, …), possibly wrapped by openid-client. */
function isNetworkError(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current.name === 'TimeoutError' || current.name === 'AbortError') return true;
    if (current.name === 'TypeError' && current.message === 'fetch failed') return true;
  }
  return false;
}

/**
 * openid-client's errors carry the provider's `error` code (invalid_grant, access_denied, …),
 * or, for a failed ID token check, the claim at fault in their cause (aud, iss, nonce, …).
 */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  const oauthError = (error as { error?: unknown }).error;
  if (typeof oauthError === 'string') return oauthError;
  let claim: unknown;
  for (let cause: unknown = error; cause && typeof cause === 'object' && claim === undefined; cause = (cause as { cause?: unknown }).cause) {
    claim = (cause as { claim?: unknown }).claim;
  }
  return (typeof claim === 'string' ? `${claim}: ${error.message}` : error.message).slice(0, 200);
}

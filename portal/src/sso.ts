import { ref } from 'vue';
import { api, keepSession } from './api.js';
import { PortalCompleteSsoSignInDocument, PortalSignInOptionsDocument, type PortalSignInOptionsQuery } from './generated/graphql.js';

export type SignInOptions = PortalSignInOptionsQuery['signInOptions'];
export type SignInProvider = SignInOptions['providers'][number];

/** The provider's logout page of the sign-in in this tab: kept from the button's click until logout. */
const PROVIDER_LOGOUT_KEY = 'lixiao.providerLogout';

/** Why the last provider sign-in failed, for the sign-in page (in the language it was made in). */
export const ssoFailure = ref('');

export async function loadSignInOptions(): Promise<SignInOptions> {
  return (await api().request(PortalSignInOptionsDocument)).signInOptions;
}

/** Before the page leaves for the provider: the tab remembers where its logout must go afterwards. */
export function rememberProvider(provider: SignInProvider) {
  if (provider.logoutUrl) sessionStorage.setItem(PROVIDER_LOGOUT_KEY, provider.logoutUrl);
  else sessionStorage.removeItem(PROVIDER_LOGOUT_KEY);
}

/** A password sign-in: no provider session to end at logout. */
export function forgetProvider() {
  sessionStorage.removeItem(PROVIDER_LOGOUT_KEY);
}

/** The provider's logout page once, if this tab signed in through one. */
export function takeProviderLogout(): string | null {
  const url = sessionStorage.getItem(PROVIDER_LOGOUT_KEY);
  forgetProvider();
  return url;
}

/**
 * The provider's redirect ends here with `#sso_code=…` (refusals too: the code tells which).
 * The fragment leaves the address bar and history at once, then the code is traded for the
 * session, kept as a password login keeps it. Returns whether the user is now signed in.
 */
export async function completeSsoFromFragment(): Promise<boolean> {
  const code = new URLSearchParams(location.hash.slice(1)).get('sso_code');
  if (!code) return false;
  history.replaceState(history.state, '', location.pathname + location.search);
  ssoFailure.value = '';
  try {
    const { completeSsoSignIn: result } = await api().request(PortalCompleteSsoSignInDocument, { code });
    if (result.__typename === 'MutationCompleteSsoSignInSuccess') {
      await keepSession(result.data);
      return true;
    }
    ssoFailure.value = result.message;
  } catch (error) {
    ssoFailure.value = error instanceof Error ? error.message : String(error);
  }
  forgetProvider();
  return false;
}

import { createClient, LixiaoError, ViewerDocument, type LixiaoClient, type Session, type ViewerQuery } from '@lixiao/sdk';
import { reactive } from 'vue';
import { locale } from './i18n.js';
import { navigate, PATHS } from './router.js';

/** Same origin when the server serves the portal; `VITE_LIXIAO_API` when Vite's dev server does. */
export const API_URL = import.meta.env.VITE_LIXIAO_API ?? new URL('/graphql', location.origin).href;

const SESSION_KEY = 'lixiao.session';

export type Viewer = NonNullable<ViewerQuery['viewer']>;
export type StaffViewer = Extract<Viewer, { __typename: 'Reviewer' }>;

/** Tokens live in this tab's sessionStorage: a reload keeps the sign-in, closing the tab ends it. */
export const auth = reactive<{ session: Session | null; viewer: Viewer | null }>({ session: readSession(), viewer: null });

let client: LixiaoClient | null = null;

export function api(): LixiaoClient {
  client ??= createClient({
    url: API_URL,
    // Read on every request, so switching the language changes the server's messages at once.
    get locale() {
      return locale.value;
    },
    // A few quick reconnects, then the subscription fails and the page takes over (useLive): it reads
    // its data again, which also tells a revoked sign-in (back to the login page) from a server restart.
    retryAttempts: 3,
    token: auth.session?.accessToken ?? null,
    refreshToken: auth.session?.refreshToken ?? null,
    onTokens: storeSession,
  });
  return client;
}

function storeSession(session: Session) {
  auth.session = session;
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

/** A session the client did not log in itself (the provider's sign-in), kept as a password login keeps one. */
export async function keepSession(session: Session): Promise<void> {
  const previous = client;
  client = null;
  auth.viewer = null;
  storeSession(session);
  await previous?.dispose();
}

export async function signIn(username: string, password: string): Promise<Session> {
  return api().login(username, password);
}

export async function loadViewer(): Promise<Viewer | null> {
  const { viewer } = await api().request(ViewerDocument);
  auth.viewer = viewer;
  return viewer;
}

export async function signOut(): Promise<void> {
  const closing = client;
  client = null;
  auth.session = null;
  auth.viewer = null;
  sessionStorage.removeItem(SESSION_KEY);
  // The server revokes every token of the account; a failure here (already expired) changes nothing for the user.
  await closing?.logout().catch(() => undefined);
  await closing?.dispose();
}

export function isAdmin(viewer: Viewer | null): boolean {
  return viewer?.__typename === 'Reviewer' && (viewer.roles ?? []).some((role) => role === 'UNIVERSITY_ADMIN' || role === 'COLLEGE_ADMIN');
}

/** Codes that mean the sign-in is over: the portal goes back to the login page. */
const SESSION_LOST = new Set(['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'TOKEN_REVOKED', 'TOKEN_INVALID']);

export function isSessionLost(error: unknown): boolean {
  return error instanceof LixiaoError && SESSION_LOST.has(error.code);
}

/**
 * The message to show for a failure. A failure that means the sign-in is over (expired, revoked)
 * also ends it here and goes back to the sign-in page, wherever it happened.
 */
export function errorText(error: unknown): string {
  if (isSessionLost(error)) {
    void signOut().then(() => navigate(PATHS.login, { replace: true }));
  }
  if (error instanceof LixiaoError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

function readSession(): Session | null {
  try {
    const stored = sessionStorage.getItem(SESSION_KEY);
    return stored ? (JSON.parse(stored) as Session) : null;
  } catch {
    return null;
  }
}

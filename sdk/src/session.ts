/** Tokens of one client: the stored session, a caller's getToken, and one refresh at a time. */

type Awaitable<T> = T | Promise<T>;

/** The tokens a login, password change or refresh returns. */
export interface Session {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  mustChangePassword: boolean;
}

export interface SessionOptions {
  token?: string | null;
  getToken?: () => Awaitable<string | null | undefined>;
  refreshToken?: string | null;
  onTokens?: (session: Session) => void | Promise<void>;
}

export interface SessionState {
  readonly session: Session | null;
  /** The token for the next request: the caller's getToken wins over the stored one. */
  currentToken(): Promise<string | null>;
  /** Keeps a new session (login, refresh, password change) and hands it to onTokens. */
  keep(next: Session): Promise<void>;
  /** Refreshes once (concurrent callers share it); false when there is nothing to refresh with or it failed. */
  refresh(): Promise<boolean>;
  /** True when TOKEN_EXPIRED should be answered by a refresh (the client owns the tokens). */
  readonly refreshes: boolean;
  /** A socket refused with 4403 may come back: the client can refresh, or the caller's getToken may give a new token. */
  readonly mayRenewCredentials: boolean;
  /** The stored access token expires within `marginMs` and can be refreshed. */
  expiresWithin(marginMs: number): boolean;
  setToken(token: string | null, refreshToken?: string | null): void;
  forget(): void;
}

/** `refreshSession` is the transport's call of the RefreshSession mutation: the successful session, or null. */
export function createSessionState(options: SessionOptions, refreshSession: (refreshToken: string) => Promise<Session | null>): SessionState {
  let accessToken: string | null = options.token ?? null;
  let refreshToken: string | null = options.refreshToken ?? null;
  let session: Session | null = null;
  let refreshing: Promise<boolean> | null = null;

  const state: SessionState = {
    get session() {
      return session;
    },
    get refreshes() {
      return !options.getToken;
    },
    get mayRenewCredentials() {
      return options.getToken !== undefined || refreshToken !== null;
    },
    async currentToken() {
      const supplied = options.getToken ? await options.getToken() : null;
      return supplied ?? accessToken;
    },
    async keep(next) {
      session = next;
      accessToken = next.accessToken;
      // Refresh tokens may rotate on use: always keep the newest one.
      refreshToken = next.refreshToken;
      await options.onTokens?.(next);
    },
    refresh() {
      if (!refreshToken) return Promise.resolve(false);
      refreshing ??= (async () => {
        try {
          const next = await refreshSession(refreshToken!);
          if (!next) return false;
          await state.keep(next);
          return true;
        } finally {
          refreshing = null;
        }
      })();
      return refreshing;
    },
    expiresWithin(marginMs) {
      return session !== null && refreshToken !== null && !options.getToken && Date.parse(session.accessTokenExpiresAt) <= Date.now() + marginMs;
    },
    setToken(token, nextRefreshToken) {
      accessToken = token;
      if (nextRefreshToken !== undefined) refreshToken = nextRefreshToken;
    },
    forget() {
      session = null;
      accessToken = null;
      refreshToken = null;
    },
  };
  return state;
}

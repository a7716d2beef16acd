import type { IncomingMessage } from 'node:http';
import { clientAddress, type ProxyTrust } from './auth/client-address.js';
import { authenticate, bearerToken, type Authentication, type Viewer } from './auth/viewer.js';
import type { TokenSigner } from './auth/tokens.js';
import type { Database } from './db/client.js';
import type { Logger } from './log.js';
import type { AppPubSub } from './pubsub.js';
import type { SignIn } from './sso/sign-in.js';

export type Locale = 'zh-CN' | 'en';

/** Long-lived services every request shares. */
export interface Services {
  db: Database;
  log: Logger;
  pubsub: AppPubSub;
  tokens: TokenSigner;
  trustProxy: ProxyTrust;
  /** Password login per role, the university's identity providers and their routes. */
  signIn: SignIn;
}

/** One context shape for HTTP and graphql-ws operations. */
export interface Context extends Services {
  locale: Locale;
  viewer: Viewer | null;
  authFailure: Authentication['failure'];
  clientAddress: string;
}

/** What yoga hands the context factory: an HTTP request, or our socket's equivalent. */
export interface ServerContext {
  req?: IncomingMessage;
  /** Set for graphql-ws operations: authenticated once, at connection_init. */
  socketAuthentication?: Authentication;
}

/**
 * zh-CN unless the client prefers English: Chinese universities are the users,
 * so any other language also falls back to Chinese.
 */
export function pickLocale(acceptLanguage: string | null | undefined): Locale {
  if (!acceptLanguage) return 'zh-CN';
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag, q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((entry) => entry.tag && !Number.isNaN(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

export async function createContext(services: Services, server: ServerContext): Promise<Context> {
  const headers = server.req?.headers ?? {};
  const authentication =
    server.socketAuthentication ?? (await authenticate(services.db, services.tokens, bearerToken(headers.authorization)));
  const acceptLanguage = headers['accept-language'];
  return {
    ...services,
    locale: pickLocale(Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : acceptLanguage),
    viewer: authentication.viewer,
    authFailure: authentication.failure,
    clientAddress: clientAddress(server.req?.socket.remoteAddress, headers['x-forwarded-for'], services.trustProxy),
  };
}

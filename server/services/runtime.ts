import { SessionCache } from '../auth/session-cache.js';
import { TokenSigner } from '../auth/tokens.js';
import type { Config } from '../config.js';
import type { ProxyTrust } from '../auth/client-address.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../log.js';
import type { AppPubSub } from '../pubsub.js';
import { createAppPubSub } from '../pubsub-bus.js';
import { createSignIn, type SignIn } from '../sso/sign-in.js';

/** Long-lived services every request shares. */
export interface Services {
  db: Database;
  log: Logger;
  pubsub: AppPubSub;
  tokens: TokenSigner;
  /** Sessions read in the last seconds (authentication), dropped on account events. */
  sessions: SessionCache;
  trustProxy: ProxyTrust;
  /** Password login per role, the university's identity providers and their routes. */
  signIn: SignIn;
}

/** The long-lived services of one server process, and how to release them. */
export function createServices(
  config: Pick<Config, 'jwtSecret' | 'accessTokenSeconds' | 'refreshTokenSeconds' | 'trustProxy' | 'redisUrl' | 'liveBufferEvents'> &
    Parameters<typeof createSignIn>[0],
  db: Database,
  log: Logger,
): { services: Services; close(): Promise<void> } {
  const events = createAppPubSub({ redisUrl: config.redisUrl, bufferEvents: config.liveBufferEvents }, log);
  const sessions = new SessionCache(events.pubsub);
  return {
    services: {
      db,
      log,
      pubsub: events.pubsub,
      tokens: new TokenSigner(config.jwtSecret, config.accessTokenSeconds, config.refreshTokenSeconds),
      sessions,
      trustProxy: config.trustProxy,
      signIn: createSignIn(config, db, log),
    },
    close: () => {
      sessions.close();
      return events.close();
    },
  };
}

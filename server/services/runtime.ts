import { TokenSigner } from '../auth/tokens.js';
import type { Config } from '../config.js';
import type { Services } from '../context.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../log.js';
import { createAppPubSub } from '../pubsub.js';
import { createSignIn } from '../sso/sign-in.js';

/** The long-lived services of one server process, and how to release them. */
export function createServices(
  config: Pick<Config, 'jwtSecret' | 'accessTokenSeconds' | 'refreshTokenSeconds' | 'trustProxy' | 'redisUrl' | 'liveBufferEvents'> &
    Parameters<typeof createSignIn>[0],
  db: Database,
  log: Logger,
): { services: Services; close(): Promise<void> } {
  const events = createAppPubSub({ redisUrl: config.redisUrl, bufferEvents: config.liveBufferEvents }, log);
  return {
    services: {
      db,
      log,
      pubsub: events.pubsub,
      tokens: new TokenSigner(config.jwtSecret, config.accessTokenSeconds, config.refreshTokenSeconds),
      trustProxy: config.trustProxy,
      signIn: createSignIn(config, db, log),
    },
    close: () => events.close(),
  };
}

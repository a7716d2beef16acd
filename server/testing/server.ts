import { createApp, GRAPHQL_PATH, type App } from '../app.js';
import { useInitialPasswordKey } from '../auth/password.js';
import type { Services } from '../services/runtime.js';
import type { Database } from '../db/client.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { createServices } from '../services/runtime.js';
import { openTestDatabase, type Backend } from './databases.js';
import { TEST_JWT_SECRET, TEST_PASSWORD_PEPPER } from './keys.js';
import { logIn, request, requestText, type GraphQLResponse, type Headers, type OperationArguments, type TypedDocument } from './request.js';

export type { GraphQLResponse } from './request.js';

export interface TestServer {
  app: App;
  db: Database;
  /** The server's own services (pubsub, tokens, …), for driving it from inside where no API exists yet. */
  services: Services;
  url: string;
  wsUrl: string;
  origin: string;
  /** Runs one typed operation (a graphql(`…`) document) over HTTP and returns the parsed body. */
  gql<R, V>(document: TypedDocument<R, V>, ...args: OperationArguments<V>): Promise<GraphQLResponse<R>>;
  /** An untyped query text, for what no typed document can express and suites not converted yet (see requestText). */
  gqlText(query: string, variables?: Record<string, unknown>, headers?: Headers): Promise<GraphQLResponse<any>>;
  /** Logs in and returns the access token (throws with the server's answer on failure). */
  login(username: string, password: string): Promise<string>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  backend?: Backend;
  demo?: boolean;
  /** Environment overrides, as a deployment would set them (e.g. ACCESS_TOKEN_SECONDS). */
  env?: Record<string, string>;
}

export async function startTestServer({ backend = 'pglite', demo = false, env = {} }: TestServerOptions = {}): Promise<TestServer> {
  const { db, drop } = await openTestDatabase(backend, demo ? 'demo' : 'rules');
  const log = createLogger((process.env.TEST_LOG_LEVEL as 'debug' | undefined) ?? 'silent');
  const config = loadConfig({
    PORT: '0',
    SHUTDOWN_GRACE_SECONDS: '1',
    JWT_SECRET: TEST_JWT_SECRET,
    PASSWORD_PEPPER: TEST_PASSWORD_PEPPER,
    ...env,
  });
  // The key is the process's (as in a deployment): test servers of one file share it.
  useInitialPasswordKey(config.passwordPepper);
  const runtime = createServices(config, db, log);
  const app = createApp(config, runtime.services);
  const { port } = await app.listen();
  const origin = `http://127.0.0.1:${port}`;
  const server: TestServer = {
    app,
    db,
    services: runtime.services,
    origin,
    url: `${origin}${GRAPHQL_PATH}`,
    wsUrl: `ws://127.0.0.1:${port}${GRAPHQL_PATH}`,
    gql: (document, ...args) => request(`${origin}${GRAPHQL_PATH}`, document, ...args),
    gqlText: (query, variables, headers) => requestText(`${origin}${GRAPHQL_PATH}`, query, variables, headers),
    login: (username, password) => logIn(`${origin}${GRAPHQL_PATH}`, username, password),
    async close() {
      await app.close();
      await runtime.close();
      await drop();
    },
  };
  return server;
}

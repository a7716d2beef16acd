import { createApp, GRAPHQL_PATH, type App } from '../app.js';
import { useInitialPasswordKey } from '../auth/password.js';
import type { Services } from '../services/runtime.js';
import type { Database } from '../db/client.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { createServices } from '../services/runtime.js';
import { openTestDatabase, type Backend } from './databases.js';
import { TEST_PASSWORD_PEPPER } from './keys.js';

export interface TestServer {
  app: App;
  db: Database;
  /** The server's own services (pubsub, tokens, …), for driving it from inside where no API exists yet. */
  services: Services;
  url: string;
  wsUrl: string;
  origin: string;
  /** POSTs one operation as JSON and returns the parsed body. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Logs in and returns the access token (throws with the server's answer on failure). */
  login(username: string, password: string): Promise<string>;
  close(): Promise<void>;
}

export interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } & Record<string, unknown>; path?: (string | number)[] }[];
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
  const config = loadConfig({ PORT: '0', SHUTDOWN_GRACE_SECONDS: '1', JWT_SECRET: 'test-secret-test-secret-test-secret!', PASSWORD_PEPPER: TEST_PASSWORD_PEPPER, ...env });
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
    async gql(query, variables, headers) {
      const response = await fetch(`${origin}${GRAPHQL_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<any>;
    },
    async login(username, password) {
      const result = await server.gql(
        'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { __typename ... on MutationLoginSuccess { data { accessToken } } ... on Error { code message } } }',
        { u: username, p: password },
      );
      const token = result.data?.login?.data?.accessToken;
      if (!token) throw new Error(`login ${username} failed: ${JSON.stringify(result)}`);
      return token as string;
    },
    async close() {
      await app.close();
      await runtime.close();
      await drop();
    },
  };
  return server;
}

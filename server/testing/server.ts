import { createApp, GRAPHQL_PATH, type App } from '../app.js';
import type { Database } from '../db/client.js';
import { applyMigrations } from '../db/migrate.js';
import { createLogger } from '../log.js';
import { installDefaultRuleSet, seedDemoData } from '../seed/demo.js';
import { openTestDatabase, type Backend } from './databases.js';

export interface TestServer {
  app: App;
  db: Database;
  url: string;
  wsUrl: string;
  origin: string;
  /** POSTs one operation as JSON and returns the parsed body. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } & Record<string, unknown>; path?: (string | number)[] }[];
}

export async function startTestServer({ backend = 'pglite', demo = false }: { backend?: Backend; demo?: boolean } = {}): Promise<TestServer> {
  const { db, drop } = await openTestDatabase(backend);
  await applyMigrations(db.sql);
  if (demo) await seedDemoData(db);
  else await installDefaultRuleSet(db);
  const log = createLogger((process.env.TEST_LOG_LEVEL as 'debug' | undefined) ?? 'silent');
  const app = createApp({ port: 0, host: '127.0.0.1', production: false, shutdownGraceSeconds: 1 }, { db, log });
  const { port } = await app.listen();
  const origin = `http://127.0.0.1:${port}`;
  return {
    app,
    db,
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
    async close() {
      await app.close();
      await drop();
    },
  };
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { Config } from './config.js';
import { createContext, type Context, type Services } from './context.js';
import { migrationsUpToDate, readMigrations } from './db/migrate.js';
import { schema } from './schema/index.js';

export const GRAPHQL_PATH = '/graphql';

export interface App {
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  http: Server;
  listen(): Promise<{ port: number; url: string }>;
  /** Stops accepting, lets in-flight requests finish, closes sockets with 1001. */
  close(): Promise<void>;
}

const INTERNAL_ERROR_MESSAGE = '服务器内部错误 / Unexpected error';

export function createApp(config: Pick<Config, 'port' | 'host' | 'production' | 'shutdownGraceSeconds'>, services: Services): App {
  const { log } = services;
  const migrations = readMigrations();

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: !config.production,
    landingPage: false,
    logging: {
      debug: (...args) => log.debug(String(args[0]), { detail: args.slice(1) }),
      info: (...args) => log.info(String(args[0]), { detail: args.slice(1) }),
      warn: (...args) => log.warn(String(args[0]), { detail: args.slice(1) }),
      error: (...args) => log.error(String(args[0]), { detail: args.slice(1) }),
    },
    context: ({ request }) => createContext(services, request),
    maskedErrors: {
      maskError(error) {
        // Our own GraphQLErrors carry a code and a localized message: pass them through.
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) return error;
        log.error('unexpected error', { error: original ?? error });
        return new GraphQLError(INTERNAL_ERROR_MESSAGE, {
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
          ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
        });
      },
    },
  });

  const http = createServer((req, res) => {
    if (req.url === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (req.url === '/readyz') return void readiness(services, migrations).then(({ ok, ...body }) => sendJson(res, ok ? 200 : 503, body));
    return yoga.requestListener(req, res);
  });

  const ws = new WebSocketServer({ server: http, path: GRAPHQL_PATH });
  useServer<Record<string, unknown>, { request: IncomingMessage }>(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        // Through yoga's envelop so its plugins (limits, masking) apply to sockets too.
        const { schema: envelopedSchema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          request: toFetchLikeRequest(ctx.extra.request),
        });
        const args: ExecutionArgs = {
          schema: envelopedSchema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    ws,
  );

  let closing: Promise<void> | null = null;
  return {
    yoga,
    http,
    listen: () =>
      new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.port, config.host, () => {
          http.off('error', reject);
          const { port } = http.address() as AddressInfo;
          const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
          resolve({ port, url: `http://${host}:${port}${GRAPHQL_PATH}` });
        });
      }),
    close() {
      closing ??= (async () => {
        for (const client of ws.clients) client.close(1001, 'Server shutting down');
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => http.closeAllConnections(), config.shutdownGraceSeconds * 1000);
          force.unref();
          http.close(() => {
            clearTimeout(force);
            resolve();
          });
          http.closeIdleConnections();
        });
        await new Promise<void>((resolve) => ws.close(() => resolve()));
      })();
      return closing;
    },
  };
}

type Enveloped = ReturnType<App['yoga']['getEnveloped']>;
type EnvelopedRoot = Pick<Enveloped, 'execute' | 'subscribe'>;

/** graphql-ws hands us node's IncomingMessage; the shared context wants fetch-style headers. */
function toFetchLikeRequest(req: IncomingMessage) {
  return {
    headers: {
      get(name: string) {
        const value = req.headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(', ') : (value ?? null);
      },
    },
  };
}

async function readiness(services: Services, migrations: ReturnType<typeof readMigrations>) {
  try {
    const upToDate = await migrationsUpToDate(services.db.sql, migrations);
    return { ok: upToDate, status: upToDate ? 'ready' : 'migrations pending', database: 'reachable' };
  } catch (error) {
    services.log.warn('readiness check failed', { error });
    return { ok: false, status: 'database unreachable', database: 'unreachable' };
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

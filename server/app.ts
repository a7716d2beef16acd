import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import { authenticate, bearerToken, type Authentication } from './auth/viewer.js';
import type { Config } from './config.js';
import { createContext, type Context, type ServerContext, type Services } from './context.js';
import { migrationsUpToDate, readMigrations } from './db/migrate.js';
import { isDatabaseUnavailable } from './db/unavailable.js';
import { formatMessage, isGraphQLError } from './errors.js';
import { EXPORT_PATH, handleSummaryExport } from './exports/summary.js';
import { useLocalizedErrors } from './localize-errors.js';
import { securityPlugins } from './security.js';
import { trustedDocuments } from './persisted-documents.js';
import { createWebRoutes, renderOfflineGraphiQL } from './web/index.js';
import { schema } from './schema/index.js';

export const GRAPHQL_PATH = '/graphql';

export interface App {
  yoga: YogaServerInstance<ServerContext, Context>;
  http: Server;
  listen(): Promise<{ port: number; url: string }>;
  /** Stops accepting, lets in-flight requests finish, closes sockets with 1001. */
  close(): Promise<void>;
}

const INTERNAL_ERROR_MESSAGE = '服务器内部错误 / Unexpected error';

export type AppConfig = Pick<Config, 'port' | 'host' | 'production' | 'shutdownGraceSeconds' | 'corsOrigins' | 'maxBodyBytes' | 'maxUploadBytes'> &
  Partial<Pick<Config, 'trustedDocuments' | 'persistedDocumentsPath'>>;

export function createApp(config: AppConfig, services: Services): App {
  const { log } = services;
  const migrations = readMigrations();
  const trusted = trustedDocuments({ trustedDocuments: config.trustedDocuments ?? false, persistedDocumentsPath: config.persistedDocumentsPath ?? '' });

  const yoga = createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: !config.production,
    renderGraphiQL: renderOfflineGraphiQL,
    landingPage: false,
    batching: false,
    extraParamNames: trusted?.extraParamNames,
    cors: config.corsOrigins.length > 0 ? { origin: config.corsOrigins, credentials: true, maxAge: 600 } : false,
    logging: {
      debug: (...args) => log.debug(String(args[0]), { detail: args.slice(1) }),
      info: (...args) => log.info(String(args[0]), { detail: args.slice(1) }),
      warn: (...args) => log.warn(String(args[0]), { detail: args.slice(1) }),
      // Yoga logs each error it masks here, once: with its stack, never sent to the client.
      error: (...args) => {
        const [first, ...rest] = args;
        if (!(first instanceof Error)) return log.error(String(first), { detail: rest });
        const original = isGraphQLError(first) && first.originalError ? first.originalError : first;
        log.error('unexpected error', { error: original, ...(rest.length ? { detail: rest } : {}) });
      },
    },
    context: (server) => createContext(services, server),
    plugins: [...securityPlugins(config), ...(trusted?.plugins ?? []), useLocalizedErrors()],
    maskedErrors: {
      maskError(error) {
        // GraphQL's own errors and our AppErrors carry a code and a readable message: pass them through.
        const original = isGraphQLError(error) ? error.originalError : error;
        if (isGraphQLError(error) && (!original || isGraphQLError(original))) return error;
        // Still logged by yoga; the client learns it may retry rather than that something broke.
        // Both languages, like the masked message: the request's language is not known everywhere this runs.
        const location = isGraphQLError(error) ? { nodes: error.nodes, path: error.path } : {};
        if (isDatabaseUnavailable(original ?? error)) {
          const message = `${formatMessage('SERVICE_UNAVAILABLE', 'zh-CN')} / ${formatMessage('SERVICE_UNAVAILABLE', 'en')}`;
          return new GraphQLError(message, { extensions: { code: 'SERVICE_UNAVAILABLE' }, ...location });
        }
        return new GraphQLError(INTERNAL_ERROR_MESSAGE, { extensions: { code: 'INTERNAL_SERVER_ERROR' }, ...location });
      },
    },
  });

  const serveWeb = createWebRoutes();
  const http = createServer((req, res) => {
    // Node keeps a keep-alive connection open after its last response even while the server closes:
    // during shutdown each answered request gives its connection back, so close() ends with the last answer.
    res.once('finish', () => {
      if (closing) setImmediate(() => http.closeIdleConnections());
    });
    if (req.url === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (req.url === '/readyz') return void readiness(services, migrations).then(({ ok, ...body }) => sendJson(res, ok ? 200 : 503, body));
    if (req.method === 'GET' && EXPORT_PATH.test(req.url ?? '')) return void handleSummaryExport(req, res, services);
    if (serveWeb(req, res)) return;
    const refusal = bodyRefusal(req, config);
    if (refusal) return sendJson(res, refusal.status, { errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
    return yoga.requestListener(req, res);
  });

  // Longer than the usual proxy idle timeout, so a reused keep-alive connection is never closed under a client.
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;

  const ws = new WebSocketServer({ server: http, path: GRAPHQL_PATH });
  const sockets = new SocketSessions();
  useServer<Record<string, unknown>, SocketExtra>(
    {
      // A bad, expired or revoked token refuses the connection (4403); none at all is allowed for public fields.
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const token = bearerToken(params.authorization) ?? (typeof params.token === 'string' ? params.token : null);
        const authentication = await authenticate(services.db, services.tokens, token);
        if (authentication.failure) return false;
        ctx.extra.authentication = authentication;
        sockets.add(ctx.extra.socket, authentication);
        return true;
      },
      onClose: (ctx) => sockets.remove(ctx.extra.socket),
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const params = trusted ? trusted.socketParams(payload) : payload;
        if (Array.isArray(params)) return params;
        // Through yoga's envelop so its plugins (limits, masking) apply to sockets too.
        const { schema: envelopedSchema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          req: ctx.extra.request,
          socketAuthentication: ctx.extra.authentication,
          params,
        } satisfies ServerContext & { params: unknown });
        let document: ExecutionArgs['document'];
        let errors: readonly GraphQLError[];
        try {
          document = parse(params.query);
          errors = validate(envelopedSchema, document);
        } catch (error) {
          // A refused document (syntax error, operation limits) fails this operation only; thrown, it would close the socket with 4500.
          if (isGraphQLError(error)) return [error];
          throw error;
        }
        if (errors.length) return errors;
        const args: ExecutionArgs = {
          schema: envelopedSchema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
        return args;
      },
    },
    ws,
  );

  const stopRevocations = closeRevokedSockets(services, sockets);

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
        stopRevocations();
        sockets.clear();
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

type SocketExtra = {
  socket: WebSocket;
  request: IncomingMessage;
  authentication?: Authentication;
};

/** 4403 like graphql-ws's own refusal: the socket's credentials are no longer good. */
const CLOSE_FORBIDDEN = 4403;

/**
 * Open sockets by credential, so a password change or logout can close them, and
 * a timer per socket that closes it when its access token expires.
 */
class SocketSessions {
  private readonly byCredential = new Map<string, Set<WebSocket>>();
  private readonly expiryTimers = new Map<WebSocket, NodeJS.Timeout>();
  private readonly credentialOf = new Map<WebSocket, string>();

  add(socket: WebSocket, { viewer }: Authentication) {
    if (!viewer) return;
    if (viewer.credentialId) {
      const set = this.byCredential.get(viewer.credentialId) ?? new Set();
      set.add(socket);
      this.byCredential.set(viewer.credentialId, set);
      this.credentialOf.set(socket, viewer.credentialId);
    }
    if (viewer.tokenExpiresAt) {
      const delay = Math.max(0, viewer.tokenExpiresAt.getTime() - Date.now());
      const timer = setTimeout(() => socket.close(CLOSE_FORBIDDEN, 'Token expired'), Math.min(delay, 2 ** 31 - 1));
      timer.unref();
      this.expiryTimers.set(socket, timer);
    }
  }

  remove(socket: WebSocket) {
    clearTimeout(this.expiryTimers.get(socket));
    this.expiryTimers.delete(socket);
    const credentialId = this.credentialOf.get(socket);
    if (credentialId) this.byCredential.get(credentialId)?.delete(socket);
    this.credentialOf.delete(socket);
  }

  revoke(credentialId: string) {
    for (const socket of this.byCredential.get(credentialId) ?? []) socket.close(CLOSE_FORBIDDEN, 'Token revoked');
    this.byCredential.delete(credentialId);
  }

  clear() {
    for (const timer of this.expiryTimers.values()) clearTimeout(timer);
    this.expiryTimers.clear();
  }
}

function closeRevokedSockets(services: Services, sockets: SocketSessions): () => void {
  const revocations = services.pubsub.subscribe('auth:revoked');
  void (async () => {
    for await (const { credentialId } of revocations) sockets.revoke(credentialId);
  })().catch((error: unknown) => services.log.error('revocation listener stopped', { error }));
  return () => void revocations.return?.();
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

/**
 * Bodies are refused before anything reads them: too large by Content-Length
 * (JSON and multipart have their own limits), or of unknown length.
 */
function bodyRefusal(req: IncomingMessage, config: AppConfig): { status: number; code: string; message: string } | null {
  if (req.method !== 'POST') return null;
  const length = Number(req.headers['content-length']);
  if (req.headers['content-length'] === undefined || Number.isNaN(length)) {
    return { status: 411, code: 'LENGTH_REQUIRED', message: 'Content-Length is required / 请求须带 Content-Length' };
  }
  const multipart = (req.headers['content-type'] ?? '').startsWith('multipart/form-data');
  if (length > (multipart ? config.maxUploadBytes : config.maxBodyBytes)) {
    return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'Request body too large / 请求体过大' };
  }
  return null;
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

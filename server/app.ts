import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import { authenticate, bearerToken, type Authentication } from './auth/viewer.js';
import type { Config } from './config.js';
import { createContext, type Context, type ServerContext } from './context.js';
import { migrationsUpToDate, readMigrations } from './db/migrate.js';
import { isDatabaseUnavailable } from './db/unavailable.js';
import { bilingualMessage, formatMessage, pickLocale } from './i18n/index.js';
import { EXPORT_PATH, handleSummaryExport } from './exports/summary.js';
import { appErrorOf, isGraphQLError, toGraphQLError, useLocalizedErrors } from './localize-errors.js';
import { currentLogScope, idFromClient, inLogScope, keepLogScope, type LogScope } from './log.js';
import { followAccountEvents, SocketSessions } from './live/sessions.js';
import { useSharedSubscriptionEvents } from './live/shared-execution.js';
import { DEFAULT_SOCKET_OPERATIONS, failOperationOnError, operationLimitError, unexpectedOperationError, withCode } from './live/socket-limits.js';
import { directGraphQLPost } from './graphql-post.js';
import { securityPlugins } from './security.js';
import { trustedDocuments } from './persisted-documents.js';
import { createWebRoutes, renderOfflineGraphiQL } from './web/index.js';
import { schema } from './schema/index.js';
import type { Services } from './services/runtime.js';
import { isUpload, uploadRefusal } from './schema/import/upload-gate.js';
import { useSpooledUploads } from './schema/import/upload-spool.js';

export const GRAPHQL_PATH = '/graphql';

export interface App {
  yoga: YogaServerInstance<ServerContext, Context>;
  http: Server;
  listen(): Promise<{ port: number; url: string }>;
  /** Stops accepting, lets in-flight requests finish, closes sockets with 1001. */
  close(): Promise<void>;
}

const INTERNAL_ERROR_MESSAGE = '服务器内部错误 / Unexpected error';

/**
 * GraphQL's own errors carry a code and a readable message: they pass through. AppErrors of English
 * requests reach here already localized (useLocalizedErrors); the rest answer in Chinese.
 */
function maskError(error: unknown): GraphQLError {
  const original = isGraphQLError(error) ? error.originalError : error;
  if (isGraphQLError(error) && (!original || isGraphQLError(original))) return error;
  const app = appErrorOf(error);
  if (app) return toGraphQLError(app, 'zh-CN', isGraphQLError(error) ? error : undefined);
  // Still logged by yoga; the client learns it may retry rather than that something broke.
  // Both languages, like the masked message: the request's language is not known everywhere this runs.
  const location = isGraphQLError(error) ? { nodes: error.nodes, path: error.path } : {};
  if (isDatabaseUnavailable(original ?? error)) {
    const message = bilingualMessage('SERVICE_UNAVAILABLE');
    return new GraphQLError(message, { extensions: { code: 'SERVICE_UNAVAILABLE' }, ...location });
  }
  return new GraphQLError(INTERNAL_ERROR_MESSAGE, { extensions: { code: 'INTERNAL_SERVER_ERROR' }, ...location });
}

export type AppConfig = Pick<Config, 'port' | 'host' | 'production' | 'shutdownGraceSeconds' | 'corsOrigins' | 'maxBodyBytes' | 'maxUploadBytes'> &
  Partial<Pick<Config, 'trustedDocuments' | 'persistedDocumentsPath' | 'maxSocketOperations'>> & {
    /** Off: every GraphQL request goes through yoga's fetch layer (graphql-post.ts), as the parity test compares. */
    directGraphQLPost?: boolean;
  };

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
    cors: config.corsOrigins.length > 0 ? { origin: config.corsOrigins, credentials: true, maxAge: 600, exposedHeaders: [REQUEST_ID_HEADER] } : false,
    logging: {
      debug: (...args) => log.debug(String(args[0]), { detail: args.slice(1) }),
      info: (...args) => log.info(String(args[0]), { detail: args.slice(1) }),
      warn: (...args) => log.warn(String(args[0]), { detail: args.slice(1) }),
      // Yoga logs each error it masks here: with its stack, never sent to the client. It masks AppErrors too
      // (into the request's language): those are refusals the client caused (a revoked token), not failures.
      error: (...args) => {
        const [first, ...rest] = args;
        if (!(first instanceof Error)) return log.error(String(first), { detail: rest });
        const app = appErrorOf(first);
        if (app) return log.debug('request refused', { code: app.code });
        const original = isGraphQLError(first) && first.originalError ? first.originalError : first;
        log.error('unexpected error', { error: original, ...(rest.length ? { detail: rest } : {}) });
      },
    },
    context: (server) => createContext(services, server),
    plugins: [
      ...securityPlugins(config),
      ...(trusted?.plugins ?? []),
      useSpooledUploads({ maxUploadBytes: config.maxUploadBytes, maxFieldBytes: config.maxBodyBytes }),
      useLocalizedErrors(),
      useSharedSubscriptionEvents(),
    ],
    maskedErrors: { maskError },
  });

  // Yoga's CORS headers come from its fetch layer: with CORS on, every request goes through it.
  const directPost =
    config.directGraphQLPost !== false && config.corsOrigins.length === 0 ? directGraphQLPost({ yoga, maskError, documentText: trusted?.documentText }) : null;
  const serveWeb = createWebRoutes();
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    // Node keeps a keep-alive connection open after its last response even while the server closes:
    // during shutdown each answered request gives its connection back, so close() ends with the last answer.
    res.once('finish', () => {
      if (closing) setImmediate(() => http.closeIdleConnections());
    });
    if (req.url === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (req.url === '/readyz')
      return route(req, res, log, async () => {
        const { ok, ...body } = await readiness(services, migrations);
        sendJson(res, ok ? 200 : 503, body);
      });
    if (req.method === 'GET' && EXPORT_PATH.test(req.url ?? '')) return route(req, res, log, () => handleSummaryExport(req, res, services));
    if (services.signIn.handle(req, res)) return;
    if (serveWeb(req, res)) return;
    const refusal = bodyRefusal(req, config);
    if (refusal) return sendJson(res, refusal.status, { errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
    if (isUpload(req)) {
      return route(req, res, log, async () => {
        const uploadRefused = await uploadRefusal(req, services);
        if (!uploadRefused) return void (await yoga.requestListener(req, res));
        const message = formatMessage(uploadRefused.code, pickLocale(req.headers['accept-language']));
        sendJson(res, uploadRefused.status, { errors: [{ message, extensions: { code: uploadRefused.code } }] });
      });
    }
    const direct = directPost?.(req);
    if (direct) return route(req, res, log, () => direct(req, res));
    return yoga.requestListener(req, res);
  };
  const http = createServer((req, res) => {
    const requestId = idFromClient(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    inLogScope({ requestId }, () => serve(req, res));
  });

  // Longer than the usual proxy idle timeout, so a reused keep-alive connection is never closed under a client.
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;

  // A frame larger than an HTTP body is refused by ws itself (close 1009) before it is buffered whole.
  const ws = new WebSocketServer({ server: http, path: GRAPHQL_PATH, maxPayload: config.maxBodyBytes });
  const operationLimit = config.maxSocketOperations ?? DEFAULT_SOCKET_OPERATIONS;
  const sockets = new SocketSessions(services);
  ws.on('headers', (headers, request) => headers.push(`${REQUEST_ID_HEADER}: ${connectionIdOf(request)}`));
  useServer<Record<string, unknown>, SocketExtra>(
    {
      // A bad, expired or revoked token refuses the connection (4403); none at all is allowed for public fields.
      onConnect: inConnectionScope(async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const token = bearerToken(params.authorization) ?? (typeof params.token === 'string' ? params.token : null);
        const authentication = await authenticate(services, token).catch((error: unknown) => {
          // Thrown, it would close the socket with the error's text (4500): the client learns only to retry.
          log.warn('socket authentication failed', { error });
          ctx.extra.socket.close(CLOSE_TRY_AGAIN_LATER, 'Service unavailable, retry');
          return null;
        });
        if (!authentication || authentication.failure) return false;
        ctx.extra.authentication = authentication;
        sockets.add(ctx.extra.socket, authentication, token);
        return true;
      }),
      onClose: (ctx) => sockets.remove(ctx.extra.socket),
      // Whatever an operation throws fails that operation (masked and logged), never the socket.
      execute: (args) => {
        const root = args.rootValue as EnvelopedRoot;
        return inLogScope(root.logScope, () => failOperationOnError(() => root.execute(args), log));
      },
      subscribe: (args) => {
        const root = args.rootValue as EnvelopedRoot;
        return inLogScope(root.logScope, async () => {
          const result = await failOperationOnError(() => root.subscribe(args), log);
          return Symbol.asyncIterator in result ? keepLogScope(result) : result;
        });
      },
      onSubscribe: inOperationScope(async (ctx, _id, payload) => {
        // graphql-ws registers the operation before this hook runs, so the count includes it.
        if (Object.keys(ctx.subscriptions).length > operationLimit) return [operationLimitError(operationLimit)];
        const params = trusted ? trusted.socketParams(payload) : payload;
        if (Array.isArray(params)) return params;
        // Through yoga's envelop so its plugins (limits, masking) apply to sockets too.
        const {
          schema: envelopedSchema,
          execute,
          subscribe,
          contextFactory,
          parse,
          validate,
        } = yoga.getEnveloped({
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
          if (isGraphQLError(error)) return withCode([error], 'GRAPHQL_PARSE_FAILED');
          log.error('unexpected error', { error });
          return [unexpectedOperationError()];
        }
        if (errors.length) return withCode(errors, 'GRAPHQL_VALIDATION_FAILED');
        const contextValue = await Promise.resolve()
          .then(contextFactory)
          .catch((error: unknown) => {
            log.error('unexpected error', { error });
            return null;
          });
        if (!contextValue) return [unexpectedOperationError()];
        const args: ExecutionArgs = {
          schema: envelopedSchema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue,
          rootValue: { execute, subscribe, logScope: currentLogScope() } satisfies EnvelopedRoot,
        };
        return args;
      }),
    },
    ws,
  );

  const stopRevocations = followAccountEvents(services, sockets);

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
type EnvelopedRoot = Pick<Enveloped, 'execute' | 'subscribe'> & { logScope: LogScope };

/** WebSocket's "try again later": the server could not check the credentials just now. */
const CLOSE_TRY_AGAIN_LATER = 1013;

type SocketExtra = {
  socket: WebSocket;
  request: IncomingMessage;
  authentication?: Authentication;
};

/** Answered as a response header (HTTP, and the socket's handshake) and carried by every log line of the request or socket. */
const REQUEST_ID_HEADER = 'x-request-id';

const connectionIds = new WeakMap<IncomingMessage, string>();

/** A socket's id, from its handshake request: asked for first when the handshake is answered. */
function connectionIdOf(request: IncomingMessage): string {
  let id = connectionIds.get(request);
  if (!id) connectionIds.set(request, (id = idFromClient(request.headers[REQUEST_ID_HEADER])));
  return id;
}

/** A graphql-ws hook run in its socket's log scope. */
function inConnectionScope<C extends { extra: SocketExtra }, R>(hook: (ctx: C) => R): (ctx: C) => R {
  return (ctx) => inLogScope({ connectionId: connectionIdOf(ctx.extra.request) }, () => hook(ctx));
}

/** A graphql-ws hook of one operation run in its log scope: the socket's id and the operation's (the client's, when sane). */
function inOperationScope<C extends { extra: SocketExtra }, A extends unknown[], R>(hook: (ctx: C, id: string, ...rest: A) => R) {
  return (ctx: C, id: string, ...rest: A): R =>
    inLogScope({ connectionId: connectionIdOf(ctx.extra.request), operationId: idFromClient(id) }, () => hook(ctx, id, ...rest));
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

/**
 * Runs a route outside GraphQL so that nothing it throws can end the process: the failure is logged
 * and answered like GraphQL's (503 SERVICE_UNAVAILABLE when the database cannot be reached, otherwise
 * the masked internal error); a response already under way can only be cut short.
 */
function route(req: IncomingMessage, res: ServerResponse, log: Services['log'], handler: () => Promise<void>): void {
  handler().catch((error: unknown) => {
    const unavailable = isDatabaseUnavailable(error);
    if (unavailable) log.warn('database unavailable', { path: req.url?.split('?')[0], error });
    else log.error('unexpected error', { path: req.url?.split('?')[0], error });
    if (res.headersSent) return void res.destroy();
    const code = unavailable ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_SERVER_ERROR';
    const message = unavailable ? formatMessage('SERVICE_UNAVAILABLE', pickLocale(req.headers['accept-language'])) : INTERNAL_ERROR_MESSAGE;
    sendJson(res, unavailable ? 503 : 500, { errors: [{ message, extensions: { code } }] });
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { createClient as createSocketClient, type Client as SocketClient } from 'graphql-ws';
import {
  ApproveItemsDocument,
  ChangePasswordDocument,
  ChangesSinceDocument,
  LogoutDocument,
  CohortStatsDocument,
  LoginDocument,
  MySheetDocument,
  RefreshSessionDocument,
  RejectItemsDocument,
  ReviewQueueDocument,
  SyncClearanceResultsDocument,
  type CohortStatsQueryVariables,
  type ItemRefInput,
  type ReviewQueueQueryVariables,
  type SyncResultInput,
  type ApproveItemsMutation,
  type ChangesSinceQuery,
  type CohortStatsQuery,
  type MySheetQuery,
  type ReviewQueueQuery,
  type SyncClearanceResultsMutation,
} from './generated/graphql.js';

export type Locale = 'zh-CN' | 'en';

/** The tokens a login, password change or refresh returns. */
export interface Session {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  mustChangePassword: boolean;
}

export interface GraphQLErrorShape {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: string } & Record<string, unknown>;
}

export interface GraphQLResponse<T = unknown> {
  data?: T | null;
  errors?: GraphQLErrorShape[];
  extensions?: Record<string, unknown>;
}

/** Codes the client itself gives (the server's are the schema's ErrorCode and GraphQL's own). */
export type ClientErrorCode = 'NETWORK_ERROR' | 'BAD_RESPONSE' | 'SUBSCRIPTION_CLOSED';

/**
 * Every failure the client reports: `code` from the error's `extensions.code`,
 * a DomainError result's `code`, or one of ClientErrorCode; `message` as the
 * server worded it (in the client's locale); `response` the raw answer, if any.
 */
export class LixiaoError extends Error {
  override readonly name = 'LixiaoError';
  readonly code: string;
  /** HTTP status, when the error came from an HTTP answer. */
  readonly status: number | undefined;
  readonly response: unknown;
  /** All GraphQL errors of the response (the first gives code and message). */
  readonly errors: readonly GraphQLErrorShape[];
  /** DomainError.field (INVALID_INPUT). */
  readonly field: string | null;
  /** DomainError.retryAfterSeconds (LOGIN_LOCKED). */
  readonly retryAfterSeconds: number | null;

  constructor(
    code: string,
    message: string,
    options: {
      status?: number;
      response?: unknown;
      errors?: readonly GraphQLErrorShape[];
      field?: string | null;
      retryAfterSeconds?: number | null;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.response = options.response;
    this.errors = options.errors ?? [];
    this.field = options.field ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }

  /** True for failures of the network or the server rather than of the request. */
  get isServerError(): boolean {
    return (
      this.code === 'NETWORK_ERROR' ||
      this.code === 'BAD_RESPONSE' ||
      this.code === 'INTERNAL_SERVER_ERROR' ||
      (this.status !== undefined && this.status >= 500)
    );
  }
}

/** A union result of the schema's mutations: the DomainError branch or the success with `data`. */
type DomainErrorResult = { __typename: 'DomainError'; code: string; message: string; field?: string | null; retryAfterSeconds?: number | null };
type SuccessOf<R> = Exclude<R, { __typename: 'DomainError' }>;

/**
 * The `data` of a `… | DomainError` mutation result, or a LixiaoError with the
 * DomainError's code and message.
 */
export function unwrap<R extends { __typename: string }>(result: R, response?: unknown): SuccessOf<R> extends { data: infer D } ? D : never {
  if (result.__typename === 'DomainError') {
    const failure = result as unknown as DomainErrorResult;
    throw new LixiaoError(failure.code, failure.message, { response, field: failure.field, retryAfterSeconds: failure.retryAfterSeconds });
  }
  return (result as unknown as { data: never }).data;
}

type Awaitable<T> = T | Promise<T>;
type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** graphql-ws endpoint; default: `url` with http(s) → ws(s). */
  wsUrl?: string;
  /** A fixed access token (JWT) or an integration's API token (`lxi_…`). */
  token?: string | null;
  /** Asked before every request and socket connection; wins over the stored token when it returns one. */
  getToken?: () => Awaitable<string | null | undefined>;
  /** With it, the client answers TOKEN_EXPIRED by calling refreshSession once and retrying. */
  refreshToken?: string | null;
  /** Called with every new session (login, refresh, password change), e.g. to store it. */
  onTokens?: (session: Session) => void | Promise<void>;
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  /** Defaults to the global WebSocket (browsers, Node 22+); pass `ws` in Node 20. */
  webSocketImpl?: unknown;
  /** Server messages in this language (Accept-Language); the server's default is zh-CN. */
  locale?: Locale;
  /** Send operations by their sha256 hash (`documentId`) rather than their text: for servers with TRUSTED_DOCUMENTS=on. */
  persisted?: boolean;
  /** Extra headers for every HTTP request. */
  headers?: Record<string, string>;
  /** graphql-ws reconnection attempts after a lost socket (default: practically forever). */
  retryAttempts?: number;
  /**
   * The last change (ClearanceEvent seq) the caller has already seen, e.g. stored from an
   * earlier run: the first catch-up after a reconnect starts there. The client keeps it
   * up to date from subscription events, mySheet() and changesSince().
   */
  cursor?: string | null;
  /** Called after the socket came back after a loss, with subscriptions resumed and what was missed meanwhile. */
  onReconnected?: (missed: MissedChanges) => void;
}

export interface RequestOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /**
   * Upload progress of a request with files (bytes handed to the network so far, total).
   * Node only: it streams the multipart body with its Content-Length, which browsers do not allow.
   */
  onUploadProgress?: (sent: number, total: number) => void;
}

export type Change = ChangesSinceQuery['changesSince']['changes'][number];

/** What happened in the viewer's scope while the socket was down. */
export interface MissedChanges {
  /** The cursor the catch-up started from: the last seq seen before the loss (null: nothing seen, the whole history). */
  from: string | null;
  /** Every change after `from`, oldest first. One that also arrives live right after the reconnect is in both: compare `seq`. */
  changes: Change[];
  /** The newest seq now known (also `client.cursor`). */
  cursor: string | null;
  /** Set when the catch-up itself failed (network, SURVEY_REQUIRED…): `changes` is then empty and `from` is still the place to resume. */
  error: LixiaoError | null;
}

export type SummaryFormat = 'csv' | 'xlsx';

export interface SummaryExportRequest {
  cohort: number;
  format: SummaryFormat;
  /** A college code (university admins); a college admin always gets their own college. */
  college?: string | null;
}

/** A streamed summary list (汇总统计名单): read `body` once. */
export interface SummaryDownload {
  body: ReadableStream<Uint8Array>;
  /** The server's file name, e.g. 汇总统计名单-2020.csv. */
  filename: string;
  contentType: string;
  format: SummaryFormat;
}

type Variables<V> = {} extends V ? [variables?: V, options?: RequestOptions] : [variables: V, options?: RequestOptions];
type SubscribeVariables<V> = {} extends V ? [variables?: V] : [variables: V];

export interface LixiaoClient {
  /** Runs a query or mutation; throws LixiaoError on GraphQL errors (DomainError results are returned: see `unwrap`). */
  request<TResult, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...args: Variables<NoInfer<TVariables>>
  ): Promise<TResult>;
  /** Like request, with the raw response and no throwing on GraphQL errors (network failures still throw). */
  rawRequest<TResult, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...args: Variables<NoInfer<TVariables>>
  ): Promise<GraphQLResponse<TResult>>;
  /**
   * A subscription over graphql-ws (one socket, opened on first use). It survives
   * lost sockets (graphql-ws reconnects and resubscribes); events during the gap
   * are not replayed: see onReconnected.
   */
  subscribe<TResult, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...args: SubscribeVariables<NoInfer<TVariables>>
  ): AsyncIterableIterator<TResult>;
  /** Registers a reconnect listener (it gets what was missed while the socket was down); returns its remover. */
  onReconnected(listener: (missed: MissedChanges) => void): () => void;

  /** Logs in and keeps the session (also handed to onTokens). Throws LixiaoError (INVALID_CREDENTIALS, LOGIN_LOCKED, …). */
  login(username: string, password: string): Promise<Session>;
  /** Changes the password (the initial one at first login) and keeps the new session: every earlier token stops working. */
  changePassword(currentPassword: string, newPassword: string): Promise<Session>;
  /** Ends every session of the account and forgets the tokens. */
  logout(): Promise<void>;
  /** The logged-in student's sheet (clearance items, progress, deferral). */
  mySheet(options?: RequestOptions): Promise<MySheet>;
  reviewQueue(variables?: ReviewQueueQueryVariables, options?: RequestOptions): Promise<ReviewQueuePage>;
  /** Approves up to 1000 items (larger lists: call per chunk); per-item failures are in `outcomes`. */
  approve(items: ItemRefInput[], options?: RequestOptions): Promise<DecisionReport>;
  reject(items: ItemRefInput[], reason: string, options?: RequestOptions): Promise<DecisionReport>;
  cohortStats(variables: CohortStatsQueryVariables, options?: RequestOptions): Promise<CohortStats>;
  /** Department systems: one batch of results under an idempotency key. */
  sync(idempotencyKey: string, results: SyncResultInput[], options?: RequestOptions): Promise<SyncReport>;
  /**
   * Every change in the viewer's scope after `cursor` (default: the client's cursor; null: the
   * whole history), all pages, oldest first; advances the client's cursor.
   */
  changesSince(cursor?: string | null, options?: RequestOptions): Promise<{ changes: Change[]; cursor: string | null }>;
  /**
   * Streams the summary list (GET …/exports/summary.csv|xlsx next to the GraphQL endpoint) with the
   * bearer token. University admins: any college; college admins: their own.
   */
  exportSummary(request: SummaryExportRequest, options?: Pick<RequestOptions, 'signal' | 'headers'>): Promise<SummaryDownload>;

  /** The current session's tokens (after login or refresh), if the client holds one. */
  readonly session: Session | null;
  /** The newest change (ClearanceEvent seq) the client has seen; a reconnect catches up from here. */
  readonly cursor: string | null;
  setToken(token: string | null, refreshToken?: string | null): void;
  /** Closes the socket, if one is open. */
  dispose(): Promise<void>;
}

export type MySheet = Extract<NonNullable<MySheetQuery['viewer']>, { __typename: 'Student' }>;
export type ReviewQueuePage = ReviewQueueQuery['reviewQueue'];
export type DecisionReport = Extract<ApproveItemsMutation['approveItems'], { __typename: 'MutationApproveItemsSuccess' }>['data'];
export type CohortStats = CohortStatsQuery['cohortStats'];
export type SyncReport = Extract<SyncClearanceResultsMutation['syncClearanceResults'], { __typename: 'MutationSyncClearanceResultsSuccess' }>['data'];

const TOKEN_EXPIRED = 'TOKEN_EXPIRED';
/** The largest page changesSince serves. */
const CHANGES_PAGE = 500;
/**
 * graphql-ws acknowledges no subscription: after a reconnect the client waits this long
 * for the server to register the resubscriptions before asking what was missed, so a
 * change made meanwhile arrives live or in the catch-up (or both), never in neither.
 */
const RESUBSCRIBE_SETTLE_MS = 300;
const UPLOAD_CHUNK_BYTES = 64 * 1024;

/** The HTTP status each parsed response came with. */
const httpStatus = new WeakMap<object, number>();

function operationOf(document: DocumentNode): OperationDefinitionNode | undefined {
  return document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition');
}

function hashOf(document: DocumentNode): string | undefined {
  const meta = (document as { __meta__?: { hash?: unknown } }).__meta__;
  return typeof meta?.hash === 'string' ? meta.hash : undefined;
}

const textCache = new WeakMap<DocumentNode, string>();
function textOf(document: DocumentNode): string {
  let text = textCache.get(document);
  if (text === undefined) {
    text = print(document);
    textCache.set(document, text);
  }
  return text;
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

/** Replaces files in variables by null and returns their paths (GraphQL multipart request spec). */
function extractFiles(value: unknown, path: string, files: Map<Blob, string[]>): unknown {
  if (isBlob(value)) {
    const paths = files.get(value) ?? [];
    paths.push(path);
    files.set(value, paths);
    return null;
  }
  if (Array.isArray(value)) return value.map((entry, index) => extractFiles(entry, `${path}.${index}`, files));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, extractFiles(entry, `${path}.${key}`, files)]));
  }
  return value;
}

function defaultWsUrl(url: string): string {
  return url.replace(/^http(s?):/i, 'ws$1:');
}

/** The export lives next to the GraphQL endpoint (…/graphql → …/exports/summary.csv), behind a path prefix too. */
function exportUrl(graphqlUrl: string, { cohort, format, college }: SummaryExportRequest): string {
  const url = new URL(`exports/summary.${format}`, graphqlUrl.replace(/\/+$/, ''));
  url.searchParams.set('cohort', String(cohort));
  if (college) url.searchParams.set('college', college);
  return url.href;
}

/** The RFC 5987 `filename*` of a Content-Disposition, else its plain `filename`. */
function filenameOf(disposition: string | null, fallback: string): string {
  const encoded = disposition?.match(/filename\*=UTF-8''([^;]+)/i)?.[1];
  if (encoded) {
    try {
      return decodeURIComponent(encoded);
    } catch {
      // A malformed encoding: the plain name below is as good.
    }
  }
  return disposition?.match(/filename="([^"]+)"/i)?.[1] ?? fallback;
}

/**
 * The server takes a socket's language from the handshake's Accept-Language. Browsers send
 * their own; the ws package sends the headers of its third constructor argument, which
 * other implementations ignore.
 */
function withLanguage(WebSocketImpl: unknown, locale: Locale | undefined): unknown {
  if (!locale || typeof WebSocketImpl !== 'function') return WebSocketImpl;
  const Base = WebSocketImpl as new (...args: unknown[]) => object;
  return class extends Base {
    constructor(url: unknown, protocols?: unknown) {
      super(url, protocols, { headers: { 'accept-language': locale } });
    }
  };
}

function isNewer(seq: string, than: string | null): boolean {
  return than === null || BigInt(seq) > BigInt(than);
}

/** The seq of a subscription event whose root field carries one (ClearanceUpdate.seq). */
function seqOf(data: unknown): string | null {
  for (const value of Object.values((data ?? {}) as Record<string, unknown>)) {
    const seq = (value as { seq?: unknown } | null)?.seq;
    if (typeof seq === 'string' && /^\d+$/.test(seq)) return seq;
  }
  return null;
}

/** A multipart body as a stream with a known length, reporting how much of it was read. */
async function streamedForm(form: FormData, onProgress: (sent: number, total: number) => void) {
  const encoded = new Response(form);
  const contentType = encoded.headers.get('content-type')!;
  const bytes = new Uint8Array(await encoded.arrayBuffer());
  let sent = 0;
  onProgress(0, bytes.length);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes.length) return controller.close();
      const chunk = bytes.subarray(sent, sent + UPLOAD_CHUNK_BYTES);
      sent += chunk.length;
      controller.enqueue(chunk);
      onProgress(sent, bytes.length);
    },
  });
  return { body, contentType, length: bytes.length };
}

/** The failure's code: the first GraphQL error's, else a top-level DomainError result's. */
function failureCode(response: GraphQLResponse<unknown>): string | undefined {
  const code = response.errors?.[0]?.extensions?.code;
  if (code) return code;
  for (const value of Object.values((response.data ?? {}) as Record<string, unknown>)) {
    const result = value as Partial<DomainErrorResult> | null;
    if (result?.__typename === 'DomainError') return result.code;
  }
  return undefined;
}

export function createClient(options: ClientOptions): LixiaoClient {
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  let accessToken: string | null = options.token ?? null;
  let refreshToken: string | null = options.refreshToken ?? null;
  let session: Session | null = null;
  let refreshing: Promise<boolean> | null = null;
  let socket: SocketClient | null = null;
  let cursor: string | null = options.cursor ?? null;
  const reconnectListeners = new Set<(missed: MissedChanges) => void>();
  if (options.onReconnected) reconnectListeners.add(options.onReconnected);

  function advanceCursor(seq: string | null) {
    if (seq !== null && isNewer(seq, cursor)) cursor = seq;
  }

  async function currentToken(): Promise<string | null> {
    const supplied = options.getToken ? await options.getToken() : null;
    return supplied ?? accessToken;
  }

  async function keep(next: Session) {
    session = next;
    accessToken = next.accessToken;
    refreshToken = next.refreshToken;
    await options.onTokens?.(next);
  }

  /** One refresh at a time; resolves false when there is nothing to refresh with or it failed. */
  function refresh(): Promise<boolean> {
    if (!refreshToken) return Promise.resolve(false);
    refreshing ??= (async () => {
      try {
        const response = await send(RefreshSessionDocument, { refreshToken: refreshToken! }, {}, false);
        const result = response.data?.refreshSession;
        if (!result || result.__typename !== 'MutationRefreshSessionSuccess') return false;
        await keep(result.data);
        return true;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  async function httpHeaders(base: Record<string, string>, requestOptions: Pick<RequestOptions, 'headers'>, authenticated: boolean) {
    const headers: Record<string, string> = { ...base, ...options.headers, ...requestOptions.headers };
    if (options.locale) headers['accept-language'] = options.locale;
    const token = authenticated ? await currentToken() : null;
    if (token) headers.authorization = `Bearer ${token}`;
    return headers;
  }

  async function send<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables: TVariables | undefined,
    requestOptions: RequestOptions,
    authenticated = true,
  ): Promise<GraphQLResponse<TResult>> {
    const operation = operationOf(document);
    const hash = hashOf(document);
    const payload: Record<string, unknown> = { operationName: operation?.name?.value };
    if (options.persisted && hash) payload.documentId = hash;
    else payload.query = textOf(document);

    const headers = await httpHeaders(
      {
        accept: 'application/graphql-response+json, application/json;q=0.9',
        // yoga's CSRF prevention asks for it on multipart requests; harmless on JSON.
        'x-graphql-yoga-csrf': '1',
      },
      requestOptions,
      authenticated,
    );

    const files = new Map<Blob, string[]>();
    payload.variables = variables === undefined ? undefined : extractFiles(variables, 'variables', files);
    let body: string | FormData | ReadableStream<Uint8Array>;
    if (files.size > 0) {
      const form = new FormData();
      form.append('operations', JSON.stringify(payload));
      const map: Record<string, string[]> = {};
      const blobs = [...files.entries()];
      blobs.forEach(([, paths], index) => (map[String(index)] = paths));
      form.append('map', JSON.stringify(map));
      blobs.forEach(([blob], index) => form.append(String(index), blob, (blob as Partial<File>).name ?? `file${index}`));
      body = form;
      if (requestOptions.onUploadProgress) {
        const streamed = await streamedForm(form, requestOptions.onUploadProgress);
        headers['content-type'] = streamed.contentType;
        // The server refuses bodies of unknown length (411).
        headers['content-length'] = String(streamed.length);
        body = streamed.body;
      }
    } else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(payload);
    }

    let response: Response;
    try {
      const streaming = body instanceof ReadableStream ? { duplex: 'half' } : {};
      response = await fetchImpl(options.url, { method: 'POST', headers, body, signal: requestOptions.signal, ...streaming });
    } catch (error) {
      if ((error as { name?: string })?.name === 'AbortError') throw error;
      throw new LixiaoError('NETWORK_ERROR', `Cannot reach ${options.url}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
    const text = await response.text();
    let parsed: GraphQLResponse<TResult>;
    try {
      parsed = JSON.parse(text) as GraphQLResponse<TResult>;
    } catch {
      throw new LixiaoError(response.status >= 500 ? 'NETWORK_ERROR' : 'BAD_RESPONSE', `HTTP ${response.status}: ${text.slice(0, 200)}`, {
        status: response.status,
        response: text,
      });
    }
    if (!parsed || typeof parsed !== 'object' || (!('data' in parsed) && !('errors' in parsed))) {
      throw new LixiaoError('BAD_RESPONSE', `HTTP ${response.status}: not a GraphQL response`, { status: response.status, response: parsed });
    }
    httpStatus.set(parsed, response.status);
    return parsed;
  }

  async function rawRequest<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables?: TVariables,
    requestOptions: RequestOptions = {},
  ): Promise<GraphQLResponse<TResult>> {
    const response = await send(document, variables, requestOptions);
    if (failureCode(response) === TOKEN_EXPIRED && !options.getToken && (await refresh())) {
      return send(document, variables, requestOptions);
    }
    return response;
  }

  async function request<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables?: TVariables,
    requestOptions: RequestOptions = {},
  ): Promise<TResult> {
    const response = await rawRequest(document, variables, requestOptions);
    const first = response.errors?.[0];
    if (first) {
      throw new LixiaoError(first.extensions?.code ?? 'GRAPHQL_ERROR', first.message, {
        status: httpStatus.get(response),
        response,
        errors: response.errors,
      });
    }
    if (response.data == null) throw new LixiaoError('BAD_RESPONSE', 'The response has no data', { response });
    return response.data;
  }

  function socketClient(): SocketClient {
    if (socket) return socket;
    const WebSocketImpl = options.webSocketImpl ?? (globalThis as { WebSocket?: unknown }).WebSocket;
    if (!WebSocketImpl) throw new LixiaoError('NETWORK_ERROR', 'No WebSocket implementation: pass webSocketImpl (e.g. the ws package) in Node 20');
    socket = createSocketClient({
      url: options.wsUrl ?? defaultWsUrl(options.url),
      webSocketImpl: withLanguage(WebSocketImpl, options.locale),
      lazy: true,
      retryAttempts: options.retryAttempts ?? Number.MAX_SAFE_INTEGER,
      // Every lost socket is worth another try (non-CloseEvent problems too, e.g. a refused connection while the server restarts).
      shouldRetry: () => true,
      retryWait: async (retries) => {
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 250 * 2 ** retries) * (0.75 + Math.random() / 2)));
      },
      connectionParams: async () => {
        // A socket closed because its token expired (4403) comes back with a fresh one.
        if (session && refreshToken && !options.getToken && Date.parse(session.accessTokenExpiresAt) <= Date.now() + 5_000) await refresh();
        const token = await currentToken();
        return token ? { authorization: `Bearer ${token}` } : {};
      },
      on: {
        // wasRetry: this connection replaces a lost one (not a fresh lazy open after an idle close).
        connected: (_socket, _payload, wasRetry) => {
          // Taken now, before the resubscribed operations deliver newer events.
          if (wasRetry) void catchUp(cursor);
        },
      },
    });
    return socket;
  }

  async function changesSince(from: string | null, requestOptions: RequestOptions = {}) {
    const changes: Change[] = [];
    let next = from;
    for (;;) {
      const { changesSince: page } = await request(ChangesSinceDocument, { cursor: next, first: CHANGES_PAGE }, requestOptions);
      changes.push(...page.changes);
      next = page.cursor;
      if (!page.hasMore) break;
    }
    advanceCursor(next);
    return { changes, cursor: cursor ?? next };
  }

  async function catchUp(from: string | null) {
    if (reconnectListeners.size === 0) return;
    await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_SETTLE_MS));
    let missed: MissedChanges;
    try {
      missed = { from, ...(await changesSince(from)), error: null };
    } catch (error) {
      missed = { from, changes: [], cursor, error: toLixiaoError(error) };
    }
    for (const listener of reconnectListeners) listener(missed);
  }

  async function exportSummary(exportRequest: SummaryExportRequest, requestOptions: Pick<RequestOptions, 'signal' | 'headers'> = {}): Promise<SummaryDownload> {
    const url = exportUrl(options.url, exportRequest);
    const download = async () => {
      const headers = await httpHeaders({}, requestOptions, true);
      try {
        return await fetchImpl(url, { method: 'GET', headers, signal: requestOptions.signal });
      } catch (error) {
        if ((error as { name?: string })?.name === 'AbortError') throw error;
        throw new LixiaoError('NETWORK_ERROR', `Cannot reach ${url}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
    };
    let response = await download();
    let failure = response.ok ? null : await exportFailure(response);
    if (failure?.code === TOKEN_EXPIRED && !options.getToken && (await refresh())) {
      response = await download();
      failure = response.ok ? null : await exportFailure(response);
    }
    if (failure) throw failure;
    if (!response.body) throw new LixiaoError('BAD_RESPONSE', `HTTP ${response.status}: no body`, { status: response.status });
    return {
      body: response.body,
      filename: filenameOf(response.headers.get('content-disposition'), `summary-${exportRequest.cohort}.${exportRequest.format}`),
      contentType: response.headers.get('content-type') ?? '',
      format: exportRequest.format,
    };
  }

  function subscribe<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables?: TVariables): AsyncIterableIterator<TResult> {
    const hash = hashOf(document);
    const payload = {
      query: textOf(document),
      operationName: operationOf(document)?.name?.value ?? null,
      variables: (variables ?? {}) as Record<string, unknown>,
      // A server with trusted documents runs the manifest's text for this hash.
      ...(hash ? { extensions: { persistedQuery: { version: 1, sha256Hash: hash.replace(/^sha256:/, '') } } } : {}),
    };
    const results = socketClient().iterate<TResult>(payload);
    const iterator: AsyncIterableIterator<TResult> = {
      async next() {
        let step: IteratorResult<{ data?: TResult | null; errors?: readonly GraphQLErrorShape[] }>;
        try {
          step = (await results.next()) as typeof step;
        } catch (error) {
          throw toLixiaoError(error);
        }
        if (step.done) return { done: true, value: undefined };
        const { data, errors } = step.value;
        if (errors?.length) {
          await results.return?.();
          throw new LixiaoError(errors[0]!.extensions?.code ?? 'GRAPHQL_ERROR', errors[0]!.message, { response: step.value, errors });
        }
        advanceCursor(seqOf(data));
        return { done: false, value: data as TResult };
      },
      async return() {
        await results.return?.();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  const call = <TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables, requestOptions?: RequestOptions) =>
    request(document, variables, requestOptions);

  return {
    request: request as LixiaoClient['request'],
    rawRequest: rawRequest as LixiaoClient['rawRequest'],
    subscribe: subscribe as LixiaoClient['subscribe'],
    onReconnected(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
    async login(username, password) {
      const response = await send(LoginDocument, { username, password }, {}, false);
      if (response.errors?.length) {
        const first = response.errors[0]!;
        throw new LixiaoError(first.extensions?.code ?? 'GRAPHQL_ERROR', first.message, { response, errors: response.errors });
      }
      const next = unwrap(response.data!.login, response);
      await keep(next);
      return next;
    },
    async changePassword(currentPassword, newPassword) {
      const response = await call(ChangePasswordDocument, { currentPassword, newPassword });
      const next = unwrap(response.changePassword, response);
      await keep(next);
      return next;
    },
    async logout() {
      await call(LogoutDocument, {});
      session = null;
      accessToken = null;
      refreshToken = null;
    },
    async mySheet(requestOptions) {
      const { viewer } = await call(MySheetDocument, {}, requestOptions);
      if (!viewer) throw new LixiaoError('UNAUTHENTICATED', 'Please log in first. / 请先登录。');
      if (viewer.__typename !== 'Student') throw new LixiaoError('FORBIDDEN', 'Only students have a clearance sheet. / 只有学生有离校单。');
      // The sheet reflects every change up to its newest history entry: catch up from there.
      for (const item of viewer.clearanceItems ?? []) for (const event of item.history) advanceCursor(event.seq);
      return viewer;
    },
    async reviewQueue(variables = {}, requestOptions) {
      return (await call(ReviewQueueDocument, variables, requestOptions)).reviewQueue;
    },
    async approve(items, requestOptions) {
      const response = await call(ApproveItemsDocument, { items }, requestOptions);
      return unwrap(response.approveItems, response);
    },
    async reject(items, reason, requestOptions) {
      const response = await call(RejectItemsDocument, { items, reason }, requestOptions);
      return unwrap(response.rejectItems, response);
    },
    async cohortStats(variables, requestOptions) {
      return (await call(CohortStatsDocument, variables, requestOptions)).cohortStats;
    },
    async sync(idempotencyKey, results, requestOptions) {
      const response = await call(SyncClearanceResultsDocument, { idempotencyKey, results }, requestOptions);
      return unwrap(response.syncClearanceResults, response);
    },
    changesSince: (from = cursor, requestOptions) => changesSince(from, requestOptions),
    exportSummary,
    get session() {
      return session;
    },
    get cursor() {
      return cursor;
    },
    setToken(token, nextRefreshToken) {
      accessToken = token;
      if (nextRefreshToken !== undefined) refreshToken = nextRefreshToken;
    },
    async dispose() {
      const current = socket;
      socket = null;
      await current?.dispose();
    },
  };
}

/** The export answers failures as a GraphQL-shaped JSON body (`errors[0].extensions.code`). */
async function exportFailure(response: Response): Promise<LixiaoError> {
  const text = await response.text();
  let parsed: GraphQLResponse<unknown> | null = null;
  try {
    parsed = JSON.parse(text) as GraphQLResponse<unknown>;
  } catch {
    // Not JSON (a proxy's error page): reported by status below.
  }
  const first = parsed?.errors?.[0];
  if (first) return new LixiaoError(first.extensions?.code ?? 'GRAPHQL_ERROR', first.message, { status: response.status, response: parsed, errors: parsed!.errors });
  return new LixiaoError(response.status >= 500 ? 'NETWORK_ERROR' : 'BAD_RESPONSE', `HTTP ${response.status}: ${text.slice(0, 200)}`, { status: response.status, response: text });
}

function toLixiaoError(error: unknown): LixiaoError {
  if (error instanceof LixiaoError) return error;
  if (Array.isArray(error)) {
    const first = error[0] as GraphQLErrorShape | undefined;
    return new LixiaoError(first?.extensions?.code ?? 'GRAPHQL_ERROR', first?.message ?? 'Subscription failed', { errors: error as GraphQLErrorShape[], response: error });
  }
  const close = error as { code?: unknown; reason?: unknown };
  if (typeof close?.code === 'number') {
    return new LixiaoError('SUBSCRIPTION_CLOSED', `Socket closed: ${close.code} ${String(close.reason ?? '')}`.trim(), { response: error });
  }
  return new LixiaoError('NETWORK_ERROR', (error as Error)?.message ?? String(error), { cause: error });
}

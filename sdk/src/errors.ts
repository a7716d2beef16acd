import type { ErrorCode } from './generated/text/graphql.js';

export type { ErrorCode };

/** Codes the client gives itself: the request never got a GraphQL answer. */
export type ClientErrorCode = 'NETWORK_ERROR' | 'BAD_RESPONSE' | 'SUBSCRIPTION_CLOSED' | 'ABORTED' | 'TIMEOUT';

/** Codes of GraphQL itself and of the server's transport, outside the schema's ErrorCode. */
export type ProtocolErrorCode =
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'BAD_USER_INPUT'
  | 'BAD_REQUEST'
  | 'PERSISTED_QUERY_ONLY'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'INTERNAL_SERVER_ERROR'
  /** A GraphQL error without `extensions.code`. */
  | 'GRAPHQL_ERROR';

/** Every `LixiaoError.code`: the schema's ErrorCode (both messages documented in schema.graphql), GraphQL's and the client's. */
export type LixiaoErrorCode = ErrorCode | ProtocolErrorCode | ClientErrorCode;

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

export interface LixiaoErrorOptions {
  status?: number | undefined;
  response?: unknown;
  errors?: readonly GraphQLErrorShape[] | undefined;
  field?: string | null | undefined;
  retryAfterSeconds?: number | null | undefined;
  cause?: unknown;
}

/**
 * Every failure the client reports: `code` from the error's `extensions.code`,
 * a DomainError result's `code`, or one of ClientErrorCode; `message` as the
 * server worded it (in the client's locale); `response` the raw answer, if any.
 */
export class LixiaoError extends Error {
  override readonly name = 'LixiaoError';
  readonly code: LixiaoErrorCode;
  /** HTTP status, when the error came from an HTTP answer. */
  readonly status: number | undefined;
  readonly response: unknown;
  /** All GraphQL errors of the response (the first gives code and message). */
  readonly errors: readonly GraphQLErrorShape[];
  /** DomainError.field (INVALID_INPUT). */
  readonly field: string | null;
  /** DomainError.retryAfterSeconds (LOGIN_LOCKED), or the HTTP Retry-After of a 503. */
  readonly retryAfterSeconds: number | null;

  constructor(code: LixiaoErrorCode, message: string, options: LixiaoErrorOptions = {}) {
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
      this.code === 'TIMEOUT' ||
      this.code === 'SERVICE_UNAVAILABLE' ||
      this.code === 'INTERNAL_SERVER_ERROR' ||
      (this.status !== undefined && this.status >= 500)
    );
  }
}

/** The code of a server's error as the client types it (servers may add codes this SDK version does not know). */
export function codeOf(error: GraphQLErrorShape | undefined): LixiaoErrorCode {
  return (error?.extensions?.code ?? 'GRAPHQL_ERROR') as LixiaoErrorCode;
}

export function fromGraphQLErrors(errors: readonly GraphQLErrorShape[], response: unknown, status?: number): LixiaoError {
  const first = errors[0];
  return new LixiaoError(codeOf(first), first?.message ?? 'GraphQL error', { status, response, errors });
}

/** A union result of the schema's mutations: the DomainError branch or the success with `data`. */
export type DomainErrorResult = { __typename: 'DomainError'; code: string; message: string; field?: string | null; retryAfterSeconds?: number | null };
type SuccessOf<R> = Exclude<R, { __typename: 'DomainError' }>;

/**
 * The `data` of a `… | DomainError` mutation result, or a LixiaoError with the
 * DomainError's code and message.
 */
export function unwrap<R extends { __typename: string }>(result: R, response?: unknown): SuccessOf<R> extends { data: infer D } ? D : never {
  if (result.__typename === 'DomainError') {
    const failure = result as unknown as DomainErrorResult;
    throw new LixiaoError(failure.code as ErrorCode, failure.message, { response, field: failure.field, retryAfterSeconds: failure.retryAfterSeconds });
  }
  return (result as unknown as { data: never }).data;
}

/** The AbortSignal's own reason when it is a LixiaoError (a timeout), else ABORTED. */
export function abortError(signal: AbortSignal | undefined, cause?: unknown): LixiaoError {
  const reason: unknown = signal?.reason;
  if (reason instanceof LixiaoError) return reason;
  if ((reason as { name?: unknown } | undefined)?.name === 'TimeoutError')
    return new LixiaoError('TIMEOUT', 'The request timed out. / 请求超时。', { cause: reason });
  return new LixiaoError('ABORTED', 'The request was aborted. / 请求已取消。', { cause: cause ?? reason });
}

/**
 * A fetch that failed before any answer. A browser hides why; when the page's origin differs from the
 * server's, the likeliest cause is that the server does not list the page's origin in CORS_ORIGINS.
 */
export function networkError(url: string, error: unknown, signal?: AbortSignal): LixiaoError {
  if (signal?.aborted || (error as { name?: unknown } | null)?.name === 'AbortError') return abortError(signal, error);
  const why = (error as Error | null)?.message ?? String(error);
  const pageOrigin = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  let hint = '';
  if (typeof pageOrigin === 'string' && pageOrigin !== 'null' && typeof document !== 'undefined') {
    let target: string | null = null;
    try {
      target = new URL(url, pageOrigin).origin;
    } catch {
      // Not a URL at all: fetch's own message says so.
    }
    if (target !== null && target !== pageOrigin) {
      hint =
        ` — a cross-origin request from ${pageOrigin}: if the server is up, it probably does not allow this origin; set CORS_ORIGINS=${pageOrigin} on the server.` +
        ` / 跨域请求：若服务器正常运行，多半是未允许此来源，请在服务器上设置 CORS_ORIGINS=${pageOrigin}。`;
    }
  }
  return new LixiaoError('NETWORK_ERROR', `Cannot reach ${url}: ${why}${hint}`, { cause: error });
}

export function toLixiaoError(error: unknown): LixiaoError {
  if (error instanceof LixiaoError) return error;
  if (Array.isArray(error)) return fromGraphQLErrors(error as GraphQLErrorShape[], error);
  const close = error as { code?: unknown; reason?: unknown };
  if (typeof close?.code === 'number') {
    return new LixiaoError('SUBSCRIPTION_CLOSED', `Socket closed: ${close.code} ${String(close.reason ?? '')}`.trim(), { response: error });
  }
  return new LixiaoError('NETWORK_ERROR', (error as Error)?.message ?? String(error), { cause: error });
}

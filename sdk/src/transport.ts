/** GraphQL over HTTP: documents as text (or persisted ids), files as multipart, retries, refresh on TOKEN_EXPIRED. */
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import { abortError, fromGraphQLErrors, LixiaoError, networkError, type DomainErrorResult, type GraphQLResponse } from './errors.js';
import type { SessionState } from './session.js';

/** A generated document (syntax tree or text, both carry their types and sha256 hash) or any DocumentNode. */
export type Document<TResult, TVariables> = DocumentTypeDecoration<TResult, TVariables>;

export type Locale = 'zh-CN' | 'en';
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface RetryOptions {
  /** Retries after the first attempt (default 3). */
  attempts?: number;
  /** The first wait; doubled for each retry, with jitter (default 300 ms). */
  baseDelayMs?: number;
  /** The longest wait, Retry-After included (default 10 s). */
  maxDelayMs?: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Fails with TIMEOUT after this long (each attempt). */
  timeoutMs?: number;
  headers?: Record<string, string>;
  /**
   * Retry on NETWORK_ERROR / SERVICE_UNAVAILABLE. Default: queries and idempotent mutations
   * (`syncClearanceResults`, which carries an idempotency key); `true` for a mutation you know is safe to repeat.
   */
  retry?: boolean;
  /**
   * Upload progress of a request with files (bytes handed to the network so far, total).
   * Node only: it streams the multipart body with its Content-Length, which browsers do not allow.
   */
  onUploadProgress?: (sent: number, total: number) => void;
}

export interface TransportOptions {
  url: string;
  fetch?: FetchLike;
  locale?: Locale;
  persisted?: boolean;
  headers?: Record<string, string>;
  retry?: RetryOptions | false;
}

/** Mutations whose repetition changes nothing: they are retried like queries. */
const IDEMPOTENT_MUTATIONS = new Set(['SyncClearanceResults']);
const RETRIED_CODES = new Set(['NETWORK_ERROR', 'SERVICE_UNAVAILABLE']);
const UPLOAD_CHUNK_BYTES = 64 * 1024;

/** The HTTP status and Retry-After each parsed response came with. */
const httpMeta = new WeakMap<object, { status: number; retryAfterMs: number | null }>();

interface OperationInfo {
  text: string;
  name: string | undefined;
  type: 'query' | 'mutation' | 'subscription';
  hash: string | undefined;
}

const infoCache = new WeakMap<object, OperationInfo | Promise<OperationInfo>>();

/**
 * Text, name, type and hash of a document: read from a text document (the SDK's own), or printed once
 * from a syntax tree. The printer loads only then, so a browser bundle of the client does not carry it.
 */
export function operationInfo<TResult, TVariables>(document: Document<TResult, TVariables>): OperationInfo | Promise<OperationInfo> {
  const cached = infoCache.get(document);
  if (cached) return cached;
  const meta = (document as { __meta__?: { hash?: unknown } }).__meta__;
  const hash = typeof meta?.hash === 'string' ? meta.hash : undefined;
  let info: OperationInfo | Promise<OperationInfo>;
  if (typeof document === 'string' || document instanceof String) {
    const text = document.toString();
    const head = /\b(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(text);
    info = { text, name: head?.[2], type: (head?.[1] as OperationInfo['type'] | undefined) ?? 'query', hash };
  } else {
    const node = document as DocumentNode;
    const operation = node.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition');
    const described: Omit<OperationInfo, 'text'> = { name: operation?.name?.value, type: operation?.operation ?? 'query', hash };
    info = import('./printer.js').then(({ print }) => ({ ...described, text: print(node) }));
  }
  infoCache.set(document, info);
  return info;
}

/** The failure's code: the first GraphQL error's, else a top-level DomainError result's. */
export function failureCode(response: GraphQLResponse<unknown>): string | undefined {
  const code = response.errors?.[0]?.extensions?.code;
  if (code) return code;
  for (const value of Object.values((response.data ?? {}) as Record<string, unknown>)) {
    const result = value as Partial<DomainErrorResult> | null;
    if (result?.__typename === 'DomainError') return result.code;
  }
  return undefined;
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
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

/** The caller's signal combined with the request's timeout. */
export function requestSignal(requestOptions: Pick<RequestOptions, 'signal' | 'timeoutMs'>): AbortSignal | undefined {
  const { signal, timeoutMs } = requestOptions;
  if (timeoutMs === undefined) return signal;
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

export function createTransport(options: TransportOptions, tokens: SessionState) {
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const retry = options.retry === false ? null : { attempts: 3, baseDelayMs: 300, maxDelayMs: 10_000, ...options.retry };

  async function headers(base: Record<string, string>, requestOptions: Pick<RequestOptions, 'headers'>, authenticated: boolean) {
    const result: Record<string, string> = { ...base, ...options.headers, ...requestOptions.headers };
    if (options.locale) result['accept-language'] = options.locale;
    const token = authenticated ? await tokens.currentToken() : null;
    if (token) result.authorization = `Bearer ${token}`;
    return result;
  }

  /** One fetch of `url`; failures before an answer become NETWORK_ERROR, ABORTED or TIMEOUT. */
  async function fetchOnce(url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
    try {
      return await fetchImpl(url, { ...init, signal: signal ?? null });
    } catch (error) {
      throw networkError(url, error, signal);
    }
  }

  async function send<TResult, TVariables>(
    document: Document<TResult, TVariables>,
    variables: TVariables | undefined,
    requestOptions: RequestOptions,
    authenticated = true,
  ): Promise<GraphQLResponse<TResult>> {
    const operation = await operationInfo(document);
    const payload: Record<string, unknown> = { operationName: operation.name };
    if (options.persisted && operation.hash) payload.documentId = operation.hash;
    else payload.query = operation.text;

    const requestHeaders = await headers(
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
        requestHeaders['content-type'] = streamed.contentType;
        // The server refuses bodies of unknown length (411).
        requestHeaders['content-length'] = String(streamed.length);
        body = streamed.body;
      }
    } else {
      requestHeaders['content-type'] = 'application/json';
      body = JSON.stringify(payload);
    }

    const signal = requestSignal(requestOptions);
    const streaming = body instanceof ReadableStream ? { duplex: 'half' } : {};
    const response = await fetchOnce(options.url, { method: 'POST', headers: requestHeaders, body, ...streaming }, signal);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw networkError(options.url, error, signal);
    }
    const retryAfter = retryAfterMs(response.headers.get('retry-after'));
    let parsed: GraphQLResponse<TResult>;
    try {
      parsed = JSON.parse(text) as GraphQLResponse<TResult>;
    } catch {
      throw new LixiaoError(response.status >= 500 ? 'NETWORK_ERROR' : 'BAD_RESPONSE', `HTTP ${response.status}: ${text.slice(0, 200)}`, {
        status: response.status,
        response: text,
        retryAfterSeconds: retryAfter === null ? null : retryAfter / 1000,
      });
    }
    if (!parsed || typeof parsed !== 'object' || (!('data' in parsed) && !('errors' in parsed))) {
      throw new LixiaoError('BAD_RESPONSE', `HTTP ${response.status}: not a GraphQL response`, { status: response.status, response: parsed });
    }
    httpMeta.set(parsed, { status: response.status, retryAfterMs: retryAfter });
    return parsed;
  }

  /** send, again after a backoff while the network or the database is away (idempotent operations only). */
  async function sendRetrying<TResult, TVariables>(
    document: Document<TResult, TVariables>,
    variables: TVariables | undefined,
    requestOptions: RequestOptions,
    authenticated = true,
  ) {
    const operation = await operationInfo(document);
    const retried = requestOptions.retry ?? (operation.type === 'query' || (operation.name !== undefined && IDEMPOTENT_MUTATIONS.has(operation.name)));
    const attempts = retry && retried ? retry.attempts : 0;
    for (let attempt = 0; ; attempt++) {
      let waitHint: number | null = null;
      try {
        const response = await send(document, variables, requestOptions, authenticated);
        if (attempt >= attempts || !RETRIED_CODES.has(failureCode(response) ?? '')) return response;
        waitHint = httpMeta.get(response)?.retryAfterMs ?? null;
      } catch (error) {
        if (attempt >= attempts || !(error instanceof LixiaoError) || !RETRIED_CODES.has(error.code)) throw error;
        waitHint = error.retryAfterSeconds === null ? null : error.retryAfterSeconds * 1000;
      }
      const backoff = retry!.baseDelayMs * 2 ** attempt;
      // Half fixed, half random: clients that failed together do not come back together.
      const delay = Math.min(retry!.maxDelayMs, waitHint ?? backoff / 2 + (Math.random() * backoff) / 2);
      await sleep(delay, requestSignal(requestOptions));
    }
  }

  async function rawRequest<TResult, TVariables>(
    document: Document<TResult, TVariables>,
    variables?: TVariables,
    requestOptions: RequestOptions = {},
  ): Promise<GraphQLResponse<TResult>> {
    const response = await sendRetrying(document, variables, requestOptions);
    if (failureCode(response) === 'TOKEN_EXPIRED' && tokens.refreshes && (await tokens.refresh())) {
      return sendRetrying(document, variables, requestOptions);
    }
    return response;
  }

  async function request<TResult, TVariables>(
    document: Document<TResult, TVariables>,
    variables?: TVariables,
    requestOptions: RequestOptions = {},
  ): Promise<TResult> {
    const response = await rawRequest(document, variables, requestOptions);
    if (response.errors?.length) throw fromGraphQLErrors(response.errors, response, httpMeta.get(response)?.status);
    if (response.data == null) throw new LixiaoError('BAD_RESPONSE', 'The response has no data', { response });
    return response.data;
  }

  /** An operation without the stored token (login, refresh); GraphQL errors thrown, DomainErrors returned. */
  async function anonymous<TResult, TVariables>(document: Document<TResult, TVariables>, variables: TVariables): Promise<TResult> {
    const response = await sendRetrying(document, variables, { retry: false }, false);
    if (response.errors?.length) throw fromGraphQLErrors(response.errors, response, httpMeta.get(response)?.status);
    if (response.data == null) throw new LixiaoError('BAD_RESPONSE', 'The response has no data', { response });
    return response.data;
  }

  return { headers, fetchOnce, rawRequest, request, anonymous };
}

export type Transport = ReturnType<typeof createTransport>;

/** Subscriptions over one graphql-ws socket, the change cursor, and the catch-up after a reconnect. */
import { createClient as createSocketClient, type Client as SocketClient } from 'graphql-ws/client';
import { LixiaoError, toLixiaoError } from './errors.js';
import { ChangesSinceDocument, LiveWatermarkDocument, type ChangesSinceQuery } from './generated/text/graphql.js';
import type { SessionState } from './session.js';
import { isNewer, openSubscription, type Resumable, type Subscription } from './subscription.js';
import { operationInfo, type Document, type Locale, type RequestOptions, type Transport } from './transport.js';

export type { Subscription } from './subscription.js';

export type Change = ChangesSinceQuery['changesSince']['changes'][number];

/** What happened in the viewer's scope while the socket was down. */
export interface MissedChanges {
  /** The cursor the catch-up started from: the last seq seen before the loss, or the server's watermark when the socket opened with nothing seen (null only if that read failed). */
  from: string | null;
  /** Every change after `from`, oldest first. One that also arrives live right after the reconnect is in both: compare `seq`. */
  changes: Change[];
  /** The newest seq now known (also `client.cursor`). */
  cursor: string | null;
  /** Set when the catch-up itself failed (network, SURVEY_REQUIRED…): `changes` is then empty and `from` is still the place to resume. */
  error: LixiaoError | null;
}

export interface SubscribeOptions {
  /** Aborting ends the subscription: the iterator finishes (done) and the server stops sending. */
  signal?: AbortSignal;
  /**
   * For documents that take `$since` (the item subscriptions): a ClearanceEvent seq; the server first
   * replays every change after it in the subscription's scope, then goes on live, no gap, no duplicate.
   * Omitted: the client reads the server's watermark first, so the subscription starts from the call.
   */
  since?: string;
}

export interface LiveOptions {
  url: string;
  wsUrl?: string;
  webSocketImpl?: unknown;
  locale?: Locale;
  retryAttempts?: number;
  cursor?: string | null;
  onReconnected?: (missed: MissedChanges) => void;
}

/** The largest page changesSince serves. */
const CHANGES_PAGE = 500;
/**
 * graphql-ws acknowledges no subscription. Resubscriptions that take `$since` replay what they
 * missed, whenever the server registers them; only when some running subscription cannot (its
 * document has no `$since`) the catch-up after a reconnect waits this long for the server to
 * register it, so a change made meanwhile arrives live or in the catch-up, never in neither.
 */
const RESUBSCRIBE_SETTLE_MS = 300;
/** A document that declares the `$since` variable. */
const TAKES_SINCE = /\$since\s*:/;
/** graphql-ws: the server refused the credentials of connection_init (expired, revoked, invalid). */
const FORBIDDEN = 4403;
const CREDENTIALS_GONE = 'credentials refused and not renewable';

function defaultWsUrl(url: string): string {
  return url.replace(/^http(s?):/i, 'ws$1:');
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

/** A socket closed for its credentials says so, with what to do; other closes keep their code. */
function subscriptionError(error: unknown): LixiaoError {
  const close = error as { code?: unknown; reason?: unknown } | null;
  if (close?.code === FORBIDDEN || close?.reason === CREDENTIALS_GONE || (error as Error | null)?.message === CREDENTIALS_GONE) {
    return new LixiaoError(
      'UNAUTHENTICATED',
      'The server closed the live connection: the login expired or was revoked (4403). Log in again. / 实时连接被服务器关闭：登录已过期或已被注销（4403），请重新登录。',
      {
        response: error,
      },
    );
  }
  return toLixiaoError(error);
}

export function createLive(options: LiveOptions, tokens: SessionState, transport: Transport) {
  let socket: SocketClient | null = null;
  let cursor: string | null = options.cursor ?? null;
  let forbiddenInRow = 0;
  /** With no cursor, the first connection reads the server's watermark, so a catch-up never replays the whole history. */
  let watermarkRead: Promise<void> | null = null;
  const reconnectListeners = new Set<(missed: MissedChanges) => void>();
  const running = new Set<Resumable>();
  if (options.onReconnected) reconnectListeners.add(options.onReconnected);

  function advanceCursor(seq: string | null) {
    if (seq !== null && isNewer(seq, cursor)) cursor = seq;
  }

  function socketClient(): SocketClient {
    if (socket) return socket;
    const WebSocketImpl = options.webSocketImpl ?? (globalThis as { WebSocket?: unknown }).WebSocket;
    if (!WebSocketImpl)
      throw new LixiaoError('NETWORK_ERROR', 'No WebSocket implementation: on Node 20 install the ws package (npm install ws) and pass it as webSocketImpl');
    socket = createSocketClient({
      url: options.wsUrl ?? defaultWsUrl(options.url),
      webSocketImpl: withLanguage(WebSocketImpl, options.locale),
      lazy: true,
      retryAttempts: options.retryAttempts ?? Number.MAX_SAFE_INTEGER,
      // A lost socket is worth another try (a refused connection while the server restarts too); refused
      // credentials only once, and only when new ones can come (a refresh, the caller's getToken).
      shouldRetry: (event) => {
        if ((event as Error | null)?.message === CREDENTIALS_GONE) return false;
        return (event as { code?: unknown } | null)?.code !== FORBIDDEN || (forbiddenInRow <= 1 && tokens.mayRenewCredentials);
      },
      retryWait: async (retries) => {
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 250 * 2 ** retries) * (0.75 + Math.random() / 2)));
      },
      connectionParams: async () => {
        // A socket closed because its token expired (4403) comes back with a fresh one.
        const refused = forbiddenInRow > 0;
        if (tokens.refreshes && (refused || tokens.expiresWithin(5_000)) && !(await tokens.refresh()) && refused) throw new Error(CREDENTIALS_GONE);
        const token = await tokens.currentToken();
        return token ? { authorization: `Bearer ${token}` } : {};
      },
      on: {
        closed: (event) => {
          if ((event as { code?: unknown })?.code === FORBIDDEN) forbiddenInRow++;
        },
        // wasRetry: this connection replaces a lost one (not a fresh lazy open after an idle close).
        connected: (_socket, _payload, wasRetry) => {
          forbiddenInRow = 0;
          if (!wasRetry) {
            if (cursor === null && !watermarkRead) watermarkRead = readWatermark();
            return;
          }
          // Before graphql-ws sends the resubscriptions, which it does once this returns.
          for (const subscription of running) subscription.resumeFromLastSeq();
          // Taken now, before the resubscribed operations deliver newer events.
          const from = cursor;
          if (from === null && watermarkRead) void watermarkRead.then(() => catchUp(cursor));
          else void catchUp(from);
        },
      },
    });
    return socket;
  }

  async function changesSince(from: string | null, requestOptions: RequestOptions = {}) {
    const changes: Change[] = [];
    for await (const page of changePages(from, requestOptions)) changes.push(...page);
    return { changes, cursor };
  }

  /** Pages of changes after `from`, oldest first; the cursor advances with each page. */
  async function* changePages(from: string | null, requestOptions: RequestOptions = {}): AsyncGenerator<Change[], void, undefined> {
    let next = from;
    for (;;) {
      const { changesSince: page } = await transport.request(ChangesSinceDocument, { cursor: next, first: CHANGES_PAGE }, requestOptions);
      next = page.cursor;
      advanceCursor(next);
      if (page.changes.length > 0) yield page.changes;
      if (!page.hasMore) return;
    }
  }

  async function readWatermark() {
    try {
      advanceCursor((await transport.request(LiveWatermarkDocument, {})).liveWatermark);
    } catch {
      // Not signed in or offline: the catch-up then starts from whatever cursor the client has by then.
    }
  }

  async function catchUp(from: string | null) {
    if (reconnectListeners.size === 0) return;
    if ([...running].some((subscription) => !subscription.resumesFromSeq)) await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_SETTLE_MS));
    let missed: MissedChanges;
    try {
      missed = { from, ...(await changesSince(from)), error: null };
    } catch (error) {
      missed = { from, changes: [], cursor, error: toLixiaoError(error) };
    }
    for (const listener of reconnectListeners) listener(missed);
  }

  function subscribe<TResult, TVariables>(
    document: Document<TResult, TVariables>,
    variables?: TVariables,
    subscribeOptions: SubscribeOptions = {},
  ): Subscription<TResult> {
    const { signal } = subscribeOptions;
    let results: (Subscription<TResult> & Resumable) | null = null;
    let ended = signal?.aborted ?? false;
    const end = async (): Promise<IteratorReturnResult<undefined>> => {
      ended = true;
      signal?.removeEventListener('abort', onAbort);
      await results?.return();
      return { done: true, value: undefined };
    };
    const onAbort = () => void end();
    signal?.addEventListener('abort', onAbort, { once: true });
    // Subscribes now (not at the first next()), as soon as the document's text (and the seq to start from) is known.
    const started = (async () => {
      const operation = await operationInfo(document);
      const resumesFromSeq = TAKES_SINCE.test(operation.text);
      const given = { ...(variables ?? {}) } as Record<string, unknown>;
      const since = subscribeOptions.since ?? (given.since as string | undefined) ?? (resumesFromSeq ? await watermark() : undefined);
      if (since !== undefined && since !== null) given.since = since;
      if (ended) return;
      results = openSubscription<TResult>(
        socketClient(),
        {
          query: operation.text,
          operationName: operation.name ?? null,
          variables: given,
          // A server with trusted documents runs the manifest's text for this hash.
          ...(operation.hash ? { extensions: { persistedQuery: { version: 1, sha256Hash: operation.hash.replace(/^sha256:/, '') } } } : {}),
        },
        resumesFromSeq,
        { onSeq: advanceCursor, socketError: subscriptionError, onEnd: () => running.delete(results!) },
      );
      running.add(results);
    })();
    // A failure to start (no WebSocket implementation) surfaces at the first next().
    started.catch(() => undefined);
    const iterator: Subscription<TResult> = {
      async next() {
        await started;
        if (ended || !results) return { done: true, value: undefined };
        const step = await results.next();
        if (step.done || ended) return end();
        return step;
      },
      return: end,
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /** The server's watermark now, or undefined when it cannot be read (the subscription then starts live only). */
  async function watermark(): Promise<string | undefined> {
    try {
      return (await transport.request(LiveWatermarkDocument, {})).liveWatermark;
    } catch {
      return undefined;
    }
  }

  return {
    subscribe,
    changesSince,
    changePages,
    advanceCursor,
    get cursor() {
      return cursor;
    },
    onReconnected(listener: (missed: MissedChanges) => void) {
      reconnectListeners.add(listener);
      return () => void reconnectListeners.delete(listener);
    },
    async dispose() {
      const current = socket;
      socket = null;
      await current?.dispose();
    },
  };
}

/** createClient: the transport, the session, the live socket and the exports behind one object, plus the conveniences. */
import { LixiaoError, unwrap, type GraphQLResponse } from './errors.js';
import { createExports, type SummaryDownload, type SummaryExportRequest } from './exports.js';
import {
  ApproveItemsDocument,
  ChangePasswordDocument,
  CohortStatsDocument,
  CompleteSsoSignInDocument,
  LoginDocument,
  LogoutDocument,
  MySheetDocument,
  RefreshSessionDocument,
  RejectItemsDocument,
  ReviewQueueDocument,
  SignInProvidersDocument,
  SyncClearanceResultsDocument,
  type CohortStatsQueryVariables,
  type ItemRefInput,
  type ReviewQueueQueryVariables,
  type SyncResultInput,
} from './generated/text/graphql.js';
import { createLive, type Change, type MissedChanges, type SubscribeOptions, type Subscription } from './live.js';
import { createLiveViews, type LiveViews } from './live-views.js';
import { createSessionState, type Session, type SessionOptions } from './session.js';
import type { CohortStats, DecisionReport, MySheet, ReviewQueueItem, ReviewQueuePage, SignInProvider, SyncReport } from './results.js';
import { createTransport, type Document, type RequestOptions, type TransportOptions } from './transport.js';

export type { CohortStats, DecisionReport, MySheet, ReviewQueueItem, ReviewQueuePage, SignInProvider, SyncReport } from './results.js';

export interface ClientOptions extends TransportOptions, SessionOptions {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** graphql-ws endpoint; default: `url` with http(s) → ws(s). */
  wsUrl?: string;
  /** Defaults to the global WebSocket (browsers, Node 22+); on Node 20 pass the `ws` package. */
  webSocketImpl?: unknown;
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

// biome-ignore lint/complexity/noBannedTypes: `{} extends V` asks whether every variable of the operation is optional
type Variables<V> = {} extends V ? [variables?: V, options?: RequestOptions] : [variables: V, options?: RequestOptions];
// biome-ignore lint/complexity/noBannedTypes: as above
type SubscribeArguments<V> = {} extends V ? [variables?: V, options?: SubscribeOptions] : [variables: V, options?: SubscribeOptions];

export interface LixiaoClient {
  /** Runs a query or mutation; throws LixiaoError on GraphQL errors (DomainError results are returned: see `unwrap`). */
  request<TResult, TVariables>(document: Document<TResult, TVariables>, ...args: Variables<NoInfer<TVariables>>): Promise<TResult>;
  /** Like request, with the raw response and no throwing on GraphQL errors (network failures still throw). */
  rawRequest<TResult, TVariables>(document: Document<TResult, TVariables>, ...args: Variables<NoInfer<TVariables>>): Promise<GraphQLResponse<TResult>>;
  /**
   * A subscription over graphql-ws (one socket, opened on first use). `options.since` (documents
   * that take `$since`): the server first replays the changes after that seq; without it the client
   * starts from the server's watermark. It survives lost sockets: graphql-ws reconnects, and a
   * subscription taking `$since` resubscribes from the last seq it received, so the events of the gap
   * are replayed. `options.signal` ends it.
   */
  subscribe<TResult, TVariables>(document: Document<TResult, TVariables>, ...args: SubscribeArguments<NoInfer<TVariables>>): Subscription<TResult>;
  /** Snapshot then stream, gapless: `live.sheet()`, `live.queue(filter)`, `live.stats(year)`. */
  readonly live: LiveViews;
  /** Registers a reconnect listener (it gets what was missed while the socket was down); returns its remover. */
  onReconnected(listener: (missed: MissedChanges) => void): () => void;

  /** Logs in and keeps the session (also handed to onTokens). Throws LixiaoError (INVALID_CREDENTIALS, LOGIN_LOCKED, …). */
  login(username: string, password: string): Promise<Session>;
  /** The identity providers (统一身份认证) the server signs users in through, each with the URL that starts its sign-in. */
  signInProviders(): Promise<SignInProvider[]>;
  /**
   * Trades the one-time code a provider sign-in ended with (`sso_code`) for a session and keeps it.
   * Throws LixiaoError (SSO_UNKNOWN_IDENTITY, SSO_PROVIDER_REFUSED, SSO_CODE_INVALID, …).
   */
  completeSsoSignIn(code: string): Promise<Session>;
  /** Changes the password (the initial one at first login) and keeps the new session: every earlier token stops working. */
  changePassword(currentPassword: string, newPassword: string): Promise<Session>;
  /** Ends every session of the account and forgets the tokens. */
  logout(): Promise<void>;
  /** The logged-in student's sheet (clearance items, progress, deferral). */
  mySheet(options?: RequestOptions): Promise<MySheet>;
  /** One page of the review queue. */
  reviewQueue(variables?: ReviewQueueQueryVariables, options?: RequestOptions): Promise<ReviewQueuePage>;
  /** Every page of the review queue after `variables.after`, one at a time (`first`: the page size, at most 100). */
  reviewQueuePages(variables?: ReviewQueueQueryVariables, options?: RequestOptions): AsyncGenerator<ReviewQueuePage, void, undefined>;
  /** Every item of the review queue matching the filter, page after page. */
  reviewQueueItems(variables?: ReviewQueueQueryVariables, options?: RequestOptions): AsyncGenerator<ReviewQueueItem, void, undefined>;
  /** Approves any number of items, in batches of the server's limit (1,000); one combined report, per-item failures in `outcomes`. */
  approve(items: readonly ItemRefInput[], options?: RequestOptions): Promise<DecisionReport>;
  /** Rejects any number of items with one reason, batched like approve. */
  reject(items: readonly ItemRefInput[], reason: string, options?: RequestOptions): Promise<DecisionReport>;
  cohortStats(variables: CohortStatsQueryVariables, options?: RequestOptions): Promise<CohortStats>;
  /** Department systems: one batch of results under an idempotency key (retried like a query: the key makes it safe). */
  sync(idempotencyKey: string, results: SyncResultInput[], options?: RequestOptions): Promise<SyncReport>;
  /**
   * Every change in the viewer's scope after `cursor` (default: the client's cursor; null: the
   * whole history), all pages, oldest first; advances the client's cursor.
   */
  changesSince(cursor?: string | null, options?: RequestOptions): Promise<{ changes: Change[]; cursor: string | null }>;
  /** The same, one page (up to 500 changes) at a time: for long histories. */
  changePages(cursor?: string | null, options?: RequestOptions): AsyncGenerator<Change[], void, undefined>;
  /**
   * Streams the summary list (GET …/exports/summary.csv|xlsx next to the GraphQL endpoint) with the
   * bearer token. University admins: any college; college admins: their own.
   */
  exportSummary(request: SummaryExportRequest, options?: Pick<RequestOptions, 'signal' | 'headers' | 'timeoutMs'>): Promise<SummaryDownload>;

  /** The current session's tokens (after login or refresh), if the client holds one. */
  readonly session: Session | null;
  /** The newest change (ClearanceEvent seq) the client has seen; a reconnect catches up from here. */
  readonly cursor: string | null;
  setToken(token: string | null, refreshToken?: string | null): void;
  /** Closes the socket, if one is open. */
  dispose(): Promise<void>;
}

/** The largest batch approveItems / rejectItems accept. */
export const DECISION_BATCH_LIMIT = 1000;

function combine(reports: DecisionReport[]): DecisionReport {
  return {
    approved: reports.reduce((sum, report) => sum + report.approved, 0),
    rejected: reports.reduce((sum, report) => sum + report.rejected, 0),
    failed: reports.reduce((sum, report) => sum + report.failed, 0),
    outcomes: reports.flatMap((report) => report.outcomes),
  };
}

export function createClient(options: ClientOptions): LixiaoClient {
  const tokens = createSessionState(options, async (refreshToken) => {
    const { refreshSession } = await transport.anonymous(RefreshSessionDocument, { refreshToken });
    return refreshSession.__typename === 'MutationRefreshSessionSuccess' ? refreshSession.data : null;
  });
  const transport = createTransport(options, tokens);
  const live = createLive(options, tokens, transport);
  const exportSummary = createExports(options.url, tokens, transport);
  const { request } = transport;

  async function decide(items: readonly ItemRefInput[], reason: string | null, requestOptions?: RequestOptions): Promise<DecisionReport> {
    const reports: DecisionReport[] = [];
    for (let start = 0; start < items.length || reports.length === 0; start += DECISION_BATCH_LIMIT) {
      const batch = items.slice(start, start + DECISION_BATCH_LIMIT);
      if (reason === null) {
        const response = await request(ApproveItemsDocument, { items: batch }, requestOptions);
        reports.push(unwrap(response.approveItems, response));
      } else {
        const response = await request(RejectItemsDocument, { items: batch, reason }, requestOptions);
        reports.push(unwrap(response.rejectItems, response));
      }
    }
    return combine(reports);
  }

  async function* reviewQueuePages(variables: ReviewQueueQueryVariables = {}, requestOptions?: RequestOptions) {
    let after = variables.after ?? null;
    for (;;) {
      const { reviewQueue: page } = await request(ReviewQueueDocument, { ...variables, after }, requestOptions);
      yield page;
      if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return;
      after = page.pageInfo.endCursor;
    }
  }

  async function reviewQueue(variables: ReviewQueueQueryVariables = {}, requestOptions?: RequestOptions) {
    return (await request(ReviewQueueDocument, variables, requestOptions)).reviewQueue;
  }

  async function mySheet(requestOptions?: RequestOptions): Promise<MySheet> {
    const { viewer } = await request(MySheetDocument, {}, requestOptions);
    if (!viewer) throw new LixiaoError('UNAUTHENTICATED', 'Please log in first. / 请先登录。');
    if (viewer.__typename !== 'Student') throw new LixiaoError('FORBIDDEN', 'Only students have a clearance sheet. / 只有学生有离校单。');
    // The sheet reflects every change up to its newest history entry: catch up from there.
    for (const item of viewer.clearanceItems ?? []) for (const event of item.history) live.advanceCursor(event.seq);
    return viewer;
  }

  const client: LixiaoClient = {
    request: request as LixiaoClient['request'],
    rawRequest: transport.rawRequest as LixiaoClient['rawRequest'],
    subscribe: live.subscribe as LixiaoClient['subscribe'],
    live: createLiveViews({ request, subscribe: live.subscribe }, { mySheet, reviewQueue }),
    onReconnected: live.onReconnected,
    async login(username, password) {
      const { login } = await transport.anonymous(LoginDocument, { username, password });
      const next = unwrap(login, login);
      await tokens.keep(next);
      return next;
    },
    async signInProviders() {
      return (await transport.anonymous(SignInProvidersDocument, {})).signInOptions.providers;
    },
    async completeSsoSignIn(code) {
      const { completeSsoSignIn: result } = await transport.anonymous(CompleteSsoSignInDocument, { code });
      if (result.__typename === 'SsoRefusal') throw new LixiaoError(result.code, result.message, { response: result });
      const next = unwrap(result, result);
      await tokens.keep(next);
      return next;
    },
    async changePassword(currentPassword, newPassword) {
      const response = await request(ChangePasswordDocument, { currentPassword, newPassword });
      const next = unwrap(response.changePassword, response);
      await tokens.keep(next);
      return next;
    },
    async logout() {
      await request(LogoutDocument, {});
      tokens.forget();
    },
    mySheet,
    reviewQueue,
    reviewQueuePages,
    async *reviewQueueItems(variables, requestOptions) {
      for await (const page of reviewQueuePages(variables, requestOptions)) for (const edge of page.edges) yield edge.node;
    },
    approve: (items, requestOptions) => decide(items, null, requestOptions),
    reject: (items, reason, requestOptions) => decide(items, reason, requestOptions),
    async cohortStats(variables, requestOptions) {
      return (await request(CohortStatsDocument, variables, requestOptions)).cohortStats;
    },
    async sync(idempotencyKey, results, requestOptions) {
      const response = await request(SyncClearanceResultsDocument, { idempotencyKey, results }, requestOptions);
      return unwrap(response.syncClearanceResults, response);
    },
    changesSince: (from = live.cursor, requestOptions) => live.changesSince(from, requestOptions),
    changePages: (from = live.cursor, requestOptions) => live.changePages(from, requestOptions),
    exportSummary,
    get session() {
      return tokens.session;
    },
    get cursor() {
      return live.cursor;
    },
    setToken: tokens.setToken,
    dispose: live.dispose,
  };
  return client;
}

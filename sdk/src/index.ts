export {
  createClient,
  DECISION_BATCH_LIMIT,
  type ClientOptions,
  type CohortStats,
  type DecisionReport,
  type LixiaoClient,
  type MySheet,
  type ReviewQueueItem,
  type ReviewQueuePage,
  type SignInProvider,
  type SyncReport,
} from './client.js';
export {
  LixiaoError,
  unwrap,
  type ClientErrorCode,
  type GraphQLErrorShape,
  type GraphQLResponse,
  type LixiaoErrorCode,
  type ProtocolErrorCode,
} from './errors.js';
export type { SummaryDownload, SummaryExportRequest, SummaryFormat } from './exports.js';
export type { Change, MissedChanges, SubscribeOptions, Subscription } from './live.js';
export type { LiveEvent, LiveView, LiveViewOptions, LiveViews, QueueFilter, QueueUpdate, SheetUpdate } from './live-views.js';
export type { Session } from './session.js';
export type { Document, Locale, RequestOptions, RetryOptions } from './transport.js';
export * from './generated/graphql.js';

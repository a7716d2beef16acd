export {
  createClient,
  LixiaoError,
  unwrap,
  type ClientOptions,
  type ClientErrorCode,
  type CohortStats,
  type DecisionReport,
  type GraphQLErrorShape,
  type GraphQLResponse,
  type LixiaoClient,
  type Locale,
  type MySheet,
  type RequestOptions,
  type ReviewQueuePage,
  type Session,
  type SyncReport,
} from './client.js';
export * from './generated/graphql.js';

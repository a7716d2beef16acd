/** The shapes the client's conveniences return, named after the generated operation results. */
import type {
  ApproveItemsMutation,
  CohortStatsQuery,
  MySheetQuery,
  ReviewQueueQuery,
  SignInProvidersQuery,
  SyncClearanceResultsMutation,
} from './generated/text/graphql.js';

export type MySheet = Extract<NonNullable<MySheetQuery['viewer']>, { __typename: 'Student' }>;
export type ReviewQueuePage = ReviewQueueQuery['reviewQueue'];
export type ReviewQueueItem = ReviewQueuePage['edges'][number]['node'];
export type DecisionReport = Extract<ApproveItemsMutation['approveItems'], { __typename: 'MutationApproveItemsSuccess' }>['data'];
export type CohortStats = CohortStatsQuery['cohortStats'];
export type SyncReport = Extract<SyncClearanceResultsMutation['syncClearanceResults'], { __typename: 'MutationSyncClearanceResultsSuccess' }>['data'];
export type SignInProvider = SignInProvidersQuery['signInOptions']['providers'][number];

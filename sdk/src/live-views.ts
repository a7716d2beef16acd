/** Snapshot then stream: the state now, then every change after it, with no gap between the two. */
import { LixiaoError } from './errors.js';
import {
  CohortStatsUpdatedDocument,
  LiveWatermarkDocument,
  MyClearanceUpdatedDocument,
  ReviewQueueChangedDocument,
  type CohortStatsUpdatedSubscriptionVariables,
  type MyClearanceUpdatedSubscription,
  type ReviewQueueChangedSubscription,
  type ReviewQueueFilter,
  type ReviewQueueQueryVariables,
} from './generated/text/graphql.js';
import type { CohortStats, MySheet, ReviewQueuePage } from './results.js';
import type { SubscribeOptions, Subscription } from './live.js';
import type { Document, RequestOptions } from './transport.js';

/** What a live view yields: its snapshot first (again after a resync), then each update. */
export type LiveEvent<TSnapshot, TUpdate> = { kind: 'snapshot'; snapshot: TSnapshot } | { kind: 'update'; update: TUpdate };

/** A snapshot and the updates after it; `return()` (or the signal) ends it. */
export interface LiveView<TSnapshot, TUpdate> extends AsyncIterableIterator<LiveEvent<TSnapshot, TUpdate>> {
  /** The state the view started from (the first thing it yields). */
  readonly snapshot: TSnapshot;
  next(): Promise<IteratorResult<LiveEvent<TSnapshot, TUpdate>, undefined>>;
  return(): Promise<IteratorReturnResult<undefined>>;
  [Symbol.asyncIterator](): LiveView<TSnapshot, TUpdate>;
}

export interface LiveViewOptions {
  /** Aborting ends the view like `return()`. */
  signal?: AbortSignal;
}

export type SheetUpdate = MyClearanceUpdatedSubscription['myClearanceUpdated'];
export type QueueUpdate = ReviewQueueChangedSubscription['reviewQueueChanged'];
export type QueueFilter = ReviewQueueFilter & { cohortYear: number };

/** The parts of the client the views are built on. */
export interface LiveViewClient {
  request<TResult, TVariables>(document: Document<TResult, TVariables>, variables: TVariables, options?: RequestOptions): Promise<TResult>;
  subscribe<TResult, TVariables>(document: Document<TResult, TVariables>, variables: TVariables, options?: SubscribeOptions): Subscription<TResult>;
}

/** Options without an absent signal (for exactOptionalPropertyTypes). */
const withSignal = (signal: AbortSignal | undefined) => (signal ? { signal } : {});

interface Source<TSnapshot, TUpdate> {
  /** Reads the state; called after the watermark was read. */
  read(signal: AbortSignal | undefined): Promise<TSnapshot>;
  /** The updates after `since`. */
  follow(since: string, signal: AbortSignal | undefined): Subscription<TUpdate>;
}

/**
 * The watermark is read before the state, and the subscription replays everything after
 * it: a change committed while the state was read arrives as an update (possibly restating
 * what the snapshot already shows), never nowhere. RESYNC_REQUIRED (too much to replay, or
 * the client fell behind) is handled here: a fresh snapshot, then updates again.
 */
async function snapshotThenStream<TSnapshot, TUpdate>(
  client: LiveViewClient,
  source: Source<TSnapshot, TUpdate>,
  { signal }: LiveViewOptions,
): Promise<LiveView<TSnapshot, TUpdate>> {
  const start = async () => {
    const { liveWatermark } = await client.request(LiveWatermarkDocument, {}, withSignal(signal));
    const snapshot = await source.read(signal);
    return { snapshot, updates: source.follow(liveWatermark, signal) };
  };
  let current = await start();
  let pending: TSnapshot | null = current.snapshot;
  let ended = false;
  const view: LiveView<TSnapshot, TUpdate> = {
    snapshot: current.snapshot,
    async next() {
      for (;;) {
        if (ended || signal?.aborted) return view.return();
        if (pending !== null) {
          const snapshot = pending;
          pending = null;
          return { done: false, value: { kind: 'snapshot', snapshot } };
        }
        try {
          const step = await current.updates.next();
          if (step.done) return view.return();
          return { done: false, value: { kind: 'update', update: step.value } };
        } catch (error) {
          if (!(error instanceof LixiaoError) || error.code !== 'RESYNC_REQUIRED' || ended) throw error;
          current = await start();
          pending = current.snapshot;
        }
      }
    },
    async return() {
      ended = true;
      await current.updates.return();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return view;
    },
  };
  return view;
}

/** A subscription's events as `pick` maps them. */
function mapped<TEvent, TUpdate>(subscription: Subscription<TEvent>, pick: (event: TEvent) => TUpdate): Subscription<TUpdate> {
  const result: Subscription<TUpdate> = {
    async next() {
      const step = await subscription.next();
      return step.done ? step : { done: false, value: pick(step.value) };
    },
    return: () => subscription.return(),
    [Symbol.asyncIterator]() {
      return result;
    },
  };
  return result;
}

/** cohortStatsUpdated sends the numbers read once the server listens for changes, then again after changes: its first value is the snapshot. */
async function statsView(
  client: LiveViewClient,
  variables: CohortStatsUpdatedSubscriptionVariables,
  { signal }: LiveViewOptions,
): Promise<LiveView<CohortStats, CohortStats>> {
  const updates = mapped(client.subscribe(CohortStatsUpdatedDocument, variables, withSignal(signal)), (event) => event.cohortStatsUpdated);
  const first = await updates.next();
  if (first.done) throw new LixiaoError('ABORTED', 'The live statistics ended before their first numbers. / 实时统计在收到首批数据前已结束。');
  let pending: CohortStats | null = first.value;
  const view: LiveView<CohortStats, CohortStats> = {
    snapshot: first.value,
    async next() {
      if (pending !== null) {
        const snapshot = pending;
        pending = null;
        return { done: false, value: { kind: 'snapshot', snapshot } };
      }
      const step = await updates.next();
      return step.done ? step : { done: false, value: { kind: 'update', update: step.value } };
    },
    return: () => updates.return(),
    [Symbol.asyncIterator]() {
      return view;
    },
  };
  return view;
}

/** The client's `live` helpers. */
export interface LiveViews {
  /**
   * The student's sheet, then each change of it (myClearanceUpdated). Resolves once the sheet is read:
   * a change committed after that (e.g. by a mutation the caller makes next) is always delivered.
   */
  sheet(options?: LiveViewOptions): Promise<LiveView<MySheet, SheetUpdate>>;
  /**
   * The first page of the review queue for `filter` (`first`: its size), then each change in the cohort's queue
   * (reviewQueueChanged: every item of the cohort the viewer may review, not narrowed by the rest of the filter).
   */
  queue(filter: QueueFilter, options?: LiveViewOptions & { first?: number }): Promise<LiveView<ReviewQueuePage, QueueUpdate>>;
  /** A cohort's statistics now, then again whenever they change (at most once a second). */
  stats(year: number, filter?: Omit<CohortStatsUpdatedSubscriptionVariables, 'year'>, options?: LiveViewOptions): Promise<LiveView<CohortStats, CohortStats>>;
}

export function createLiveViews(
  client: LiveViewClient,
  reads: {
    mySheet(options: RequestOptions): Promise<MySheet>;
    reviewQueue(variables: ReviewQueueQueryVariables, options: RequestOptions): Promise<ReviewQueuePage>;
  },
): LiveViews {
  return {
    sheet: (options = {}) =>
      snapshotThenStream(
        client,
        {
          read: (signal) => reads.mySheet(withSignal(signal)),
          follow: (since, signal) =>
            mapped(client.subscribe(MyClearanceUpdatedDocument, {}, { since, ...withSignal(signal) }), (event) => event.myClearanceUpdated),
        },
        options,
      ),
    queue: (filter, options = {}) =>
      snapshotThenStream(
        client,
        {
          read: (signal) => reads.reviewQueue(options.first === undefined ? { filter } : { filter, first: options.first }, withSignal(signal)),
          follow: (since, signal) =>
            mapped(
              client.subscribe(ReviewQueueChangedDocument, { cohortYear: filter.cohortYear }, { since, ...withSignal(signal) }),
              (event) => event.reviewQueueChanged,
            ),
        },
        options,
      ),
    stats: (year, filter = {}, options = {}) => statsView(client, { ...filter, year }, options),
  };
}

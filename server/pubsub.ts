import type { Progress, ScopeKind } from './domain/index.js';
import type { ChangeSignal, EventStream, ResyncRequired } from './live/event-stream.js';

/**
 * A change of one clearance item, published after its transaction commits. Built
 * once per event, inside that transaction: it carries what every subscriber needs to
 * decide, in memory, whether it may see the event, and the sheet's progress after it.
 */
export interface ItemChangedEvent {
  itemId: string;
  studentId: string;
  cohortId: string;
  status: string;
  version: number;
  /** The history event's sequence number (ClearanceEvent.seq) as a string. */
  seq: string;
  access: ItemAccessFacts;
  /** The student's progress on their current cohort's sheet after the commit. */
  progress: ProgressSnapshot;
  /** The item was removed (a deferral's undecided items): `status` is the one it had, and the item can no longer be read. */
  removed?: true;
}

/** Who may see and review the item: its template's review scope, and the student's scope facts at commit time. */
export interface ItemAccessFacts {
  scope: ScopeKind;
  departmentId: string;
  /** The student's current cohort: a deferred student's old items are not on the sheet they watch. */
  currentCohortId: string;
  collegeId: string;
  campusId: string;
  firstSupervisorId: string | null;
  secondSupervisorId: string | null;
  surveyCompleted: boolean;
}

/** Progress as it travels (also through Redis): clearedAt as an ISO string. */
export type ProgressSnapshot = Progress & { clearedAt: string | null };

/** Item topics carry every event of one commit for the topic's student or cohort, in seq order. */
export type ItemTopic = 'student:items' | 'cohort:items';

/** Topics, `topic:id` style. */
export type Topics = {
  'student:items': [studentId: string, events: ItemChangedEvent[]];
  'cohort:items': [cohortId: string, events: ItemChangedEvent[]];
  'auth:revoked': [event: { credentialId: string }];
  /** One session family ended (a refresh token came back after it was rotated). */
  'session:revoked': [event: { familyId: string }];
  /** Staff accounts whose roles, scope or API token may have changed (null: any): open sockets are re-checked. */
  'account:changed': [event: { reviewerIds: string[] | null }];
};

export interface AppPubSub {
  publish<K extends keyof Topics>(topic: K, ...args: Topics[K]): void;
  /** A synchronous listener (it must not throw or block: it runs inside the publisher's call). */
  listen<K extends keyof Topics>(topic: K, ...args: [...keys: KeyOf<Topics[K]>, listener: (payload: PayloadOf<Topics[K]>) => void]): () => void;
  /** The events of `topic:id` that `accept` lets through, buffered up to the configured limit, then RESYNC_REQUIRED. */
  items(topic: ItemTopic, id: string, accept?: (event: ItemChangedEvent) => boolean): EventStream<ItemChangedEvent>;
  /**
   * Like `items`, after first replaying the committed events after `since` that `readAfter`
   * finds (read once the live stream is registered, so nothing falls between the two). More
   * than the buffer limit to replay: RESYNC_REQUIRED from `since` at once.
   */
  itemsSince(
    topic: ItemTopic,
    id: string,
    since: bigint,
    readAfter: (limit: number) => Promise<ItemChangedEvent[] | null>,
    accept?: (event: ItemChangedEvent) => boolean,
  ): Promise<AsyncIterableIterator<ItemChangedEvent | ResyncRequired>>;
  /** One tick per burst of `topic:id` events (for subscribers that re-read state instead of following events). */
  changes(topic: ItemTopic, id: string): ChangeSignal;
}

type KeyOf<Args extends unknown[]> = Args extends [infer Key, unknown] ? [Key] : [];
type PayloadOf<Args extends unknown[]> = Args extends [unknown, infer Payload] ? Payload : Args[0];

import type { Progress } from './domain/index.js';
import type { Logger } from './log.js';
import { Bus } from './live/bus.js';
import { ChangeSignal, EventStream } from './live/event-stream.js';
import { rememberCompanions } from './live/item-loader.js';
import { redisTransport } from './live/redis-transport.js';
import { markPublishedOnce } from './live/shared-execution.js';

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
}

/** Who may see and review the item: its template's review scope, and the student's scope facts at commit time. */
export interface ItemAccessFacts {
  scope: 'UNIVERSITY' | 'COLLEGE' | 'CAMPUS' | 'SUPERVISOR' | 'SELF';
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
  /** Staff accounts whose roles, scope or API token may have changed (null: any): open sockets are re-checked. */
  'account:changed': [event: { reviewerIds: string[] | null }];
};

export interface AppPubSub {
  publish<K extends keyof Topics>(topic: K, ...args: Topics[K]): void;
  /** A synchronous listener (it must not throw or block: it runs inside the publisher's call). */
  listen<K extends keyof Topics>(topic: K, ...args: [...keys: KeyOf<Topics[K]>, listener: (payload: PayloadOf<Topics[K]>) => void]): () => void;
  /** The events of `topic:id` that `accept` lets through, buffered up to the configured limit, then RESYNC_REQUIRED. */
  items(topic: ItemTopic, id: string, accept?: (event: ItemChangedEvent) => boolean): EventStream<ItemChangedEvent>;
  /** One tick per burst of `topic:id` events (for subscribers that re-read state instead of following events). */
  changes(topic: ItemTopic, id: string): ChangeSignal;
}

type KeyOf<Args extends unknown[]> = Args extends [infer Key, unknown] ? [Key] : [];
type PayloadOf<Args extends unknown[]> = Args extends [unknown, infer Payload] ? Payload : Args[0];

export interface PubSubHandle {
  pubsub: AppPubSub;
  close(): Promise<void>;
}

export interface LiveOptions {
  /** redis://… to reach every server process; null keeps events in this process. */
  redisUrl: string | null;
  /** How many undelivered events one subscriber may have before it is told to resync. */
  bufferEvents: number;
}

/** In process by default; through Redis when a URL is given, so every server process hears every event. */
export function createAppPubSub({ redisUrl, bufferEvents }: LiveOptions, log: Logger): PubSubHandle {
  const bus = new Bus(log);
  if (redisUrl) bus.connect(redisTransport(redisUrl, bus, log));
  const channel = (topic: string, args: unknown[]) => (args.length > 1 ? `${topic}:${String(args[0])}` : topic);
  const pubsub: AppPubSub = {
    publish: (topic, ...args) => bus.publish(channel(topic, args), args.at(-1)),
    listen: (topic, ...args) => {
      const listener = args.at(-1) as (payload: unknown) => void;
      return bus.listen(channel(topic, args), listener);
    },
    items(topic, id, accept) {
      let stop: () => void = () => {};
      const stream = new EventStream<ItemChangedEvent>(bufferEvents, () => stop());
      stop = bus.listen(`${topic}:${id}`, (events: ItemChangedEvent[]) => {
        rememberCompanions(events);
        markPublishedOnce(events);
        stream.offer(accept ? events.filter(accept) : events);
      });
      return stream;
    },
    changes(topic, id) {
      let stop: () => void = () => {};
      const signal = new ChangeSignal(() => stop());
      stop = bus.listen(`${topic}:${id}`, () => signal.offer());
      return signal;
    },
  };
  return { pubsub, close: () => bus.shutdown() };
}

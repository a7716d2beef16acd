import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, type PubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';

/** A change of one clearance item, published after its transaction commits. */
export interface ItemChangedEvent {
  itemId: string;
  studentId: string;
  cohortId: string;
  status: string;
  version: number;
  /** The history event's sequence number (ClearanceEvent.seq) as a string. */
  seq: string;
}

/**
 * Topics, `topic:id` style. Payloads carry ids and versions only: subscribers
 * read the current rows themselves, through the same authorization as queries.
 */
export type Topics = {
  'student:items': [studentId: string, event: ItemChangedEvent];
  'cohort:items': [cohortId: string, event: ItemChangedEvent];
  'auth:revoked': [event: { credentialId: string }];
};

export type AppPubSub = PubSub<Topics>;

export interface PubSubHandle {
  pubsub: AppPubSub;
  close(): Promise<void>;
}

/** In process by default; through Redis when a URL is given, so every server process hears every event. */
export function createAppPubSub(redisUrl: string | null): PubSubHandle {
  if (!redisUrl) return { pubsub: createPubSub<Topics>(), close: async () => undefined };
  const publishClient = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const subscribeClient = new Redis(redisUrl);
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  return {
    pubsub: createPubSub<Topics>({ eventTarget }),
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}

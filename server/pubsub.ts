import { randomUUID } from 'node:crypto';
import { createPubSub, type PubSub, type PubSubEventTarget } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { Logger } from './log.js';

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
export function createAppPubSub(redisUrl: string | null, log: Logger): PubSubHandle {
  if (!redisUrl) return { pubsub: createPubSub<Topics>(), close: async () => undefined };
  const fanout = createRedisFanout(redisUrl, log);
  return { pubsub: createPubSub<Topics>({ eventTarget: fanout.eventTarget }), close: fanout.close };
}

type AppEvent = CustomEvent<unknown>;
type Listener = (event: AppEvent) => void;

/** What travels over Redis: the payload and the process that published it. */
interface Envelope {
  origin: string;
  detail: unknown;
}

/**
 * An event target that delivers to this process's listeners directly and to the
 * other processes through Redis (each process ignores its own messages coming back).
 *
 * Redis is allowed to be away: requests and same-process subscriptions keep working,
 * events published meanwhile do not reach other processes (their clients catch up
 * with `changesSince`), and publishing never throws or queues up. The subscribe
 * connection retries forever; ioredis re-subscribes every channel when Redis returns,
 * and a subscription started during the outage waits in ioredis's offline queue.
 */
function createRedisFanout(redisUrl: string, log: Logger) {
  const origin = randomUUID();
  const publisher = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const listeners = new Map<string, Set<Listener>>();
  reportOutages(publisher, 'publish', log);
  reportOutages(subscriber, 'subscribe', log);

  const deliver = (event: AppEvent) => {
    for (const listener of listeners.get(event.type) ?? []) {
      // One failing subscriber (e.g. a full buffer) must not fail the publisher, whose change is already committed.
      try {
        listener(event);
      } catch (error) {
        log.error('event listener failed', { topic: event.type, error });
      }
    }
  };

  subscriber.on('message', (channel: string, message: string) => {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return log.warn('ignored a malformed event from Redis', { channel });
    }
    if (envelope.origin !== origin) deliver(new CustomEvent(channel, { detail: envelope.detail }));
  });

  // yoga's pubsub registers plain functions, one per subscription.
  const eventTarget = {
    addEventListener(topic: string, callback: Listener | null) {
      if (!callback) return;
      let set = listeners.get(topic);
      if (!set) {
        listeners.set(topic, (set = new Set()));
        subscriber.subscribe(topic).catch((error: unknown) => log.warn('Redis subscribe failed', { topic, error }));
      }
      set.add(callback);
    },
    removeEventListener(topic: string, callback: Listener | null) {
      const set = listeners.get(topic);
      if (!set || !callback) return;
      set.delete(callback);
      if (set.size > 0) return;
      listeners.delete(topic);
      subscriber.unsubscribe(topic).catch((error: unknown) => log.warn('Redis unsubscribe failed', { topic, error }));
    },
    dispatchEvent(event: AppEvent) {
      deliver(event);
      const envelope: Envelope = { origin, detail: event.detail };
      publisher.publish(event.type, JSON.stringify(envelope)).catch((error: unknown) => log.debug('event not sent to other processes', { topic: event.type, error }));
      return true;
    },
  } as unknown as PubSubEventTarget<Topics>;

  return {
    eventTarget,
    async close() {
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}

/** One warning when a connection is lost (not one per reconnect attempt), one line when it is back. */
function reportOutages(client: Redis, role: string, log: Logger) {
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    log.warn('Redis unreachable; cross-process events paused', { connection: role, error });
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    log.info('Redis reachable again', { connection: role });
  });
}

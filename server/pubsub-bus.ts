import type { Logger } from './log.js';
import { Bus } from './live/bus.js';
import { ChangeSignal, EventStream } from './live/event-stream.js';
import { rememberCompanions } from './live/item-loader.js';
import { redisTransport } from './live/redis-transport.js';
import { ReplayThenLive, resyncFrom } from './live/replay.js';
import { markPublishedOnce } from './live/published-once.js';
import type { AppPubSub, ItemChangedEvent } from './pubsub.js';

// Apart from the topics and events it carries (pubsub.ts): the live code it runs on imports those.

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

/** Replayed events whose items one statement reads (the live loader's batch). */
const REPLAY_READ_BATCH = 1000;

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
    async itemsSince(topic, id, since, readAfter, accept) {
      const live = pubsub.items(topic, id, accept);
      let replayed: ItemChangedEvent[] | null;
      try {
        replayed = await readAfter(bufferEvents);
      } catch (error) {
        await live.return();
        throw error;
      }
      if (!replayed) {
        await live.return();
        return resyncFrom(since);
      }
      const accepted = accept ? replayed.filter(accept) : replayed;
      // Item reads for the replay go by the live loader's batches, not one statement per event.
      for (let start = 0; start < accepted.length; start += REPLAY_READ_BATCH) rememberCompanions(accepted.slice(start, start + REPLAY_READ_BATCH));
      return new ReplayThenLive(since, accepted, live);
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

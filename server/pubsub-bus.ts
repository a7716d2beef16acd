import type { Logger } from './log.js';
import { Bus } from './live/bus.js';
import { ChangeSignal, EventStream } from './live/event-stream.js';
import { rememberCompanions } from './live/item-loader.js';
import { redisTransport } from './live/redis-transport.js';
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

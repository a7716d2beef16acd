import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { Bus, Transport } from './bus.js';

/** What travels over Redis: the payload and the process that published it. */
interface Envelope {
  origin: string;
  detail: unknown;
}

/**
 * Carries the bus's messages to the other processes through Redis (each process
 * ignores its own messages coming back).
 *
 * Redis is allowed to be away: requests and same-process subscriptions keep working,
 * events published meanwhile do not reach other processes (their clients catch up
 * with `changesSince`), and publishing never throws or queues up. The subscribe
 * connection retries forever; ioredis re-subscribes every channel when Redis returns,
 * and a subscription started during the outage waits in ioredis's offline queue.
 */
export function redisTransport(redisUrl: string, bus: Bus, log: Logger): Transport {
  const origin = randomUUID();
  const publisher = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null });
  reportOutages(publisher, 'publish', log);
  reportOutages(subscriber, 'subscribe', log);

  subscriber.on('message', (channel: string, message: string) => {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return log.warn('ignored a malformed event from Redis', { channel });
    }
    if (envelope.origin !== origin) bus.receive(channel, envelope.detail);
  });

  return {
    send(channel, detail) {
      const envelope: Envelope = { origin, detail };
      publisher.publish(channel, JSON.stringify(envelope)).catch((error: unknown) => log.debug('event not sent to other processes', { channel, error }));
    },
    open(channel) {
      subscriber.subscribe(channel).catch((error: unknown) => log.warn('Redis subscribe failed', { channel, error }));
    },
    close(channel) {
      subscriber.unsubscribe(channel).catch((error: unknown) => log.warn('Redis unsubscribe failed', { channel, error }));
    },
    async shutdown() {
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

import { AsyncLocalStorage } from 'node:async_hooks';
import type { ItemChangedEvent } from '../../pubsub.js';

/**
 * Events written deep inside a service whose signature carries no pubsub (imports
 * create sheets several calls down): the caller opens an outbox around the service
 * call and publishes what it collected once the service has committed. Writers
 * outside an outbox (the demo seed, tests) record nothing and describe nothing.
 */
const outbox = new AsyncLocalStorage<ItemChangedEvent[]>();

export async function collectItemEvents<T>(work: () => Promise<T>): Promise<{ result: T; events: ItemChangedEvent[] }> {
  const events: ItemChangedEvent[] = [];
  const result = await outbox.run(events, work);
  return { result, events };
}

export function collectingItemEvents(): boolean {
  return outbox.getStore() !== undefined;
}

export function recordItemEvents(events: readonly ItemChangedEvent[]) {
  const store = outbox.getStore();
  // One by one: an import's tens of thousands would overflow push(...events)'s arguments.
  if (store) for (const event of events) store.push(event);
}

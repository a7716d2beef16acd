import DataLoader from 'dataloader';
import type { Database } from '../db/client.js';
import type { ItemChangedEvent } from '../pubsub.js';
import { leanFindMany } from '../services/lean-read.js';

type ItemQuery = Record<string, unknown>;

/** Items read per selection shape and kept for later subscribers of the same events (a 1,000-item batch and then some); the oldest go first. */
const CACHED_ITEMS_PER_SHAPE = 5_000;
/** Selection shapes kept at once (clients choose them; an unusual one simply reads again later). */
const SHAPES = 16;
/** Ids per statement. */
const BATCH = 1000;

/** The events published together with each event (one commit's events for one key), so the first read fetches them all. */
const companions = new WeakMap<ItemChangedEvent, readonly ItemChangedEvent[]>();

/** Called once per message as it is delivered: later item reads for any of its events fetch all of them at once. */
export function rememberCompanions(events: readonly ItemChangedEvent[]) {
  if (events.length < 2 || companions.has(events[0]!)) return;
  for (const event of events) companions.set(event, events);
}

/**
 * Items as the subscriptions' selections ask for them, read once for every
 * subscriber of the same change: keyed by item id *and version*, so a row read for
 * one subscriber serves every other subscriber of that event (it is never older than
 * the change), and one subscriber working through a burst finds the rest of the
 * commit's items already read with the first. A delivery wave costs one statement
 * per selection shape (per 1,000 items), not one per subscriber: a lean one of only the
 * asked columns (lean-read.ts), Prisma's for a selection it does not compile.
 */
export class LiveItemLoader {
  private readonly loaders = new Map<string, DataLoader<string, unknown>>();

  constructor(private readonly db: Database) {}

  load(query: ItemQuery, event: ItemChangedEvent): Promise<unknown> {
    const loader = this.loaderFor(query);
    const key = keyOf(event);
    const together = companions.get(event);
    if (together) void loader.loadMany(together.map(keyOf));
    return loader.load(key);
  }

  private loaderFor(query: ItemQuery): DataLoader<string, unknown> {
    let shape = shapes.get(query);
    if (shape === undefined) shapes.set(query, (shape = JSON.stringify(query)));
    let loader = this.loaders.get(shape);
    if (loader) return loader;
    if (this.loaders.size >= SHAPES) this.loaders.delete(this.loaders.keys().next().value!);
    loader = new DataLoader<string, unknown>((keys) => this.read(query, keys), {
      // After every subscriber woken by the same publish has asked (their resolvers run in later microtasks).
      batchScheduleFn: (dispatch) => setImmediate(dispatch),
      maxBatchSize: BATCH,
      cacheMap: new BoundedCache(CACHED_ITEMS_PER_SHAPE),
    });
    this.loaders.set(shape, loader);
    return loader;
  }

  private async read(query: ItemQuery, keys: readonly string[]): Promise<unknown[]> {
    const ids = [...new Set(keys.map((key) => key.slice(0, key.indexOf('@'))))];
    const byId = (await leanFindMany(this.db.sql, 'ClearanceItem', query, ids)) ?? (await this.readWithPrisma(query, ids));
    return keys.map((key) => byId.get(key.slice(0, key.indexOf('@'))) ?? new Error('item not found'));
  }

  /** For a selection the lean read does not compile. */
  private async readWithPrisma(query: ItemQuery, ids: string[]): Promise<Map<string, unknown>> {
    const rows = (await this.db.prisma.clearanceItem.findMany({ ...query, where: { id: { in: ids } } })) as { id: string }[];
    return new Map(rows.map((row) => [row.id, row]));
  }
}

/** Planned queries are reused for every event of a document (planned-query.ts): each is serialized once. */
const shapes = new WeakMap<ItemQuery, string>();

const keyOf = (event: ItemChangedEvent) => `${event.itemId}@${event.version}`;

/** A Map that forgets its oldest entries past `limit`. */
class BoundedCache<V> extends Map<string, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: string, value: V): this {
    if (this.size >= this.limit) this.delete(this.keys().next().value!);
    return super.set(key, value);
  }
}

const perDatabase = new WeakMap<Database, LiveItemLoader>();

export function liveItemLoader(db: Database): LiveItemLoader {
  let loader = perDatabase.get(db);
  if (!loader) perDatabase.set(db, (loader = new LiveItemLoader(db)));
  return loader;
}

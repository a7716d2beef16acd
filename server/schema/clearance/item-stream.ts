import type { Context } from '../../context.js';
import { isSequenceNumber } from '../../domain/index.js';
import { AppError } from '../../errors.js';
import { readItemEventsAfter } from '../../services/items/replay.js';
import type { ItemChangedEvent, ItemTopic } from '../../pubsub.js';

export const SINCE_DESCRIPTION =
  'A ClearanceEvent seq (from liveWatermark or the last event seen): the subscription first replays every change after it in its ' +
  'scope, oldest first, then goes on live without gap or duplicate (seqs strictly increase across the switch). Replayed events ' +
  'carry the item and progress as they are now. More than LIVE_BUFFER_EVENTS changes of the student (or cohort) after it: ' +
  'RESYNC_REQUIRED with `lastSeq` = `since` at once (page with changesSince, then subscribe again from its cursor). Not a seq: INVALID_INPUT.';

/** The `since` argument as a seq; INVALID_INPUT (like changesSince's cursor) when it cannot be one. */
export function parseSince(since: string | null | undefined): bigint | null {
  if (since == null) return null;
  if (!isSequenceNumber(since)) throw new AppError('INVALID_INPUT', { field: 'since', detail: 'since' });
  return BigInt(since);
}

/** The events of one topic key the subscriber may see: live only, or first those after `since`. */
export function itemStream(ctx: Context, topic: ItemTopic, key: string, since: bigint | null, accept?: (event: ItemChangedEvent) => boolean) {
  if (since === null) return ctx.pubsub.items(topic, key, accept);
  return ctx.pubsub.itemsSince(topic, key, since, (limit) => readItemEventsAfter(ctx.db.prisma, topic, key, since, limit), accept);
}

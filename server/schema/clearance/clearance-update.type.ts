import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../../builder.js';
import { liveItemLoader } from '../../live/item-loader.js';
import { plannedQuery } from '../../live/planned-query.js';
import type { ItemChangedEvent } from '../../pubsub.js';
import { ClearanceItemRef } from './clearance-item.type.js';
import { ProgressRef } from './progress.type.js';

export const ClearanceUpdateRef = builder.objectRef<ItemChangedEvent>('ClearanceUpdate').implement({
  description: "One item of the viewer's sheet changed: the item as it is now, and the sheet's progress.",
  fields: (t) => ({
    seq: t.string({
      description: "The change's sequence number: after a reconnect, ask changesSince(cursor: seq) for what was missed.",
      resolve: (event) => event.seq,
    }),
    // A prisma field planned once per document rather than on every event (planned-query.ts).
    item: t.field({
      type: ClearanceItemRef,
      nullable: true,
      description:
        'Read when the event is delivered (once for every subscriber asking the same), so it is never older than the change. Null when the change removed the item.',
      resolve: (event, _args, ctx, info) => {
        if (event.removed) return null;
        const query = plannedQuery(ctx, info);
        const load = (planned: Record<string, unknown>) => liveItemLoader(ctx.db).load(planned, event) as never;
        return query instanceof Promise ? query.then(load) : load(query);
      },
    }),
    itemId: t.id({ description: "The item's global id, also when it was removed.", resolve: (event) => encodeGlobalID('ClearanceItem', event.itemId) }),
    removed: t.boolean({
      description: "The change removed the item (a deferral's undecided items): a queue or sheet drops it. `item` is null.",
      resolve: (event) => event.removed === true,
    }),
    progress: t.field({
      type: ProgressRef,
      description: "The sheet's progress right after the change (part of the event: nothing is read to deliver it).",
      resolve: ({ progress }) => ({ ...progress, clearedAt: progress.clearedAt === null ? null : new Date(progress.clearedAt) }),
    }),
  }),
});

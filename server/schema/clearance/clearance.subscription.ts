import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../../builder.js';
import { deliverOrResync } from '../../live/deliver.js';
import type { ResyncRequired } from '../../live/event-stream.js';
import { liveItemLoader } from '../../live/item-loader.js';
import type { ItemChangedEvent } from '../../pubsub.js';
import { itemStream, parseSince, SINCE_DESCRIPTION } from './item-stream.js';
import { ProgressRef } from './progress.type.js';

export const ClearanceUpdateRef = builder.objectRef<ItemChangedEvent>('ClearanceUpdate').implement({
  description: 'One item of the viewer\'s sheet changed: the item as it is now, and the sheet\'s progress.',
  fields: (t) => ({
    item: t.prismaField({
      type: 'ClearanceItem',
      nullable: true,
      description:
        'Read when the event is delivered (once for every subscriber asking the same), so it is never older than the change. Null when the change removed the item.',
      resolve: (query, event, _args, ctx) => (event.removed ? null : (liveItemLoader(ctx.db).load(query, event) as never)),
    }),
    itemId: t.id({ description: 'The item\'s global id, also when it was removed.', resolve: (event) => encodeGlobalID('ClearanceItem', event.itemId) }),
    removed: t.boolean({
      description: 'The change removed the item (a deferral\'s undecided items): a queue or sheet drops it. `item` is null.',
      resolve: (event) => event.removed === true,
    }),
    progress: t.field({
      type: ProgressRef,
      description: 'The sheet\'s progress right after the change (part of the event: nothing is read to deliver it).',
      resolve: ({ progress }) => ({ ...progress, clearedAt: progress.clearedAt === null ? null : new Date(progress.clearedAt) }),
    }),
  }),
});

builder.subscriptionField('myClearanceUpdated', (t) =>
  t.withAuth({ student: true }).field({
    type: ClearanceUpdateRef,
    description:
      'Every change of the viewer\'s own clearance items as it happens (a reviewer\'s decision, a department system\'s sync, an unlock). ' +
      'Nothing arrives before the survey is submitted, nor for items outside the student\'s current cohort. ' +
      'A subscriber that falls too far behind gets RESYNC_REQUIRED (with `lastSeq`) and the subscription ends. ' +
      'With `since`, the changes after it come first (snapshot then stream: read liveWatermark, then the sheet, then subscribe with since = the watermark).',
    args: { since: t.arg.string({ description: SINCE_DESCRIPTION }) },
    subscribe: (_root, args, ctx) =>
      itemStream(ctx, 'student:items', ctx.viewer.studentId, parseSince(args.since), (event) => event.access.surveyCompleted && event.access.currentCohortId === event.cohortId),
    resolve: (event: ItemChangedEvent | ResyncRequired) => deliverOrResync(event),
  }),
);

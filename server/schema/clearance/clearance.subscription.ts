import { builder } from '../../builder.js';
import { deliverOrResync } from '../../live/deliver.js';
import type { ResyncRequired } from '../../live/event-stream.js';
import type { ItemChangedEvent } from '../../pubsub.js';
import { ClearanceUpdateRef } from './clearance-update.type.js';
import { itemStream, parseSince, SINCE_DESCRIPTION } from './item-stream.js';

builder.subscriptionField('myClearanceUpdated', (t) =>
  t.withAuth({ student: true }).field({
    type: ClearanceUpdateRef,
    description:
      "Every change of the viewer's own clearance items as it happens (a reviewer's decision, a department system's sync, an unlock). " +
      "Nothing arrives before the survey is submitted, nor for items outside the student's current cohort. " +
      'A subscriber that falls too far behind gets RESYNC_REQUIRED (with `lastSeq`) and the subscription ends. ' +
      'With `since`, the changes after it come first (snapshot then stream: read liveWatermark, then the sheet, then subscribe with since = the watermark).',
    args: { since: t.arg.string({ description: SINCE_DESCRIPTION }) },
    subscribe: (_root, args, ctx) =>
      itemStream(
        ctx,
        'student:items',
        ctx.viewer.studentId,
        parseSince(args.since),
        (event) => event.access.surveyCompleted && event.access.currentCohortId === event.cohortId,
      ),
    resolve: (event: ItemChangedEvent | ResyncRequired) => deliverOrResync(event),
  }),
);

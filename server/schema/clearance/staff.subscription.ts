import { canReview } from '../../auth/policy/review-scope.js';
import { canSeeStudent, STUDENT_SCOPE_SELECT } from '../../auth/policy/student.js';
import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
import { deliverOrResync } from '../../live/deliver.js';
import type { ResyncRequired } from '../../live/event-stream.js';
import type { ItemChangedEvent } from '../../pubsub.js';
import { StudentRef } from '../student/student.type.js';
import { ClearanceUpdateRef } from './clearance-update.type.js';
import { itemStream, parseSince, SINCE_DESCRIPTION } from './item-stream.js';

builder.subscriptionFields((t) => ({
  clearanceItemUpdated: t.withAuth({ staff: true }).field({
    type: ClearanceUpdateRef,
    description: "Every change of one student's items, for staff whose scope covers the student (with `since`: the changes after it first).",
    args: { studentId: t.arg.globalID({ required: true, for: StudentRef }), since: t.arg.string({ description: SINCE_DESCRIPTION }) },
    subscribe: async (_root, { studentId, since: sinceArg }, ctx) => {
      const since = parseSince(sinceArg);
      const student = await ctx.db.prisma.student.findUnique({
        where: { id: studentId.id },
        select: STUDENT_SCOPE_SELECT,
      });
      if (!student || !canSeeStudent(ctx.viewer, student)) throw new AppError('NOT_FOUND');
      return itemStream(ctx, 'student:items', student.id, since);
    },
    resolve: (event: ItemChangedEvent | ResyncRequired) => deliverOrResync(event),
  }),

  reviewQueueChanged: t.withAuth({ staff: true }).field({
    type: ClearanceUpdateRef,
    description:
      "Changes of items the viewer may review in a cohort (new, decided, unlocked): a reviewer's live queue. " +
      'A subscriber that falls too far behind gets RESYNC_REQUIRED (with `lastSeq`) and the subscription ends. ' +
      'With `since`, the changes after it come first (snapshot then stream: read liveWatermark, then the queue, then subscribe with since = the watermark).',
    args: { cohortYear: t.arg.int({ required: true }), since: t.arg.string({ description: SINCE_DESCRIPTION }) },
    subscribe: async (_root, { cohortYear, since: sinceArg }, ctx) => {
      const since = parseSince(sinceArg);
      const cohort = await ctx.db.prisma.cohort.findUnique({ where: { year: cohortYear } });
      if (!cohort) throw new AppError('NOT_FOUND');
      const viewer = ctx.viewer;
      // Decided from the event alone: the item's review scope and the student's facts travel with it.
      return itemStream(ctx, 'cohort:items', cohort.id, since, (event) =>
        canReview(viewer, { scope: event.access.scope, departmentId: event.access.departmentId, student: { id: event.studentId, ...event.access } }),
      );
    },
    resolve: (event: ItemChangedEvent | ResyncRequired) => deliverOrResync(event),
  }),
}));

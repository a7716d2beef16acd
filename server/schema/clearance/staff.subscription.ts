import { canReview } from '../../auth/policy/review-scope.js';
import { canSeeStudent, STUDENT_SCOPE_SELECT } from '../../auth/policy/student.js';
import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
import { deliverOrResync } from '../../live/deliver.js';
import type { ResyncRequired } from '../../live/event-stream.js';
import type { ItemChangedEvent } from '../../pubsub.js';
import { StudentRef } from '../student/student.type.js';
import { ClearanceUpdateRef } from './clearance.subscription.js';

builder.objectFields(ClearanceUpdateRef, (t) => ({
  seq: t.string({
    description: 'The change\'s sequence number: after a reconnect, ask changesSince(cursor: seq) for what was missed.',
    resolve: (event) => event.seq,
  }),
}));

builder.subscriptionFields((t) => ({
  clearanceItemUpdated: t.withAuth({ staff: true }).field({
    type: ClearanceUpdateRef,
    description: 'Every change of one student\'s items, for staff whose scope covers the student.',
    args: { studentId: t.arg.globalID({ required: true, for: StudentRef }) },
    subscribe: async (_root, { studentId }, ctx) => {
      const student = await ctx.db.prisma.student.findUnique({
        where: { id: studentId.id },
        select: STUDENT_SCOPE_SELECT,
      });
      if (!student || !canSeeStudent(ctx.viewer, student)) throw new AppError('NOT_FOUND');
      return ctx.pubsub.items('student:items', student.id);
    },
    resolve: (event: ItemChangedEvent | ResyncRequired) => deliverOrResync(event),
  }),

  reviewQueueChanged: t.withAuth({ staff: true }).field({
    type: ClearanceUpdateRef,
    description:
      'Changes of items the viewer may review in a cohort (new, decided, unlocked): a reviewer\'s live queue. ' +
      'A subscriber that falls too far behind gets RESYNC_REQUIRED (with `lastSeq`) and the subscription ends.',
    args: { cohortYear: t.arg.int({ required: true }) },
    subscribe: async (_root, { cohortYear }, ctx) => {
      const cohort = await ctx.db.prisma.cohort.findUnique({ where: { year: cohortYear } });
      if (!cohort) throw new AppError('NOT_FOUND');
      const viewer = ctx.viewer;
      // Decided from the event alone: the item's review scope and the student's facts travel with it.
      return ctx.pubsub.items('cohort:items', cohort.id, (event) =>
        canReview(viewer, { scope: event.access.scope, departmentId: event.access.departmentId, student: { id: event.studentId, ...event.access } }),
      );
    },
    resolve: (event: ItemChangedEvent | ResyncRequired) => deliverOrResync(event),
  }),
}));

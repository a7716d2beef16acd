import { filter, pipe } from 'graphql-yoga';
import { canReview, canSeeStudent } from '../../auth/access.js';
import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
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
  clearanceItemUpdated: t.field({
    type: ClearanceUpdateRef,
    description: 'Every change of one student\'s items, for staff whose scope covers the student.',
    authScopes: { staff: true },
    args: { studentId: t.arg.globalID({ required: true, for: StudentRef }) },
    subscribe: async (_root, { studentId }, ctx) => {
      const student = await ctx.db.prisma.student.findUnique({
        where: { id: studentId.id },
        select: { id: true, collegeId: true, campusId: true, firstSupervisorId: true, secondSupervisorId: true },
      });
      if (!student || !canSeeStudent(ctx.viewer, student)) throw new AppError('NOT_FOUND');
      return ctx.pubsub.subscribe('student:items', student.id);
    },
    resolve: (event) => event,
  }),

  reviewQueueChanged: t.field({
    type: ClearanceUpdateRef,
    description: 'Changes of items the viewer may review in a cohort (new, decided, unlocked): a reviewer\'s live queue.',
    authScopes: { staff: true },
    args: { cohortYear: t.arg.int({ required: true }) },
    subscribe: async (_root, { cohortYear }, ctx) => {
      const cohort = await ctx.db.prisma.cohort.findUnique({ where: { year: cohortYear } });
      if (!cohort) throw new AppError('NOT_FOUND');
      return pipe(
        ctx.pubsub.subscribe('cohort:items', cohort.id),
        filter(async (event: ItemChangedEvent) => {
          const item = await ctx.db.prisma.clearanceItem.findUnique({
            where: { id: event.itemId },
            select: {
              template: { select: { scope: true, departmentId: true } },
              student: { select: { id: true, collegeId: true, campusId: true, firstSupervisorId: true, secondSupervisorId: true } },
            },
          });
          return item !== null && canReview(ctx.viewer, { scope: item.template.scope, departmentId: item.template.departmentId, student: item.student });
        }),
      );
    },
    resolve: (event) => event,
  }),
}));

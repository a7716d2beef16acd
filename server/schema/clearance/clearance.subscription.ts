import { filter, pipe } from 'graphql-yoga';
import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
import type { ItemChangedEvent } from '../../pubsub.js';
import { loadProgress, ProgressRef } from './progress.type.js';

export const ClearanceUpdateRef = builder.objectRef<ItemChangedEvent>('ClearanceUpdate').implement({
  description: 'One item of the viewer\'s sheet changed: the item as it is now, and the sheet\'s progress.',
  fields: (t) => ({
    item: t.prismaField({
      type: 'ClearanceItem',
      description: 'Read fresh when the event is delivered, so it is never older than the change.',
      resolve: (query, event, _args, ctx) => ctx.db.prisma.clearanceItem.findUniqueOrThrow({ ...query, where: { id: event.itemId } }),
    }),
    progress: t.field({ type: ProgressRef, resolve: (event, _args, ctx) => loadProgress(ctx, event.studentId) }),
  }),
});

builder.subscriptionField('myClearanceUpdated', (t) =>
  t.field({
    type: ClearanceUpdateRef,
    description:
      'Every change of the viewer\'s own clearance items as it happens (a reviewer\'s decision, a department system\'s sync, an unlock). ' +
      'Nothing arrives before the survey is submitted, nor for items outside the student\'s current cohort.',
    authScopes: { student: true },
    subscribe: (_root, _args, ctx) => {
      const viewer = ctx.viewer;
      if (viewer?.kind !== 'student') throw new AppError('FORBIDDEN');
      const { studentId } = viewer;
      return pipe(
        ctx.pubsub.subscribe('student:items', studentId),
        filter(async (event: ItemChangedEvent) => {
          const student = await ctx.db.prisma.student.findUnique({ where: { id: studentId }, select: { cohortId: true, surveyCompletedAt: true } });
          return student !== null && student.surveyCompletedAt !== null && student.cohortId === event.cohortId;
        }),
      );
    },
    resolve: (event) => event,
  }),
);

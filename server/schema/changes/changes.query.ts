import { builder } from '../../builder.js';
import { isSequenceNumber } from '../../domain/index.js';
import { AppError } from '../../errors.js';
import { visibleStudentsWhere } from '../../auth/policy/student.js';
import { currentDeferral, LATEST_DEFERRAL } from '../../services/deferral.js';

const MAX_CHANGES = 500;

interface ChangesPage {
  cursor: string;
  hasMore: boolean;
  seqs: bigint[];
}

const ChangesPageRef = builder.objectRef<ChangesPage>('ChangesPage').implement({
  description: 'Changes after a cursor, oldest first, and the cursor to ask from next.',
  fields: (t) => ({
    changes: t.prismaField({
      type: ['ClearanceEvent'],
      resolve: (query, page, _args, ctx) => ctx.db.prisma.clearanceEvent.findMany({ ...query, where: { seq: { in: page.seqs } }, orderBy: { seq: 'asc' } }),
    }),
    cursor: t.exposeString('cursor', { description: 'Pass it to the next changesSince call (also after a reconnect).' }),
    hasMore: t.exposeBoolean('hasMore'),
  }),
});

builder.queryField('changesSince', (t) =>
  t.field({
    type: ChangesPageRef,
    description:
      "What changed after `cursor` (a ClearanceEvent seq; omit it for the whole history) in the viewer's scope. " +
      'Sequence numbers follow commit order, so a client that reconnects and asks from the last seq it saw misses nothing.',
    args: {
      cursor: t.arg.string(),
      first: t.arg.int({ defaultValue: 100 }),
    },
    resolve: async (_root, { cursor, first }, ctx) => {
      if (cursor != null && !isSequenceNumber(cursor)) throw new AppError('INVALID_INPUT', { field: 'cursor', detail: 'cursor' });
      const limit = Math.min(Math.max(first ?? 100, 1), MAX_CHANGES);
      const after = BigInt(cursor ?? '0');
      if (ctx.viewer?.kind === 'student') {
        const student = await ctx.db.prisma.student.findUnique({
          where: { id: ctx.viewer.studentId },
          select: { surveyCompletedAt: true, cohortId: true, deferrals: LATEST_DEFERRAL },
        });
        // Like the sheet, which is empty for a deferred student: nothing to catch up on, and no survey to ask for.
        if (student && currentDeferral(student)) return { cursor: after.toString(), hasMore: false, seqs: [] };
        if (!student?.surveyCompletedAt) throw new AppError('SURVEY_REQUIRED');
      }
      const students = visibleStudentsWhere(ctx.viewer);
      if (!students) return { cursor: after.toString(), hasMore: false, seqs: [] };
      const rows = await ctx.db.prisma.clearanceEvent.findMany({
        where: { seq: { gt: after }, student: students },
        orderBy: { seq: 'asc' },
        take: limit + 1,
        select: { seq: true },
      });
      const page = rows.slice(0, limit).map((row) => row.seq);
      return { cursor: (page.at(-1) ?? after).toString(), hasMore: rows.length > limit, seqs: page };
    },
  }),
);

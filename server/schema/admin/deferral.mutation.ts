import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
import { publishCohortChanged } from '../../services/items/events.js';
import { requireReason } from '../review/decide.js';
import { decodeId } from '../review/review.type.js';
import { StudentRef } from '../student/student.type.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

builder.mutationField('deferStudent', (t) =>
  t.field({
    type: StudentRef,
    description:
      'Defers a graduate to the next cohort (降入下一年级): year + 1 (created without templates if missing), a Deferral row, ' +
      'and the student\'s undecided items (LOCKED, PENDING) of the current cohort removed; decided items and their history stay. ' +
      'University admins only.',
    authScopes: { role: 'UNIVERSITY_ADMIN' },
    errors: {},
    args: {
      studentId: t.arg.id({ required: true, description: 'Global Student id.' }),
      reason: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, ctx) => {
      const reason = requireReason(args.reason);
      const studentId = decodeId(String(args.studentId), 'Student');
      if (!studentId || !UUID.test(studentId)) throw new AppError('NOT_FOUND');
      const actorId = ctx.viewer?.kind === 'staff' ? ctx.viewer.reviewerId : null;
      const fromCohortId = await ctx.db.prisma.$transaction(
        async (tx) => {
          const [student] = await tx.$queryRaw<{ id: string; cohortId: string; year: number }[]>`
            SELECT s.id, s."cohortId", c.year FROM "Student" s JOIN "Cohort" c ON c.id = s."cohortId"
            WHERE s.id = ${studentId}::uuid FOR UPDATE OF s`;
          if (!student) throw new AppError('NOT_FOUND');
          const year = student.year + 1;
          const next = await tx.cohort.upsert({
            where: { year },
            create: { year, nameZh: `${year}届毕业生`, nameEn: `Class of ${year}` },
            update: {},
          });
          // Row locks wait for a decision in flight; an item it decided no longer matches and stays.
          const removed = await tx.$queryRaw<{ id: string; status: string }[]>`
            DELETE FROM "ClearanceItem"
            WHERE "studentId" = ${studentId}::uuid AND "cohortId" = ${student.cohortId}::uuid AND status IN ('LOCKED', 'PENDING')
            RETURNING id, status::text AS status`;
          await tx.deferral.create({ data: { studentId, fromCohortId: student.cohortId, toCohortId: next.id, reason, decidedById: actorId } });
          await tx.student.update({ where: { id: studentId }, data: { cohortId: next.id, clearedAt: null } });
          await tx.adminAction.create({
            data: {
              actorId,
              kind: 'DEFER_STUDENT',
              payload: { studentId, fromCohortId: student.cohortId, fromYear: student.year, toCohortId: next.id, toYear: year, reason, removedItemIds: removed.map((r) => r.id) },
            },
          });
          return student.cohortId;
        },
        { timeout: 60_000, maxWait: 30_000 },
      );
      // The old cohort's numbers changed (its removed items have no history event to deliver): dashboards re-read.
      publishCohortChanged(ctx, fromCohortId);
      return ctx.db.prisma.student.findUniqueOrThrow({ where: { id: studentId } });
    },
  }),
);

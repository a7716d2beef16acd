import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
import { publishCohortChanged, publishItemEvents } from '../../services/items/events.js';
import { recordItemChanges, removeUndecidedItems } from '../../services/items/writer.js';
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
      'Idempotent: `fromCohortYear` is the cohort the student is in now; repeating a deferral that already moved the student ' +
      'from that cohort answers the student as it is, and any other cohort answers CONFLICT. University admins only.',
    authScopes: { role: 'UNIVERSITY_ADMIN' },
    errors: {},
    args: {
      studentId: t.arg.id({ required: true, description: 'Global Student id.' }),
      reason: t.arg.string({ required: true }),
      fromCohortYear: t.arg.int({ required: true, description: 'The cohort (year) the student is in now, as the caller saw it.' }),
    },
    resolve: async (_root, args, ctx) => {
      const reason = requireReason(args.reason);
      const studentId = decodeId(String(args.studentId), 'Student');
      if (!studentId || !UUID.test(studentId)) throw new AppError('NOT_FOUND');
      const actorId = ctx.viewer?.kind === 'staff' ? ctx.viewer.reviewerId : null;
      const deferred = await ctx.db.prisma.$transaction(
        async (tx) => {
          const [student] = await tx.$queryRaw<{ id: string; cohortId: string; year: number; loginHelpZh: string; loginHelpEn: string; deferredFrom: number | null }[]>`
            SELECT s.id, s."cohortId", c.year, c."loginHelpZh", c."loginHelpEn",
                   (SELECT f.year FROM "Deferral" d JOIN "Cohort" f ON f.id = d."fromCohortId"
                    WHERE d."studentId" = s.id AND d."toCohortId" = s."cohortId" ORDER BY d."createdAt" DESC LIMIT 1) AS "deferredFrom"
            FROM "Student" s JOIN "Cohort" c ON c.id = s."cohortId"
            WHERE s.id = ${studentId}::uuid FOR UPDATE OF s`;
          if (!student) throw new AppError('NOT_FOUND');
          // The same deferral again (a retry, a second click): already done, nothing more to do.
          if (student.year !== args.fromCohortYear && student.deferredFrom === args.fromCohortYear) return;
          if (student.year !== args.fromCohortYear) throw new AppError('CONFLICT');
          const year = student.year + 1;
          const next = await tx.cohort.upsert({
            where: { year },
            // Students of a cohort made here still need to know whom to call when they cannot log in.
            create: { year, nameZh: `${year}届毕业生`, nameEn: `Class of ${year}`, loginHelpZh: student.loginHelpZh, loginHelpEn: student.loginHelpEn },
            update: {},
          });
          const removed = await removeUndecidedItems(tx, { id: studentId, cohortId: student.cohortId }, { reason, actorId });
          await tx.deferral.create({ data: { studentId, fromCohortId: student.cohortId, toCohortId: next.id, reason, decidedById: actorId } });
          await tx.student.update({ where: { id: studentId }, data: { cohortId: next.id, clearedAt: null } });
          await tx.adminAction.create({
            data: {
              actorId,
              kind: 'DEFER_STUDENT',
              payload: { studentId, fromCohortId: student.cohortId, fromYear: student.year, toCohortId: next.id, toYear: year, reason, removedItemIds: removed.map((r) => r.itemId) },
            },
          });
          return { fromCohortId: student.cohortId, events: await recordItemChanges(tx, removed, { clearedAt: false, describe: true }) };
        },
        { timeout: 60_000, maxWait: 30_000 },
      );
      // Queues drop the removed items; dashboards re-read the old cohort's numbers even when no item was removed.
      // A repeated deferral changed nothing and publishes nothing.
      if (deferred) publishItemEvents(ctx, deferred.events);
      if (deferred && deferred.events.length === 0) publishCohortChanged(ctx, deferred.fromCohortId);
      return ctx.db.prisma.student.findUniqueOrThrow({ where: { id: studentId } });
    },
  }),
);

import { AppError } from '../errors.js';
import { publishCohortChanged, publishItemEvents } from './items/events.js';
import { recordItemChanges, removeUndecidedItems } from './items/writer.js';
import type { Services } from './runtime.js';

/** The latest deferral decides whether the student is deferred now: it points at the cohort they are in. */
export const LATEST_DEFERRAL = {
  orderBy: { createdAt: 'desc' },
  take: 1,
  select: { toCohortId: true, reason: true, createdAt: true },
} as const;

interface DeferralFacts {
  cohortId: string;
  deferrals: { toCohortId: string; reason: string; createdAt: Date }[];
}

/** The deferral that put the student in their current cohort, if any: such a student does not clear now. */
export function currentDeferral(student: DeferralFacts) {
  const latest = student.deferrals[0];
  return latest && latest.toCohortId === student.cohortId ? latest : null;
}

export interface DeferralRequest {
  studentId: string;
  /** The cohort (year) the student is in now, as the caller saw it. */
  fromCohortYear: number;
  reason: string;
  actorId: string | null;
}

/**
 * Moves a student to the next cohort (created without templates if missing) and removes their
 * undecided items of the current one. Repeating a deferral already done changes nothing;
 * a student no longer in `fromCohortYear` otherwise is a CONFLICT.
 */
export async function deferStudent(services: Pick<Services, 'db' | 'pubsub'>, request: DeferralRequest) {
  const { studentId, fromCohortYear, reason, actorId } = request;
  const { prisma } = services.db;
  const deferred = await prisma.$transaction(
    async (tx) => {
      const [student] = await tx.$queryRaw<
        { id: string; cohortId: string; year: number; loginHelpZh: string; loginHelpEn: string; deferredFrom: number | null }[]
      >`
        SELECT s.id, s."cohortId", c.year, c."loginHelpZh", c."loginHelpEn",
               (SELECT f.year FROM "Deferral" d JOIN "Cohort" f ON f.id = d."fromCohortId"
                WHERE d."studentId" = s.id AND d."toCohortId" = s."cohortId" ORDER BY d."createdAt" DESC LIMIT 1) AS "deferredFrom"
        FROM "Student" s JOIN "Cohort" c ON c.id = s."cohortId"
        WHERE s.id = ${studentId}::uuid FOR UPDATE OF s`;
      if (!student) throw new AppError('NOT_FOUND');
      // The same deferral again (a retry, a second click): already done, nothing more to do.
      if (student.year !== fromCohortYear && student.deferredFrom === fromCohortYear) return;
      if (student.year !== fromCohortYear) throw new AppError('CONFLICT');
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
          payload: {
            studentId,
            fromCohortId: student.cohortId,
            fromYear: student.year,
            toCohortId: next.id,
            toYear: year,
            reason,
            removedItemIds: removed.map((r) => r.itemId),
          },
        },
      });
      return { fromCohortId: student.cohortId, events: await recordItemChanges(tx, removed, { clearedAt: false, describe: true }) };
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
  // Queues drop the removed items; dashboards re-read the old cohort's numbers even when no item was removed.
  // A repeated deferral changed nothing and publishes nothing.
  if (deferred) publishItemEvents(services, deferred.events);
  if (deferred && deferred.events.length === 0) publishCohortChanged(services, deferred.fromCohortId);
  return prisma.student.findUniqueOrThrow({ where: { id: studentId } });
}

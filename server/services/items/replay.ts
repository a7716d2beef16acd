import { Prisma } from '../../generated/prisma/client.js';
import type { ItemAccessFacts, ItemChangedEvent, ItemTopic } from '../../pubsub.js';
import { readSheetProgress } from './events.js';

type ReplayRow = ItemAccessFacts & { seq: bigint; itemId: string; studentId: string; cohortId: string; status: string; version: number };

/**
 * The committed changes of one live topic's key (a student's items, a cohort's items)
 * after `since`, oldest first, as the events published for them, for a subscriber
 * that asked to start from `since`: null when there are more than `limit`. Two
 * statements whatever the count. The history keeps no item snapshots, so the access
 * facts, version and progress are the current ones; changes of removed items are left out.
 */
export async function readItemEventsAfter(
  db: Prisma.TransactionClient,
  topic: ItemTopic,
  key: string,
  since: bigint,
  limit: number,
): Promise<ItemChangedEvent[] | null> {
  const keyCondition = topic === 'student:items' ? Prisma.sql`e."studentId" = ${key}::uuid` : Prisma.sql`e."cohortId" = ${key}::uuid`;
  const rows = await db.$queryRaw<ReplayRow[]>`
    SELECT e.seq, e."itemId", e."studentId", e."cohortId", e."toStatus"::text AS status, i.version,
           t.scope::text AS scope, t."departmentId", s."cohortId" AS "currentCohortId", s."collegeId", s."campusId",
           s."firstSupervisorId", s."secondSupervisorId", s."surveyCompletedAt" IS NOT NULL AS "surveyCompleted"
    FROM "ClearanceEvent" e
    JOIN "ClearanceItem" i ON i.id = e."itemId"
    JOIN "ItemTemplate" t ON t.id = e."templateId"
    JOIN "Student" s ON s.id = e."studentId"
    WHERE ${keyCondition} AND e.seq > ${since}::bigint
    ORDER BY e.seq
    LIMIT ${limit + 1}`;
  if (rows.length > limit) return null;
  if (rows.length === 0) return [];
  const progress = await readSheetProgress(db, [...new Set(rows.map((row) => row.studentId))]);
  return rows.map(({ seq, itemId, studentId, cohortId, status, version, ...access }) => ({
    itemId,
    studentId,
    cohortId,
    status,
    version,
    seq: seq.toString(),
    access,
    progress: progress.get(studentId)!,
  }));
}

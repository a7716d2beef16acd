import { progressFromCounts, type ItemStatus, type StatusCounts } from '../../domain/index.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { ItemAccessFacts } from '../../pubsub.js';
import { utc } from '../ids.js';

/** The student's facts that decide who may see their items (they travel with every event). */
export type StudentAccess = Omit<ItemAccessFacts, 'scope' | 'departmentId'>;

/** One student's current sheet as a writer needs it: counts by status, not every item. */
export interface SheetState {
  studentId: string;
  cohortId: string;
  clearedAt: Date | null;
  counts: StatusCounts;
  access: StudentAccess;
}

interface SheetRow {
  studentId: string;
  cohortId: string;
  collegeId: string;
  campusId: string;
  firstSupervisorId: string | null;
  secondSupervisorId: string | null;
  surveyCompleted: boolean;
  clearedAt: Date | null;
  locked: number;
  pending: number;
  approved: number;
  rejected: number;
  waived: number;
}

/**
 * Each student's facts and current sheet counts: one row per student, whatever the sheet's size.
 * The counts are a lateral subquery so each sheet is read through the (studentId, templateId)
 * index; a grouped join let the planner hash a sequential scan of every item instead.
 */
export async function readSheets(tx: Prisma.TransactionClient, studentIds: readonly string[]): Promise<Map<string, SheetState>> {
  if (studentIds.length === 0) return new Map();
  const rows = await tx.$queryRaw<SheetRow[]>`
    SELECT s.id AS "studentId", s."cohortId", s."collegeId", s."campusId", s."firstSupervisorId", s."secondSupervisorId",
           s."surveyCompletedAt" IS NOT NULL AS "surveyCompleted", s."clearedAt", c.locked, c.pending, c.approved, c.rejected, c.waived
    FROM "Student" s CROSS JOIN LATERAL (
      SELECT count(*) FILTER (WHERE i.status = 'LOCKED')::int AS locked,
             count(*) FILTER (WHERE i.status = 'PENDING')::int AS pending,
             count(*) FILTER (WHERE i.status = 'APPROVED')::int AS approved,
             count(*) FILTER (WHERE i.status = 'REJECTED')::int AS rejected,
             count(*) FILTER (WHERE i.status = 'WAIVED')::int AS waived
      FROM "ClearanceItem" i WHERE i."studentId" = s.id AND i."cohortId" = s."cohortId") c
    WHERE s.id = ANY(${studentIds}::uuid[])`;
  return new Map(
    rows.map((row) => [
      row.studentId,
      {
        studentId: row.studentId,
        cohortId: row.cohortId,
        clearedAt: row.clearedAt,
        counts: { LOCKED: row.locked, PENDING: row.pending, APPROVED: row.approved, REJECTED: row.rejected, WAIVED: row.waived },
        access: {
          currentCohortId: row.cohortId,
          collegeId: row.collegeId,
          campusId: row.campusId,
          firstSupervisorId: row.firstSupervisorId,
          secondSupervisorId: row.secondSupervisorId,
          surveyCompleted: row.surveyCompleted,
        },
      },
    ]),
  );
}

interface CountedChange {
  studentId: string;
  cohortId: string;
  from: ItemStatus | null;
  to: ItemStatus;
  removed?: boolean;
}

/** The sheets after `changes`, in order (an item changed twice counts once): only changes on a student's current sheet count. */
export function applyToSheets(before: ReadonlyMap<string, SheetState>, changes: readonly CountedChange[]): Map<string, SheetState> {
  const after = new Map<string, SheetState>();
  for (const change of changes) {
    const original = before.get(change.studentId);
    if (!original) continue;
    let sheet = after.get(change.studentId);
    if (!sheet) after.set(change.studentId, (sheet = { ...original, counts: { ...original.counts } }));
    if (change.cohortId !== sheet.cohortId) continue;
    if (change.from) sheet.counts[change.from]--;
    if (!change.removed) sheet.counts[change.to]++;
  }
  for (const [studentId, sheet] of before) if (!after.has(studentId)) after.set(studentId, sheet);
  return after;
}

/** Sets or clears clearedAt where the sheet's progress (the domain decides) no longer matches it; updates the states too. */
export async function settleClearedAt(tx: Prisma.TransactionClient, sheets: Map<string, SheetState>) {
  const now = new Date();
  const ids: string[] = [];
  const cleared: boolean[] = [];
  for (const sheet of sheets.values()) {
    const isCleared = progressFromCounts(sheet.counts).cleared;
    if (isCleared === (sheet.clearedAt !== null)) continue;
    ids.push(sheet.studentId);
    cleared.push(isCleared);
    sheet.clearedAt = isCleared ? now : null;
  }
  if (ids.length === 0) return;
  await tx.$executeRaw`
    UPDATE "Student" AS s SET "clearedAt" = CASE WHEN v.cleared THEN ${utc(now)}::timestamp(3) ELSE NULL END, "updatedAt" = ${utc(now)}::timestamp(3)
    FROM unnest(${ids}::uuid[], ${cleared}::boolean[]) AS v(id, cleared)
    WHERE s.id = v.id`;
}

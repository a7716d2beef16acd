import type { DecisionSource, ItemStatus } from '../../domain/index.js';
import { arrayLiteral } from '../../db/array-literal.js';
import type { Prisma } from '../../generated/prisma/client.js';

/**
 * The only statements that write ClearanceItem rows, each set-based (one bind value per
 * column, `unnest` of arrays) and run in the caller's transaction. Their callers then
 * record the changes with recordItemChanges (./writer.ts), which writes the history and
 * returns the events to publish after the commit.
 */

const isDecided = (status: ItemStatus) => status === 'APPROVED' || status === 'REJECTED' || status === 'WAIVED';

export interface NewItemRow {
  id: string;
  studentId: string;
  templateId: string;
  cohortId: string;
  status: ItemStatus;
  reason: string | null;
  waiverCode: string | null;
  source: DecisionSource;
}

/**
 * Creates items at version 1, all at `at` (UTC, as Prisma stores it): decided ones decided then,
 * pending ones waiting since then. An import writes about 90,000 at once.
 *
 * The copies of the student's facts and the review scope are filled here, in the same statement
 * (the row trigger that would fill them fires only for a row left without them: see the
 * migration `*_item_scope_filled_by_writer`). Outer joins, so an unknown student or template
 * still fails on its foreign key rather than silently dropping the row.
 */
export async function insertItems(tx: Prisma.TransactionClient, rows: readonly NewItemRow[], at: string) {
  if (rows.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO "ClearanceItem" ("id", "studentId", "templateId", "cohortId", "status", "reason", "waiverCode", "source",
                                 "decidedAt", "waitingSince", "createdAt", "updatedAt",
                                 "studentCollegeId", "studentCampusId", "studentCategory", "reviewScopeId")
    SELECT v.id, v.student_id, v.template_id, v.cohort_id, v.status::"ItemStatus", v.reason, v.waiver_code, v.source::"DecisionSource",
           CASE WHEN v.status IN ('APPROVED', 'REJECTED', 'WAIVED') THEN ${at}::timestamp(3) END,
           CASE WHEN v.status = 'PENDING' THEN ${at}::timestamp(3) END,
           ${at}::timestamp(3), ${at}::timestamp(3),
           s."collegeId", s."campusId", s.category, review_scope_id(t.scope, t."departmentId", s."collegeId", s."campusId", s."firstSupervisorId")
    FROM unnest(
      ${arrayLiteral(rows.map((r) => r.id))}::uuid[], ${arrayLiteral(rows.map((r) => r.studentId))}::uuid[], ${arrayLiteral(rows.map((r) => r.templateId))}::uuid[],
      ${arrayLiteral(rows.map((r) => r.cohortId))}::uuid[], ${arrayLiteral(rows.map((r) => r.status))}::text[], ${arrayLiteral(rows.map((r) => r.reason))}::text[],
      ${arrayLiteral(rows.map((r) => r.waiverCode))}::text[], ${arrayLiteral(rows.map((r) => r.source))}::text[]
    ) AS v(id, student_id, template_id, cohort_id, status, reason, waiver_code, source)
    LEFT JOIN "Student" s ON s.id = v.student_id
    LEFT JOIN "ItemTemplate" t ON t.id = v.template_id`;
}

export interface DecidedRow {
  id: string;
  to: ItemStatus;
  reason: string | null;
  source: DecisionSource;
  version: number;
  externalRef: string | null;
  observedAt: Date | null;
}

/** A decision (or the re-lock that follows one): `decidedById` is the reviewer for decided statuses. */
export async function updateDecidedItems(tx: Prisma.TransactionClient, rows: readonly DecidedRow[], reviewerId: string | null) {
  if (rows.length === 0) return;
  await tx.$executeRaw`
    UPDATE "ClearanceItem" AS i SET
      status = v.status::"ItemStatus",
      reason = CASE WHEN v.status IN ('REJECTED', 'WAIVED') OR v.reason IS NOT NULL THEN v.reason ELSE NULL END,
      source = v.source::"DecisionSource",
      "decidedById" = CASE WHEN v.decided THEN ${reviewerId}::uuid ELSE NULL END,
      "decidedAt" = CASE WHEN v.decided THEN now() ELSE NULL END,
      "waitingSince" = CASE WHEN v.status = 'PENDING' THEN now() ELSE NULL END,
      "externalRef" = COALESCE(v.external_ref, i."externalRef"),
      "observedAt" = COALESCE(v.observed_at, i."observedAt"),
      "syncedAt" = CASE WHEN v.source = 'SYNC' THEN now() ELSE i."syncedAt" END,
      "waiverCode" = CASE WHEN v.status = 'WAIVED' THEN i."waiverCode" ELSE NULL END,
      version = v.version,
      "updatedAt" = now()
    FROM unnest(
      ${arrayLiteral(rows.map((r) => r.id))}::uuid[],
      ${arrayLiteral(rows.map((r) => r.to))}::text[],
      ${arrayLiteral(rows.map((r) => r.reason))}::text[],
      ${arrayLiteral(rows.map((r) => r.source))}::text[],
      ${arrayLiteral(rows.map((r) => isDecided(r.to)))}::boolean[],
      ${arrayLiteral(rows.map((r) => r.version))}::int[],
      ${arrayLiteral(rows.map((r) => r.externalRef))}::text[],
      ${arrayLiteral(rows.map((r) => r.observedAt))}::timestamptz[]
    ) AS v(id, status, reason, source, decided, version, external_ref, observed_at)
    WHERE i.id = v.id`;
}

export interface RuleMadeRow {
  id: string;
  to: ItemStatus;
  reason: string | null;
  source: DecisionSource;
  waiverCode: string | null;
}

/** A rule change's new state of a rule-made item (nobody decided it): each version goes up by one. */
export async function updateRuleMadeItems(tx: Prisma.TransactionClient, rows: readonly RuleMadeRow[]) {
  if (rows.length === 0) return;
  await tx.$executeRaw`
    UPDATE "ClearanceItem" AS i SET
      status = v.status::"ItemStatus",
      reason = v.reason,
      source = v.source::"DecisionSource",
      "waiverCode" = v.waiver_code,
      "decidedById" = NULL,
      "decidedAt" = CASE WHEN v.status IN ('APPROVED', 'REJECTED', 'WAIVED') THEN now() ELSE NULL END,
      "waitingSince" = CASE WHEN v.status = 'PENDING' THEN now() ELSE NULL END,
      version = i.version + 1,
      "updatedAt" = now()
    FROM unnest(
      ${arrayLiteral(rows.map((r) => r.id))}::uuid[],
      ${arrayLiteral(rows.map((r) => r.to))}::text[],
      ${arrayLiteral(rows.map((r) => r.reason))}::text[],
      ${arrayLiteral(rows.map((r) => r.source))}::text[],
      ${arrayLiteral(rows.map((r) => r.waiverCode))}::text[]
    ) AS v(id, status, reason, source, waiver_code)
    WHERE i.id = v.id`;
}

export interface RemovedRow {
  id: string;
  templateId: string;
  status: ItemStatus;
  version: number;
}

/**
 * Deletes a student's undecided items (LOCKED, PENDING) of one cohort. Row locks wait for a
 * decision in flight; an item it decided no longer matches and stays.
 */
export async function deleteUndecidedItems(tx: Prisma.TransactionClient, studentId: string, cohortId: string): Promise<RemovedRow[]> {
  return tx.$queryRaw<RemovedRow[]>`
    DELETE FROM "ClearanceItem"
    WHERE "studentId" = ${studentId}::uuid AND "cohortId" = ${cohortId}::uuid AND status IN ('LOCKED', 'PENDING')
    RETURNING id, "templateId", status::text AS status, version`;
}

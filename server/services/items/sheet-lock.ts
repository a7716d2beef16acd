import type { ItemStatus } from '../../domain/index.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { isUuid } from '../ids.js';
import { readSheets, type SheetState } from './sheet-state.js';

/** The rule-side facts of an item, shared by every item of the template. */
export interface TemplateFacts {
  id: string;
  cohortId: string;
  code: string;
  prerequisites: string[];
  scope: 'UNIVERSITY' | 'COLLEGE' | 'CAMPUS' | 'SUPERVISOR' | 'SELF';
  departmentId: string;
}

export interface LockedItem {
  id: string;
  studentId: string;
  cohortId: string;
  status: ItemStatus;
  version: number;
  observedAt: Date | null;
  templateId: string;
}

export interface LockedSheets {
  /** The requested items that exist (every other item of their students is locked too, but not read). */
  items: LockedItem[];
  /** Each of their students' facts and current sheet counts, read after the lock. */
  sheets: Map<string, SheetState>;
  /** Every template of the items' cohorts, read after the lock. */
  templates: Map<string, TemplateFacts>;
}

/**
 * Locks every item of the students the requested items belong to, in id order: a
 * decision may re-lock or unlock the student's other items, and two batches touching
 * one student must not interleave (or deadlock). Only the requested rows come back.
 *
 * Templates and students are read by statements of their own, after the lock is
 * held: a statement that waited for a lock still sees the rest of the database as
 * it was when it started, so a join here would re-lock with the prerequisites of a
 * rule change that committed while this decision waited for it.
 *
 * The students come as an array (`= ANY(ARRAY(…))`), not `IN (subquery)`: the planner then
 * reads their items through the (studentId, templateId) index; with a semi-join it hashed a
 * sequential scan of every item, 3–5× slower at 10,000 students and growing with the cohort.
 */
export async function lockSheets(tx: Prisma.TransactionClient, ids: readonly string[]): Promise<LockedSheets> {
  const validIds = ids.filter(isUuid);
  if (validIds.length === 0) return { items: [], sheets: new Map(), templates: new Map() };
  const items = await tx.$queryRaw<LockedItem[]>`
    WITH locked AS MATERIALIZED (
      SELECT i.id, i."studentId", i."cohortId", i.status::text AS status, i.version, i."observedAt", i."templateId"
      FROM "ClearanceItem" i
      WHERE i."studentId" = ANY(ARRAY(SELECT "studentId" FROM "ClearanceItem" WHERE id = ANY(${validIds}::uuid[])))
      ORDER BY i.id
      FOR UPDATE OF i)
    SELECT * FROM locked WHERE id = ANY(${validIds}::uuid[])`;
  if (items.length === 0) return { items, sheets: new Map(), templates: new Map() };
  const sheets = await readSheets(tx, [...new Set(items.map((item) => item.studentId))]);
  const templates = await tx.$queryRaw<TemplateFacts[]>`
    SELECT id, "cohortId", code, prerequisites, scope::text AS scope, "departmentId"
    FROM "ItemTemplate"
    WHERE "cohortId" = ANY(${[...new Set(items.map((item) => item.cohortId))]}::uuid[])`;
  return { items, sheets, templates: new Map(templates.map((template) => [template.id, template])) };
}

/** Items of already locked sheets, by student and template (what re-locking needs beyond the requested items). */
export async function readLockedItems(tx: Prisma.TransactionClient, wanted: readonly { studentId: string; templateId: string }[]): Promise<LockedItem[]> {
  if (wanted.length === 0) return [];
  return tx.$queryRaw<LockedItem[]>`
    SELECT i.id, i."studentId", i."cohortId", i.status::text AS status, i.version, i."observedAt", i."templateId"
    FROM "ClearanceItem" i
    JOIN unnest(${wanted.map((w) => w.studentId)}::uuid[], ${wanted.map((w) => w.templateId)}::uuid[]) AS w(student_id, template_id)
      ON i."studentId" = w.student_id AND i."templateId" = w.template_id`;
}

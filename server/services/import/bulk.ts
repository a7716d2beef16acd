import { randomBytes } from 'node:crypto';
import { planSheet, type DormitoryState, type StudentCategory } from '../../domain/index.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { reserveEventSeqs } from '../decisions.js';
import { toDomainTemplate, type TemplateRow } from '../rules.js';
import type { NewSheetStudent } from '../sheets.js';

/**
 * Set-based inserts for large imports: one bind value per column (`unnest` of
 * arrays) instead of one per cell, which is what makes Prisma's createMany slow
 * on PGlite for tens of thousands of rows. Ids are UUIDv7 like `@default(uuid(7))`.
 */

/** A version-7 UUID (RFC 9562): 48-bit Unix milliseconds, then random bits. */
export function uuidv7(now = Date.now()): string {
  const bytes = randomBytes(16);
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface NewStudentRow {
  id: string;
  number: string;
  name: string;
  category: StudentCategory;
  cohortId: string;
  collegeId: string;
  campusId: string;
  dormitory: DormitoryState;
  firstSupervisorId: string | null;
  secondSupervisorId: string | null;
}

/** Timestamps as Prisma stores them: UTC wall time in `timestamp(3)` columns. */
const utc = (date: Date) => date.toISOString();

export async function insertStudents(tx: Prisma.TransactionClient, rows: readonly NewStudentRow[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  const column = <K extends keyof NewStudentRow>(key: K) => rows.map((row) => row[key]);
  await tx.$executeRaw`
    INSERT INTO "Student" ("id", "number", "name", "category", "cohortId", "collegeId", "campusId", "dormitory",
                           "firstSupervisorId", "secondSupervisorId", "createdAt", "updatedAt")
    SELECT v.id, v.number, v.name, v.category::"StudentCategory", v.cohort_id, v.college_id, v.campus_id, v.dormitory::"DormitoryState",
           v.first_supervisor_id, v.second_supervisor_id, ${utc(now)}::timestamp(3), ${utc(now)}::timestamp(3)
    FROM unnest(
      ${column('id')}::uuid[], ${column('number')}::text[], ${column('name')}::text[], ${column('category')}::text[],
      ${column('cohortId')}::uuid[], ${column('collegeId')}::uuid[], ${column('campusId')}::uuid[], ${column('dormitory')}::text[],
      ${column('firstSupervisorId')}::uuid[], ${column('secondSupervisorId')}::uuid[]
    ) AS v(id, number, name, category, cohort_id, college_id, campus_id, dormitory, first_supervisor_id, second_supervisor_id)`;
}

/** Password logins for new students, all with `mustChangePassword`. */
export async function insertStudentCredentials(
  tx: Prisma.TransactionClient,
  rows: readonly { studentId: string; passwordHash: string }[],
  now: Date,
): Promise<void> {
  if (rows.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO "Credential" ("id", "studentId", "passwordHash", "mustChangePassword", "createdAt")
    SELECT v.id, v.student_id, v.password_hash, true, ${utc(now)}::timestamp(3)
    FROM unnest(
      ${rows.map(() => uuidv7(now.getTime()))}::uuid[], ${rows.map((r) => r.studentId)}::uuid[], ${rows.map((r) => r.passwordHash)}::text[]
    ) AS v(id, student_id, password_hash)`;
}

export interface StudentUpdateRow {
  id: string;
  name: string;
  category: StudentCategory;
  collegeId: string;
  campusId: string;
  dormitory: DormitoryState;
  firstSupervisorId: string | null;
  secondSupervisorId: string | null;
}

/** One statement for many changed students (the counters' triggers move their items' counts). */
export async function updateStudents(tx: Prisma.TransactionClient, rows: readonly StudentUpdateRow[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  const column = <K extends keyof StudentUpdateRow>(key: K) => rows.map((row) => row[key]);
  await tx.$executeRaw`
    UPDATE "Student" AS s SET
      "name" = v.name,
      "category" = v.category::"StudentCategory",
      "collegeId" = v.college_id,
      "campusId" = v.campus_id,
      "dormitory" = v.dormitory::"DormitoryState",
      "firstSupervisorId" = v.first_supervisor_id,
      "secondSupervisorId" = v.second_supervisor_id,
      "updatedAt" = ${utc(now)}::timestamp(3)
    FROM unnest(
      ${column('id')}::uuid[], ${column('name')}::text[], ${column('category')}::text[], ${column('collegeId')}::uuid[],
      ${column('campusId')}::uuid[], ${column('dormitory')}::text[], ${column('firstSupervisorId')}::uuid[], ${column('secondSupervisorId')}::uuid[]
    ) AS v(id, name, category, college_id, campus_id, dormitory, first_supervisor_id, second_supervisor_id)
    WHERE s."id" = v.id`;
}

/**
 * What `createSheets` (services/sheets.ts) writes, the same rows and history
 * events, in two set-based statements: for 10,000 students that is about
 * 90,000 items and 90,000 events, which createMany's one bind value per cell
 * makes take minutes on PGlite. bulk.test.ts checks the two stay identical.
 */
export async function insertSheets(tx: Prisma.TransactionClient, students: readonly NewSheetStudent[], templates: readonly TemplateRow[], now: Date): Promise<number> {
  const byCode = new Map(templates.map((row) => [row.code, row]));
  const domainTemplates = templates.map(toDomainTemplate);
  const ids: string[] = [];
  const studentIds: string[] = [];
  const templateIds: string[] = [];
  const cohortIds: string[] = [];
  const statuses: string[] = [];
  const reasons: (string | null)[] = [];
  const waiverCodes: (string | null)[] = [];
  const sources: string[] = [];
  const decidedAt: (string | null)[] = [];
  const waitingSince: (string | null)[] = [];
  const at = utc(now);
  for (const student of students) {
    for (const planned of planSheet(student.facts, domainTemplates)) {
      const decided = planned.initialStatus === 'APPROVED' || planned.initialStatus === 'WAIVED';
      ids.push(uuidv7(now.getTime()));
      studentIds.push(student.id);
      templateIds.push(byCode.get(planned.code)!.id);
      cohortIds.push(student.cohortId);
      statuses.push(planned.initialStatus);
      reasons.push(planned.reason?.zh ?? null);
      waiverCodes.push(planned.waivedBecause?.code ?? null);
      sources.push(planned.source);
      decidedAt.push(decided ? at : null);
      waitingSince.push(planned.initialStatus === 'PENDING' ? at : null);
    }
  }
  if (ids.length === 0) return 0;
  await tx.$executeRaw`
    INSERT INTO "ClearanceItem" ("id", "studentId", "templateId", "cohortId", "status", "reason", "waiverCode", "source",
                                 "decidedAt", "waitingSince", "createdAt", "updatedAt")
    SELECT v.id, v.student_id, v.template_id, v.cohort_id, v.status::"ItemStatus", v.reason, v.waiver_code, v.source::"DecisionSource",
           v.decided_at, v.waiting_since, ${at}::timestamp(3), ${at}::timestamp(3)
    FROM unnest(
      ${ids}::uuid[], ${studentIds}::uuid[], ${templateIds}::uuid[], ${cohortIds}::uuid[], ${statuses}::text[], ${reasons}::text[],
      ${waiverCodes}::text[], ${sources}::text[], ${decidedAt}::timestamp(3)[], ${waitingSince}::timestamp(3)[]
    ) AS v(id, student_id, template_id, cohort_id, status, reason, waiver_code, source, decided_at, waiting_since)`;
  const first = await reserveEventSeqs(tx, ids.length);
  await tx.$executeRaw`
    INSERT INTO "ClearanceEvent" ("seq", "itemId", "templateId", "studentId", "cohortId", "fromStatus", "toStatus", "reason", "source", "createdAt")
    SELECT ${first}::bigint + v.ord - 1, v.item_id, v.template_id, v.student_id, v.cohort_id, NULL, v.status::"ItemStatus", v.reason,
           v.source::"DecisionSource", ${at}::timestamp(3)
    FROM unnest(${ids}::uuid[], ${templateIds}::uuid[], ${studentIds}::uuid[], ${cohortIds}::uuid[], ${statuses}::text[], ${reasons}::text[], ${sources}::text[])
      WITH ORDINALITY AS v(item_id, template_id, student_id, cohort_id, status, reason, source, ord)`;
  return ids.length;
}

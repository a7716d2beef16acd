import type { DormitoryState, StudentCategory } from '../../domain/index.js';
import { arrayLiteral } from '../../db/array-literal.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { utc, uuidv7 } from '../ids.js';

/**
 * Set-based inserts for large imports: one bind value per column (`unnest` of
 * array literals: ../../db/array-literal.ts) instead of one per cell, which is what makes Prisma's createMany slow
 * on PGlite for tens of thousands of rows. Ids are UUIDv7 like `@default(uuid(7))`.
 * Clearance items are created the same way, by createSheets (services/sheets.ts).
 */

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

export async function insertStudents(tx: Prisma.TransactionClient, rows: readonly NewStudentRow[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  const column = <K extends keyof NewStudentRow>(key: K) => arrayLiteral(rows.map((row) => row[key]));
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
      ${arrayLiteral(rows.map(() => uuidv7(now.getTime())))}::uuid[], ${arrayLiteral(rows.map((r) => r.studentId))}::uuid[], ${arrayLiteral(rows.map((r) => r.passwordHash))}::text[]
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
  const column = <K extends keyof StudentUpdateRow>(key: K) => arrayLiteral(rows.map((row) => row[key]));
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

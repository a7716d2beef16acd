import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.js';
import { applyMigrations } from '../../db/migrate.js';
import { DORMITORY_STATES, planSheet, STUDENT_CATEGORIES } from '../../domain/index.js';
import { installDefaultRuleSet } from '../../seed/demo.js';
import { BACKENDS, openTestDatabase } from '../../testing/databases.js';
import { uuidv7 } from '../ids.js';
import { loadCohortTemplates, toDomainTemplate, type TemplateRow } from '../rules.js';
import { createSheets, type NewSheetStudent } from '../sheets.js';
import { insertStudents, updateStudents, type NewStudentRow } from './bulk.js';

let db: Database;
let cohortId: string;
let templates: TemplateRow[];

/** Every category × dormitory state, in colleges with and without special rules, on both campuses. */
async function studentsFor(prefix: string): Promise<NewStudentRow[]> {
  const colleges = await db.prisma.college.findMany({ where: { code: { in: ['ARTS_COMMUNICATION', 'EARTH_SCIENCES', 'STATE_KEY_LAB', 'COMPUTER_SCIENCE'] } } });
  const campuses = await db.prisma.campus.findMany();
  const rows: NewStudentRow[] = [];
  for (const college of colleges) {
    for (const [c, campus] of campuses.entries()) {
      for (const category of STUDENT_CATEGORIES) {
        for (const dormitory of DORMITORY_STATES) {
          rows.push({
            id: uuidv7(),
            number: `${prefix}${String(rows.length).padStart(4, '0')}`,
            name: `${college.code}-${c}`,
            category,
            cohortId,
            collegeId: college.id,
            campusId: campus.id,
            dormitory,
            firstSupervisorId: null,
            secondSupervisorId: null,
          });
        }
      }
    }
  }
  return rows;
}

const sheetStudents = (rows: NewStudentRow[], collegeCodes: Map<string, string>, campusCodes: Map<string, string>): NewSheetStudent[] =>
  rows.map((r) => ({
    id: r.id,
    cohortId: r.cohortId,
    facts: {
      category: r.category,
      collegeCode: collegeCodes.get(r.collegeId)!,
      campusCode: campusCodes.get(r.campusId)!,
      dormitory: r.dormitory,
      deferred: false,
    },
  }));

describe.each(BACKENDS)('bulk writes on %s', (backend) => {
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ db, drop } = await openTestDatabase(backend));
    await applyMigrations(db.sql);
    ({ cohortId } = await installDefaultRuleSet(db));
    templates = (await loadCohortTemplates(db.prisma, cohortId)).rows;
  });
  afterAll(async () => {
    await drop?.();
  });

  it("createSheets writes each student's planned sheet, with one history event per item in one block of seqs", async () => {
    const collegeCodes = new Map((await db.prisma.college.findMany()).map((c) => [c.id, c.code]));
    const campusCodes = new Map((await db.prisma.campus.findMany()).map((c) => [c.id, c.code]));
    const now = new Date(Date.UTC(2020, 5, 1, 8, 30, 0, 123));
    const rows = await studentsFor('S');
    const students = sheetStudents(rows, collegeCodes, campusCodes);
    const created = await db.prisma.$transaction(async (tx) => {
      await insertStudents(tx, rows, now);
      return createSheets(tx, students, templates, now);
    });

    const domainTemplates = templates.map(toDomainTemplate);
    const templateIds = new Map(templates.map((t) => [t.code, t.id]));
    const expected = students.flatMap((student) =>
      planSheet(student.facts, domainTemplates).map((planned) => {
        const decided = planned.initialStatus === 'APPROVED' || planned.initialStatus === 'WAIVED';
        return {
          studentId: student.id,
          templateId: templateIds.get(planned.code)!,
          cohortId,
          status: planned.initialStatus,
          reason: planned.reason?.zh ?? null,
          waiverCode: planned.waivedBecause?.code ?? null,
          source: planned.source,
          decidedAt: decided ? now : null,
          waitingSince: planned.initialStatus === 'PENDING' ? now : null,
          decidedById: null,
          version: 1,
          createdAt: now,
        };
      }),
    );
    expect(created).toBe(expected.length);
    const key = (row: { studentId: string; templateId: string }) => `${row.studentId}/${row.templateId}`;
    const items = await db.prisma.clearanceItem.findMany({ where: { studentId: { in: rows.map((r) => r.id) } } });
    // The review queue's copies of the student's facts are the triggers' (review-queue-counts.test.ts): here, that they match the student.
    const studentRows = new Map(rows.map((row) => [row.id, row]));
    expect(
      items.every((item) => {
        const student = studentRows.get(item.studentId)!;
        return item.studentCampusId === student.campusId && item.studentCollegeId === student.collegeId && item.studentCategory === student.category;
      }),
    ).toBe(true);
    const queueCopies = { reviewScopeId: undefined, studentCampusId: undefined, studentCollegeId: undefined, studentCategory: undefined };
    expect(
      items
        .map((item) => ({ ...item, ...queueCopies, id: undefined, updatedAt: undefined, externalRef: undefined, observedAt: undefined, syncedAt: undefined }))
        .sort((a, b) => key(a).localeCompare(key(b))),
    ).toEqual(
      expected
        .map((row) => ({ ...row, ...queueCopies, id: undefined, updatedAt: undefined, externalRef: undefined, observedAt: undefined, syncedAt: undefined }))
        .sort((a, b) => key(a).localeCompare(key(b))),
    );
    expect(items.every((item) => /^[0-9a-f]{8}-[0-9a-f]{4}-7/.test(item.id))).toBe(true);

    const events = await db.prisma.clearanceEvent.findMany({ where: { studentId: { in: rows.map((r) => r.id) } }, orderBy: { seq: 'asc' } });
    const byId = new Map(items.map((item) => [item.id, item]));
    expect(events).toHaveLength(items.length);
    for (const event of events) {
      const item = byId.get(event.itemId!)!;
      expect(event).toMatchObject({
        templateId: item.templateId,
        studentId: item.studentId,
        cohortId,
        fromStatus: null,
        toStatus: item.status,
        reason: item.reason,
        source: item.source,
        createdAt: now,
      });
    }
    expect(events.every((event, i) => i === 0 || event.seq === events[i - 1]!.seq + 1n)).toBe(true);
    // The counters' triggers saw every item.
    const counted = await db.prisma.itemStatusCount.aggregate({ _sum: { count: true }, where: { cohortId } });
    expect(counted._sum.count).toBe(await db.prisma.clearanceItem.count({ where: { cohortId } }));
  });

  it('insertStudents and updateStudents store what Prisma would (UTC timestamps, nullable columns)', async () => {
    const [row] = await studentsFor('U');
    const before = Date.now();
    await insertStudents(db.prisma, [row!], new Date());
    const stored = await db.prisma.student.findUniqueOrThrow({ where: { id: row!.id } });
    expect(stored).toMatchObject({ number: row!.number, category: row!.category, dormitory: row!.dormitory, firstSupervisorId: null });
    expect(Math.abs(stored.createdAt.getTime() - before)).toBeLessThan(10_000);
    const supervisor = await db.prisma.reviewer.create({ data: { username: 'bulk-sup', name: '导师', roles: ['SUPERVISOR'] } });
    const later = new Date(before + 5_000);
    await updateStudents(db.prisma, [{ ...row!, name: '改名', dormitory: 'OFF_CAMPUS_CHECKED_OUT', firstSupervisorId: supervisor.id }], later);
    const updated = await db.prisma.student.findUniqueOrThrow({ where: { id: row!.id } });
    expect(updated).toMatchObject({ name: '改名', dormitory: 'OFF_CAMPUS_CHECKED_OUT', firstSupervisorId: supervisor.id, secondSupervisorId: null });
    expect(updated.updatedAt.getTime()).toBe(later.getTime());
  });

  it('uuidv7 is a version-7 UUID that sorts by time', () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    expect(a.replaceAll('-', '').slice(0, 12)).toBe((1_700_000_000_000).toString(16).padStart(12, '0'));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.js';
import { applyMigrations } from '../../db/migrate.js';
import { DORMITORY_STATES, STUDENT_CATEGORIES } from '../../domain/index.js';
import { installDefaultRuleSet } from '../../seed/demo.js';
import { BACKENDS, openTestDatabase } from '../../testing/databases.js';
import { loadCohortTemplates, type TemplateRow } from '../rules.js';
import { createSheets, type NewSheetStudent } from '../sheets.js';
import { insertSheets, insertStudents, updateStudents, uuidv7, type NewStudentRow } from './bulk.js';

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

async function sheetsOf(rows: NewStudentRow[]) {
  const sequence = new Map(templates.map((t) => [t.id, t.sequence]));
  const items = await db.prisma.clearanceItem.findMany({ where: { studentId: { in: rows.map((r) => r.id) } } });
  const events = await db.prisma.clearanceEvent.findMany({ where: { studentId: { in: rows.map((r) => r.id) } }, orderBy: { seq: 'asc' } });
  const position = new Map(rows.map((r, i) => [r.id, i]));
  // Everything but the keys that differ by construction (ids, timestamps the database stamps).
  const strip = <T extends Record<string, unknown>>(row: T, ...keys: string[]) =>
    Object.fromEntries(Object.entries(row).filter(([key]) => !keys.includes(key)));
  return {
    items: items
      .map((item) => ({ at: position.get(item.studentId)!, sequence: sequence.get(item.templateId)!, row: strip(item, 'id', 'studentId', 'createdAt', 'updatedAt') }))
      .sort((a, b) => a.at - b.at || a.sequence - b.sequence),
    events: events
      .map((event) => ({ at: position.get(event.studentId)!, row: strip(event, 'seq', 'itemId', 'studentId') }))
      .sort((a, b) => a.at - b.at || String(a.row.templateId).localeCompare(String(b.row.templateId))),
    seqs: events.map((e) => e.seq),
    linked: events.every((e) => items.some((i) => i.id === e.itemId && i.templateId === e.templateId)),
  };
}

const sheetStudents = (rows: NewStudentRow[], collegeCodes: Map<string, string>, campusCodes: Map<string, string>): NewSheetStudent[] =>
  rows.map((r) => ({
    id: r.id,
    cohortId: r.cohortId,
    facts: { category: r.category, collegeCode: collegeCodes.get(r.collegeId)!, campusCode: campusCodes.get(r.campusId)!, dormitory: r.dormitory, deferred: false },
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

  it('insertSheets writes exactly what createSheets writes', async () => {
    const collegeCodes = new Map((await db.prisma.college.findMany()).map((c) => [c.id, c.code]));
    const campusCodes = new Map((await db.prisma.campus.findMany()).map((c) => [c.id, c.code]));
    const now = new Date();
    const viaPrisma = await studentsFor('P');
    const viaBulk = await studentsFor('B');
    const [created, inserted] = await db.prisma.$transaction(async (tx) => {
      await insertStudents(tx, [...viaPrisma, ...viaBulk], now);
      return [
        await createSheets(tx, sheetStudents(viaPrisma, collegeCodes, campusCodes), templates, now),
        await insertSheets(tx, sheetStudents(viaBulk, collegeCodes, campusCodes), templates, now),
      ];
    });
    expect(inserted).toBe(created);
    expect(inserted).toBeGreaterThan(viaBulk.length * 5);
    const expected = await sheetsOf(viaPrisma);
    const actual = await sheetsOf(viaBulk);
    expect(actual.items).toEqual(expected.items);
    expect(actual.events).toEqual(expected.events);
    expect(actual.linked).toBe(true);
    // History sequence numbers: one contiguous block, after createSheets' block.
    expect(actual.seqs.every((seq, i) => i === 0 || seq === actual.seqs[i - 1]! + 1n)).toBe(true);
    expect(actual.seqs[0]! > expected.seqs.at(-1)!).toBe(true);
    // The counters' triggers saw both the same way.
    const counted = await db.prisma.itemStatusCount.aggregate({ _sum: { count: true }, where: { cohortId } });
    expect(counted._sum.count).toBe(created + inserted);
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

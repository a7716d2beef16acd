import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../testing/databases.js';
import { applyMigrations } from '../db/migrate.js';
import { useInitialPasswordKey } from '../auth/password.js';
import { TEST_PASSWORD_PEPPER } from '../testing/keys.js';
import { seedDemoData } from './demo.js';

const EQUIPMENT_EXEMPT = ['ARTS_COMMUNICATION', 'ECONOMICS_MANAGEMENT', 'FOREIGN_LANGUAGES', 'PHYSICAL_EDUCATION', 'MARXISM'];
const STATE_KEY_LAB_UNITS = ['EARTH_SCIENCES', 'EARTH_RESOURCES', 'MATERIALS_CHEMISTRY', 'GEMMOLOGY', 'STATE_KEY_LAB'];

describe('demo data', () => {
  let test: TestDatabase;
  let first: Awaited<ReturnType<typeof seedDemoData>>;
  beforeAll(async () => {
    test = await openTestDatabase('pglite');
    await applyMigrations(test.db.sql);
    useInitialPasswordKey(TEST_PASSWORD_PEPPER);
    first = await seedDemoData(test.db);
  });
  afterAll(async () => {
    await test?.drop();
  });

  it('covers every category, campus, dormitory case and the special colleges', async () => {
    const { prisma } = test.db;
    const students = await prisma.student.findMany({ include: { college: true, campus: true, deferrals: true } });
    expect(students.length).toBeGreaterThanOrEqual(300);
    expect(new Set(students.map((s) => s.category))).toEqual(new Set(['UNDERGRADUATE', 'POSTGRADUATE_DUAL', 'POSTGRADUATE_SINGLE']));
    expect(new Set(students.map((s) => s.campus.code))).toEqual(new Set(['NANWANGSHAN', 'FUTURE_CITY']));
    expect(new Set(students.map((s) => s.dormitory))).toEqual(new Set(['ON_CAMPUS', 'OFF_CAMPUS_CHECKED_OUT', 'OFF_CAMPUS_NOT_CHECKED_OUT']));
    const colleges = new Set(students.map((s) => s.college.code));
    for (const code of [...EQUIPMENT_EXEMPT, ...STATE_KEY_LAB_UNITS]) expect(colleges).toContain(code);
    const deferred = students.filter((s) => s.deferrals.length > 0);
    expect(deferred.length).toBeGreaterThanOrEqual(1);
    expect(deferred.length).toBeLessThanOrEqual(2);
    const postgraduates = students.filter((s) => s.category !== 'UNDERGRADUATE');
    expect(postgraduates.every((s) => s.firstSupervisorId)).toBe(true);
    expect(postgraduates.some((s) => s.secondSupervisorId)).toBe(true);
    expect(postgraduates.some((s) => !s.secondSupervisorId)).toBe(true);
  });

  it("keys the students' initial passwords with the initial-password key; staff passwords are scrypt", async () => {
    const credentials = await test.db.prisma.credential.findMany({ select: { passwordHash: true, mustChangePassword: true, studentId: true } });
    const students = credentials.filter((c) => c.studentId);
    expect(students.length).toBeGreaterThanOrEqual(300);
    expect(students.every((c) => c.mustChangePassword && c.passwordHash.startsWith('hmac-sha256$'))).toBe(true);
    expect(credentials.filter((c) => !c.studentId).every((c) => c.passwordHash.startsWith('scrypt$15$'))).toBe(true);
  });

  it('creates items by the rules for everyone but the deferred students', async () => {
    const { prisma } = test.db;
    const deferred = await prisma.student.findMany({ where: { deferrals: { some: {} } }, include: { items: true } });
    expect(deferred.every((s) => s.items.length === 0)).toBe(true);
    const ug = await prisma.student.findFirstOrThrow({
      where: { category: 'UNDERGRADUATE', dormitory: 'ON_CAMPUS', college: { code: 'COMPUTER_SCIENCE' }, deferrals: { none: {} } },
      include: { items: { include: { template: true } } },
    });
    expect(ug.items.filter((i) => i.status !== 'WAIVED')).toHaveLength(9);
    expect(ug.items.find((i) => i.template.code === 'ASSET')).toMatchObject({ status: 'APPROVED', source: 'POLICY' });
    const events = await prisma.clearanceEvent.count({ where: { studentId: ug.id } });
    expect(events).toBe(ug.items.length);
  });

  it('has reviewers for every department and each college, supervisors and an admin', async () => {
    const { prisma } = test.db;
    const staff = await prisma.reviewer.findMany({ include: { department: true, college: true } });
    const colleges = await prisma.college.count();
    expect(staff.filter((s) => s.roles.includes('UNIVERSITY_ADMIN'))).toHaveLength(1);
    expect(staff.filter((s) => s.department?.code === 'STUDENT_WORK_GROUP')).toHaveLength(colleges);
    expect(staff.filter((s) => s.department?.code === 'GRAD_SECRETARY_OFFICE')).toHaveLength(colleges);
    expect(staff.filter((s) => s.roles.includes('SUPERVISOR')).length).toBe(2 * colleges);
    const reviewedDepartments = new Set(staff.map((s) => s.department?.code));
    const templateDepartments = await prisma.department.findMany({ where: { templates: { some: { scope: { in: ['UNIVERSITY', 'CAMPUS', 'COLLEGE'] } } } } });
    for (const department of templateDepartments) expect(reviewedDepartments).toContain(department.code);
    expect(
      staff
        .filter((s) => s.department?.code === 'DORM_OFFICE')
        .map((s) => s.campusId)
        .filter(Boolean),
    ).toHaveLength(2);
  });

  it('prints logins once and loads nothing on the next start', async () => {
    expect(first?.logins.some((l) => l.username === 'admin')).toBe(true);
    const before = await test.db.prisma.student.count();
    expect(await seedDemoData(test.db)).toBeNull();
    expect(await test.db.prisma.student.count()).toBe(before);
  });
});

import { describe, expect, it } from 'vitest';
import { Prisma } from '../../generated/prisma/client.js';
import { BACKENDS, useDemoDatabase } from '../../testing/databases.js';
import { policyViewers } from '../../testing/policy-viewers.js';
import { adminScopeOf, canAdminister, collegeCondition, collegeOfRequest } from './admin-scope.js';

describe.each(BACKENDS)('admin scope policy on %s', (backend) => {
  const demo = useDemoDatabase(backend);

  it('university admins administer everything, college admins their college, nobody else anything', async () => {
    for (const { name, viewer } of await policyViewers(demo.db)) {
      const scope = adminScopeOf(viewer);
      const usableStaff = viewer?.kind === 'staff' && !viewer.mustChangePassword ? viewer : null;
      if (usableStaff?.roles.includes('UNIVERSITY_ADMIN')) expect(scope, name).toEqual({ collegeId: null });
      else if (usableStaff?.roles.includes('COLLEGE_ADMIN') && usableStaff.collegeId) expect(scope, name).toEqual({ collegeId: usableStaff.collegeId });
      else expect(scope, name).toBeNull();
      expect(canAdminister(viewer), name).toBe(scope?.collegeId === null);
    }
  });

  it("a request's college and its SQL condition select the students the scope allows", async () => {
    const students = await demo.db.prisma.student.findMany({ select: { id: true, collegeId: true } });
    const [own, other] = await demo.db.prisma.college.findMany({ where: { students: { some: {} } }, take: 2, orderBy: { code: 'asc' } });
    const cases = [
      { scope: { collegeId: null }, requested: null, expected: null },
      { scope: { collegeId: null }, requested: other!.id, expected: other!.id },
      { scope: { collegeId: own!.id }, requested: null, expected: own!.id },
      { scope: { collegeId: own!.id }, requested: own!.id, expected: own!.id },
      { scope: { collegeId: own!.id }, requested: other!.id, expected: false },
    ] as const;
    for (const { scope, requested, expected } of cases) {
      const collegeId = collegeOfRequest(scope, requested);
      expect(collegeId).toBe(expected);
      if (collegeId === false) continue;
      const bySql = await demo.db.prisma.$queryRaw<
        { id: string }[]
      >`SELECT s.id FROM "Student" s WHERE ${collegeCondition(collegeId, Prisma.sql`s."collegeId"`)}`;
      const byRule = students.filter((student) => collegeId === null || student.collegeId === collegeId);
      expect(new Set(bySql.map((row) => row.id))).toEqual(new Set(byRule.map((student) => student.id)));
      expect(byRule.length).toBeGreaterThan(0);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { BACKENDS, useDemoDatabase } from '../../testing/databases.js';
import { policyViewers } from '../../testing/policy-viewers.js';
import { canSeeStudent, STUDENT_SCOPE_SELECT, visibleStudentsWhere } from './student.js';

describe.each(BACKENDS)('student policy on %s', (backend) => {
  const demo = useDemoDatabase(backend);

  it('canSeeStudent and visibleStudentsWhere pick the same students for every viewer', async () => {
    const students = await demo.db.prisma.student.findMany({ select: STUDENT_SCOPE_SELECT });
    const seen = new Map<string, number>();
    for (const { name, viewer } of await policyViewers(demo.db)) {
      const byPredicate = students.filter((student) => canSeeStudent(viewer, student)).map((s) => s.id);
      const where = visibleStudentsWhere(viewer);
      const byWhere = where ? (await demo.db.prisma.student.findMany({ where, select: { id: true } })).map((s) => s.id) : [];
      expect(new Set(byWhere), name).toEqual(new Set(byPredicate));
      seen.set(name, byPredicate.length);
    }
    // The fixtures reach every branch: nobody, one student, a part of the university, all of it.
    const counts = [...seen.values()];
    expect(counts).toContain(0);
    expect(counts).toContain(1);
    expect(counts).toContain(students.length);
    expect(counts.some((n) => n > 1 && n < students.length)).toBe(true);
    expect(seen.get('admin before changing the password')).toBe(0);
    expect(seen.get('nobody')).toBe(0);
  });
});

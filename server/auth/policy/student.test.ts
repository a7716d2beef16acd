import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.js';
import { BACKENDS, openTestDatabase } from '../../testing/databases.js';
import { policyViewers } from '../../testing/policy-viewers.js';
import { canSeeStudent, STUDENT_SCOPE_SELECT, visibleStudentsWhere } from './student.js';

describe.each(BACKENDS)('student policy on %s', (backend) => {
  let db: Database;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ db, drop } = await openTestDatabase(backend, 'demo'));
  });
  afterAll(async () => {
    await drop?.();
  });

  it('canSeeStudent and visibleStudentsWhere pick the same students for every viewer', async () => {
    const students = await db.prisma.student.findMany({ select: STUDENT_SCOPE_SELECT });
    const seen = new Map<string, number>();
    for (const { name, viewer } of await policyViewers(db)) {
      const byPredicate = students.filter((student) => canSeeStudent(viewer, student)).map((s) => s.id);
      const where = visibleStudentsWhere(viewer);
      const byWhere = where ? (await db.prisma.student.findMany({ where, select: { id: true } })).map((s) => s.id) : [];
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

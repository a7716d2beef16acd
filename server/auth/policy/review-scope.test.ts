import { describe, expect, it } from 'vitest';
import { Prisma } from '../../generated/prisma/client.js';
import { BACKENDS, useDemoDatabase } from '../../testing/databases.js';
import { policyViewers } from '../../testing/policy-viewers.js';
import { canReview, REVIEW_SCOPE_SELECT, reviewQueueStreams } from './review-scope.js';

describe.each(BACKENDS)('review scope policy on %s', (backend) => {
  const demo = useDemoDatabase(backend);

  const loadItems = () => demo.db.prisma.clearanceItem.findMany({ select: { id: true, studentId: true, ...REVIEW_SCOPE_SELECT } });
  const reviewable = (item: Awaited<ReturnType<typeof loadItems>>[number]) => ({ ...item.template, student: item.student });

  it("canReview and the review queue's streams pick the same items for every staff account but the university admin", async () => {
    const items = await loadItems();
    const seen = new Map<string, number>();
    for (const { name, viewer } of await policyViewers(demo.db)) {
      if (viewer?.kind !== 'staff' || viewer.mustChangePassword) continue;
      const streams = reviewQueueStreams(viewer, Prisma.sql`TRUE`);
      if (viewer.roles.includes('UNIVERSITY_ADMIN')) {
        expect(streams, `${name}: whole cohorts`).toBeNull();
        continue;
      }
      const bySql = (
        await demo.db.prisma.$queryRaw<{ id: string }[]>`
          WITH streams AS (${streams!})
          SELECT i.id FROM "ClearanceItem" i JOIN streams st ON i."templateId" = st."templateId" AND i."reviewScopeId" = st."scopeId"`
      ).map((row) => row.id);
      const byPredicate = items.filter((item) => canReview(viewer, reviewable(item))).map((item) => item.id);
      expect(new Set(bySql), name).toEqual(new Set(byPredicate));
      seen.set(name, byPredicate.length);
    }
    expect([...seen.values()]).toContain(0);
    expect([...seen.values()].filter((n) => n > 0).length).toBeGreaterThan(5);
  });

  it('the template condition narrows the streams to its templates', async () => {
    const department = (await policyViewers(demo.db)).find(({ viewer }) => viewer?.kind === 'staff' && viewer.roles.includes('DEPARTMENT_REVIEWER'))!.viewer;
    if (department?.kind !== 'staff') throw new Error('no department reviewer in the demo data');
    const [some, none] = await Promise.all(
      [Prisma.sql`TRUE`, Prisma.sql`FALSE`].map((condition) => demo.db.prisma.$queryRaw<unknown[]>`${reviewQueueStreams(department, condition)!}`),
    );
    expect(some!.length).toBeGreaterThan(0);
    expect(none).toEqual([]);
  });

  it('a student reviews exactly their own survey (SELF) items; nobody else reviews them', async () => {
    const items = await loadItems();
    for (const { name, viewer } of await policyViewers(demo.db)) {
      const own = items.filter((item) => canReview(viewer, reviewable(item)));
      if (viewer?.kind === 'student') {
        expect(own.length, name).toBeGreaterThan(0);
        expect(
          own.every((item) => item.template.scope === 'SELF' && item.studentId === viewer.studentId),
          name,
        ).toBe(true);
      } else {
        expect(
          own.some((item) => item.template.scope === 'SELF'),
          name,
        ).toBe(false);
      }
    }
  });
});

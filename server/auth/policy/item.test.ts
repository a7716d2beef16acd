import { describe, expect, it } from 'vitest';
import { BACKENDS, useDemoDatabase } from '../../testing/databases.js';
import { policyViewers } from '../../testing/policy-viewers.js';
import { canSeeItem, ITEM_VISIBILITY_INCLUDE } from './item.js';
import { visibleStudentsWhere } from './student.js';

describe.each(BACKENDS)('item visibility policy on %s', (backend) => {
  const demo = useDemoDatabase(backend);

  it('an item loaded with ITEM_VISIBILITY_INCLUDE is visible exactly to the viewers whose student filter lists it', async () => {
    const items = await demo.db.prisma.clearanceItem.findMany({ include: ITEM_VISIBILITY_INCLUDE });
    for (const { name, viewer } of await policyViewers(demo.db)) {
      const students = visibleStudentsWhere(viewer);
      const byWhere = students ? (await demo.db.prisma.clearanceItem.findMany({ where: { student: students }, select: { id: true } })).map((i) => i.id) : [];
      const byPredicate = items.filter((item) => canSeeItem(viewer, item)).map((item) => item.id);
      expect(new Set(byWhere), name).toEqual(new Set(byPredicate));
    }
  });
});

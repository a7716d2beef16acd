import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.js';
import { BACKENDS, openTestDatabase } from '../../testing/databases.js';
import { policyViewers } from '../../testing/policy-viewers.js';
import { canSeeItem, ITEM_VISIBILITY_INCLUDE } from './item.js';
import { visibleStudentsWhere } from './student.js';

describe.each(BACKENDS)('item visibility policy on %s', (backend) => {
  let db: Database;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ db, drop } = await openTestDatabase(backend, 'demo'));
  });
  afterAll(async () => {
    await drop?.();
  });

  it('an item loaded with ITEM_VISIBILITY_INCLUDE is visible exactly to the viewers whose student filter lists it', async () => {
    const items = await db.prisma.clearanceItem.findMany({ include: ITEM_VISIBILITY_INCLUDE });
    for (const { name, viewer } of await policyViewers(db)) {
      const students = visibleStudentsWhere(viewer);
      const byWhere = students ? (await db.prisma.clearanceItem.findMany({ where: { student: students }, select: { id: true } })).map((i) => i.id) : [];
      const byPredicate = items.filter((item) => canSeeItem(viewer, item)).map((item) => item.id);
      expect(new Set(byWhere), name).toEqual(new Set(byPredicate));
    }
  });
});

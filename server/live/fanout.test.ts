import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type clients, countStatements, findStudents, itemOf, openDemoServer, ref } from '../testing/demo.js';
import { databaseId } from '../testing/ids.js';
import type { TestServer } from '../testing/server.js';
import { APPROVE } from '../testing/documents.js';
import { follow, socketClient, streamsOpened, type Followed } from '../testing/live.js';
import { success } from '../testing/request.js';
import { waitFor } from '../testing/wait.js';
import { graphql } from '../testing/generated/index.js';

const SHEET = graphql(`
  subscription FanoutSheet {
    myClearanceUpdated { seq item { id code status version } progress { approved required cleared } }
  }
`);

/**
 * Payloads are built once per event: many students each watching their own sheet
 * (item + progress) cost the batch at most a few statements in all, not a few per subscriber.
 */
describe('one batch fanned out to many sheet subscribers', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  const sockets: Client[] = [];
  beforeAll(async () => ({ server, api } = await openDemoServer()));
  afterAll(async () => {
    for (const client of sockets) await client.dispose();
    await server?.close();
  });

  it('adds at most 3 statements for 40 subscribers, and each gets its own item and progress', async () => {
    const students = await findStudents(server, { category: 'UNDERGRADUATE' }, 80, 40);
    const watched = students.slice(0, 40);
    const unwatched = students.slice(40);
    await server.db.prisma.student.updateMany({ where: { id: { in: watched.map((s) => s.id) } }, data: { surveyCompletedAt: new Date() } });
    const follows: Followed[] = [];
    const opened = streamsOpened(server, watched.length);
    for (const student of watched) {
      const client = socketClient(server, await api.student(student.number));
      sockets.push(client);
      follows.push(follow(client, SHEET));
    }
    await opened;
    const library = await api.staff('library');
    const batch = async (group: typeof students) => {
      const items = await Promise.all(group.map((student) => itemOf(server, student.number, 'LIBRARY')));
      return items.filter((item) => item.status === 'PENDING');
    };

    const alone = await batch(unwatched);
    const without = await countStatements(server, async () => {
      const answer = await api.as(library, APPROVE, { items: alone.map(ref) });
      expect(success(answer.data?.approveItems).approved).toBe(alone.length);
    });

    const mine = await batch(watched);
    expect(mine.length).toBeGreaterThan(30);
    const watchedIds = new Set(mine.map((item) => item.id));
    const withSubscribers = await countStatements(server, async () => {
      const answer = await api.as(library, APPROVE, { items: mine.map(ref) });
      expect(success(answer.data?.approveItems).approved).toBe(mine.length);
      // Each event's item is read before it is sent: once every subscriber has its event, the reads are counted.
      await waitFor(() => follows.filter((f) => f.events.some((e) => watchedIds.has(e.data?.myClearanceUpdated.item.id))).length === mine.length, 10_000);
    });
    // Per-batch work scales with the batch, not with subscribers: compare like with like (both batches have ~40 items).
    const extra = withSubscribers.statements!.length - without.statements!.length;
    expect(extra, JSON.stringify(withSubscribers.statements!.slice(-5))).toBeLessThanOrEqual(3);

    for (const followed of follows) {
      const update = followed.events.find((e) => watchedIds.has(e.data?.myClearanceUpdated.item.id))?.data.myClearanceUpdated;
      if (!update) continue;
      expect(update.item).toMatchObject({ code: 'LIBRARY', status: 'APPROVED' });
      const row = await server.db.prisma.clearanceItem.findUniqueOrThrow({
        where: { id: databaseId(update.item.id) },
        include: { student: { include: { items: true } } },
      });
      const current = row.student.items.filter((item) => item.cohortId === row.student.cohortId);
      expect(update.progress.approved).toBe(current.filter((item) => item.status === 'APPROVED').length);
      expect(update.progress.required).toBe(current.filter((item) => item.status !== 'WAIVED').length);
    }
  }, 120_000);
});

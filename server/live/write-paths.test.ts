import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type clients, findStudents, itemOf, openDemoServer } from '../testing/demo.js';
import { globalId } from '../testing/ids.js';
import type { TestServer } from '../testing/server.js';
import { follow, importGraduates, socketClient, streamsOpened, type Followed } from '../testing/live.js';
import { waitFor } from '../testing/wait.js';
import { graphql } from '../testing/generated/index.js';
import { success } from '../testing/request.js';

const STATS = graphql(`
  subscription WritePathsStats {
    cohortStatsUpdated(year: 2020) { graduates items { template { code } waived } }
  }
`);
const QUEUE = graphql(`
  subscription WritePathsQueue {
    reviewQueueChanged(cohortYear: 2020) { seq itemId removed item { code status student { number } } }
  }
`);
const CHANGES = graphql(`
  query WritePathsChanges($cursor: String) {
    changesSince(cursor: $cursor, first: 500) {
      cursor
      changes { seq removed fromStatus toStatus reason item { id } template { code } student { number } }
    }
  }
`);
const DEFER = graphql(`
  mutation WritePathsDefer($id: ID!, $reason: String!) {
    deferStudent(studentId: $id, reason: $reason, fromCohortYear: 2020) {
      __typename
      ... on Error { code }
    }
  }
`);
const WAIVE = graphql(`
  mutation WritePathsWaive($id: ID!, $v: Int!) {
    waiveItem(id: $id, expectedVersion: $v, reason: "学院核准免办") {
      __typename
      ... on MutationWaiveItemSuccess { data { status version } }
      ... on Error { code }
    }
  }
`);
const UNWAIVE = graphql(`
  mutation WritePathsUnwaive($id: ID!, $v: Int!) {
    unwaiveItem(id: $id, expectedVersion: $v) {
      __typename
      ... on MutationUnwaiveItemSuccess { data { status version } }
      ... on Error { code }
    }
  }
`);

/** Every write path publishes after its commit: imports, deferrals and waivers reach dashboards and queues. */
describe('live updates from imports, deferrals and waivers', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  let stats: Followed;
  let queue: Followed;
  const sockets: Client[] = [];
  const latest = () => stats.events.at(-1)!.data.cohortStatsUpdated;
  const waivedLibrary = () => latest().items.find((i: any) => i.template.code === 'LIBRARY').waived as number;

  beforeAll(async () => {
    ({ server, api } = await openDemoServer());
    const admin = socketClient(server, await api.staff('admin'));
    const library = socketClient(server, await api.staff('library'));
    sockets.push(admin, library);
    const opened = streamsOpened(server, 2);
    stats = follow(admin, STATS);
    queue = follow(library, QUEUE);
    await opened;
    await waitFor(() => stats.events[0]);
  });
  afterAll(async () => {
    for (const client of sockets) await client.dispose();
    await server?.close();
  });

  it("an import reaches the dashboard and the library queue with the new students' items", async () => {
    const before = latest().graduates as number;
    await importGraduates(server, await api.staff('admin'), 5, 'L');
    await waitFor(() => latest().graduates === before + 5, 4000);
    const numbers = new Set((await server.db.prisma.student.findMany({ where: { number: { startsWith: 'L' } } })).map((s) => s.number));
    const arrived = await waitFor(() => {
      const mine = queue.events.filter((e) => numbers.has(e.data?.reviewQueueChanged.item?.student.number));
      return mine.length >= 5 ? mine : undefined;
    });
    expect(arrived.every((e) => e.data.reviewQueueChanged.item.code === 'LIBRARY')).toBe(true);
  });

  it('a deferral reaches the dashboard, and its removed items the library queue and changesSince', async () => {
    const admin = await api.staff('admin');
    const before = latest().graduates as number;
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'MATHEMATICS_PHYSICS' }, 1, 10);
    const library = await itemOf(server, student!.number, 'LIBRARY');
    expect(['LOCKED', 'PENDING']).toContain(library.status);
    const undecided = await server.db.prisma.clearanceItem.count({ where: { studentId: student!.id, status: { in: ['LOCKED', 'PENDING'] } } });
    const watermark = (await server.db.prisma.clearanceEvent.aggregate({ _max: { seq: true } }))._max.seq!.toString();

    const answer = await api.as(admin, DEFER, { id: globalId('Student', student!.id), reason: '延期毕业' });
    expect(answer.data?.deferStudent.__typename).toBe('MutationDeferStudentSuccess');
    await waitFor(() => latest().graduates === before - 1, 4000);

    // The reviewer's live queue learns the item is gone (no item to read any more).
    const removal = await waitFor(() => queue.events.find((e) => e.data?.reviewQueueChanged.itemId === library.id));
    expect(removal.errors).toBeUndefined();
    expect(removal.data.reviewQueueChanged).toMatchObject({ removed: true, item: null });

    // Catching up over HTTP finds one event per removed item, with no item.
    const page = await api.as(admin, CHANGES, { cursor: watermark });
    const removed = page.data!.changesSince.changes.filter((change) => change.student.number === student!.number);
    expect(removed).toHaveLength(undecided);
    for (const change of removed) {
      expect(change).toMatchObject({ removed: true, item: null, reason: '延期毕业' });
      expect(change.toStatus).toBe(change.fromStatus);
    }
    expect(removed.find((change) => change.template.code === 'LIBRARY')).toMatchObject({ toStatus: library.status });
    expect(removal.data.reviewQueueChanged.seq).toBe(removed.find((change) => change.template.code === 'LIBRARY')?.seq);
  });

  it('waive and unwaive reach the dashboard and the queue; the audit row commits with the decision or not at all', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'EARTH_SCIENCES' }, 1, 5);
    const item = await itemOf(server, student!.number, 'LIBRARY');
    const waivedBefore = waivedLibrary();
    const audits = () => server.db.prisma.adminAction.count({ where: { kind: { in: ['WAIVE_ITEM', 'UNWAIVE_ITEM'] } } });
    const auditsBefore = await audits();

    // The audit insert fails: the waiver must not stay without it.
    await server.db.sql.exec(`
      CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit store full (simulated)'; END $$;
      CREATE TRIGGER refuse_audit BEFORE INSERT ON "AdminAction" FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit();`);
    try {
      const failed = await api.as(await api.staff('admin'), WAIVE, { id: item.id, v: item.version });
      const refused = failed.data?.waiveItem;
      expect(failed.errors?.[0]?.extensions?.code ?? (refused && 'code' in refused ? refused.code : undefined)).toBeTruthy();
    } finally {
      await server.db.sql.exec('DROP TRIGGER refuse_audit ON "AdminAction"; DROP FUNCTION refuse_audit();');
    }
    expect((await itemOf(server, student!.number, 'LIBRARY')).status).toBe(item.status);
    expect(await audits()).toBe(auditsBefore);

    const waived = success((await api.as(await api.staff('admin'), WAIVE, { id: item.id, v: item.version })).data?.waiveItem);
    expect(waived.status).toBe('WAIVED');
    await waitFor(() =>
      queue.events.some((e) => e.data?.reviewQueueChanged.item?.student.number === student!.number && e.data.reviewQueueChanged.item?.status === 'WAIVED'),
    );
    await waitFor(() => waivedLibrary() === waivedBefore + 1, 4000);
    const unwaived = success((await api.as(await api.staff('admin'), UNWAIVE, { id: item.id, v: waived.version })).data?.unwaiveItem);
    expect(unwaived.status).toBe('PENDING');
    await waitFor(() =>
      queue.events.some((e) => e.data?.reviewQueueChanged.item?.student.number === student!.number && e.data.reviewQueueChanged.item?.status === 'PENDING'),
    );
    await waitFor(() => waivedLibrary() === waivedBefore, 4000);
    expect(await audits()).toBe(auditsBefore + 2);
  });
});

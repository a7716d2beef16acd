import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVE, CHANGES } from '../../testing/documents.js';
import { follow, openSecondServer, pendingItems, socketClient, type Followed } from '../../testing/live.js';
import { success } from '../../testing/request.js';
import { waitFor } from '../../testing/wait.js';
import { TEST_DATABASE_URL, type Backend } from '../../testing/databases.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { clients, findStudents, itemOf, ref } from '../../testing/demo.js';
import { globalId } from '../../testing/ids.js';
import { graphql } from '../../testing/generated/index.js';

/**
 * Subscriptions with `since`: the changes after it in the subscription's scope first,
 * then live, without gap or duplicate, also when decisions commit while it starts.
 */
const REDIS = process.env.TEST_REDIS_URL;
/** Small enough that one batch of decisions is more than a replay may hold. */
const REPLAY_LIMIT = 50;
const SETUPS: { name: string; backend: Backend; env: Record<string, string>; remote: boolean }[] = [
  { name: 'PGlite', backend: 'pglite', env: { LIVE_BUFFER_EVENTS: String(REPLAY_LIMIT) }, remote: false },
  ...(TEST_DATABASE_URL && REDIS
    ? [
        {
          name: 'PostgreSQL + Redis, subscribers on another server',
          backend: 'postgres' as const,
          env: { LIVE_BUFFER_EVENTS: String(REPLAY_LIMIT), REDIS_URL: REDIS },
          remote: true,
        },
      ]
    : []),
];

const WATERMARK = graphql(`
  query SinceWatermark {
    liveWatermark
  }
`);
const QUEUE = graphql(`
  subscription SinceReviewQueue($since: String) {
    reviewQueueChanged(cohortYear: 2020, since: $since) { seq item { id code status } }
  }
`);
const MINE = graphql(`
  subscription SinceMyClearance($since: String) {
    myClearanceUpdated(since: $since) { seq item { id code status student { number } } progress { approved } }
  }
`);
const STUDENT = graphql(`
  subscription SinceStudentItems($id: ID!, $since: String) {
    clearanceItemUpdated(studentId: $id, since: $since) { seq item { id student { number } } }
  }
`);

const updates = (followed: Followed, field: string) => followed.events.filter((event) => event.data?.[field]).map((event) => event.data[field]);
const seqsOf = (list: { seq: string }[]) => list.map((update) => BigInt(update.seq));
const strictlyIncreasing = (seqs: bigint[]) => seqs.every((seq, index) => index === 0 || seq > seqs[index - 1]!);

describe.each(SETUPS)('subscriptions from a seq ($name)', ({ backend, env, remote }) => {
  let server: TestServer;
  let subscribeTo: { wsUrl: string; close(): Promise<void> } | null = null;
  let api: ReturnType<typeof clients>;
  const sockets: Client[] = [];
  const socket = (token: string) => {
    const client = socketClient(subscribeTo ?? server, token);
    sockets.push(client);
    return client;
  };
  const watermark = async (token: string) => (await api.as(token, WATERMARK)).data!.liveWatermark;

  beforeAll(async () => {
    server = await startTestServer({ backend, demo: true, env });
    if (remote) subscribeTo = await openSecondServer(server, env);
    api = clients(server);
  }, 120_000);
  afterAll(async () => {
    for (const client of sockets) await client.dispose();
    await subscribeTo?.close();
    await server?.close();
  });

  it("replays what changed after `since` in the reviewer's queue, oldest first, then goes on live", async () => {
    const library = await api.staff('library');
    const since = await watermark(library);
    const before = await pendingItems(server, 'LIBRARY', 3);
    await api.as(library, APPROVE, { items: before.map((item) => item.ref) });
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'ENVIRONMENTAL_STUDIES' }, 1, 2);
    // Another department's decision: not in the library's queue, so not replayed either.
    await api.as(await api.staff('finance'), APPROVE, { items: [ref(await itemOf(server, student!.number, 'FINANCE'))] });

    const queue = follow(socket(library), QUEUE, { since });
    await waitFor(() => updates(queue, 'reviewQueueChanged').length >= 3);
    const later = await pendingItems(server, 'LIBRARY', 1);
    await api.as(library, APPROVE, { items: later.map((item) => item.ref) });
    await waitFor(() => updates(queue, 'reviewQueueChanged').length >= 4);
    queue.stop();

    const received = updates(queue, 'reviewQueueChanged');
    expect(new Set(received.slice(0, 3).map((update) => update.item.id))).toEqual(new Set(before.map((item) => item.ref.id)));
    expect(received[3].item.id).toBe(later[0]!.ref.id);
    expect(received.every((update) => update.item.code === 'LIBRARY' && update.item.status === 'APPROVED')).toBe(true);
    expect(seqsOf(received).every((seq) => seq > BigInt(since))).toBe(true);
    expect(strictlyIncreasing(seqsOf(received))).toBe(true);
    expect(queue.events.every((event) => event.errors === undefined)).toBe(true);
  });

  it("replays a student only their own changes, each with the sheet's progress as it is now", async () => {
    const [student, classmate] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'FOREIGN_LANGUAGES' }, 2, 5);
    await server.db.prisma.student.updateMany({ where: { id: { in: [student!.id, classmate!.id] } }, data: { surveyCompletedAt: new Date() } });
    const token = await api.student(student!.number);
    const since = await watermark(token);
    const ownLibrary = await itemOf(server, student!.number, 'LIBRARY');
    const ownFinance = await itemOf(server, student!.number, 'FINANCE');
    await api.as(await api.staff('library'), APPROVE, { items: [ref(ownLibrary), ref(await itemOf(server, classmate!.number, 'LIBRARY'))] });
    await api.as(await api.staff('finance'), APPROVE, { items: [ref(await itemOf(server, classmate!.number, 'FINANCE')), ref(ownFinance)] });

    const mine = follow(socket(token), MINE, { since });
    const followedByStaff = follow(socket(await api.staff('xgz-foreign-languages')), STUDENT, { id: globalId('Student', student!.id), since });
    await waitFor(() => updates(mine, 'myClearanceUpdated').length >= 2 && updates(followedByStaff, 'clearanceItemUpdated').length >= 2);
    mine.stop();
    followedByStaff.stop();

    const received = updates(mine, 'myClearanceUpdated');
    expect(received.map((update) => [update.item.id, update.item.student.number])).toEqual([
      [ownLibrary.id, student!.number],
      [ownFinance.id, student!.number],
    ]);
    const approvedNow = await server.db.prisma.clearanceItem.count({ where: { studentId: student!.id, cohortId: student!.cohortId, status: 'APPROVED' } });
    expect(received.map((update) => update.progress.approved)).toEqual([approvedNow, approvedNow]);
    expect(updates(followedByStaff, 'clearanceItemUpdated').map((update) => update.item)).toEqual([
      { id: ownLibrary.id, student: { number: student!.number } },
      { id: ownFinance.id, student: { number: student!.number } },
    ]);
    expect(updates(followedByStaff, 'clearanceItemUpdated').map((update) => update.seq)).toEqual(received.map((update) => update.seq));
  });

  it('delivers every decision of a concurrent burst exactly once, in seq order, to subscriptions started during it', async () => {
    const library = await api.staff('library');
    const since = await watermark(library);
    const batches = 8;
    const items = await pendingItems(server, 'LIBRARY', batches * 4);
    const expected = new Set(items.map((item) => item.ref.id));
    const followers: Followed[] = [follow(socket(library), QUEUE, { since })];
    // Decisions commit while subscriptions start: some of each's events are replayed, the rest live, some both ways at once.
    const decisions = Array.from({ length: batches }, (_, batch) =>
      api.as(library, APPROVE, { items: items.slice(batch * 4, batch * 4 + 4).map((item) => item.ref) }).then((answer) => {
        if (followers.length < 4) followers.push(follow(socket(library), QUEUE, { since }));
        return answer;
      }),
    );
    const answers = await Promise.all(decisions);
    expect(answers.reduce((sum, answer) => sum + success(answer.data?.approveItems).approved, 0)).toBe(expected.size);
    for (const followed of followers) {
      await waitFor(() => updates(followed, 'reviewQueueChanged').length >= expected.size, 10_000);
    }
    // Anything late would have arrived by a later decision's event.
    const marker = await pendingItems(server, 'LIBRARY', 1);
    await api.as(library, APPROVE, { items: marker.map((item) => item.ref) });
    for (const followed of followers) {
      await waitFor(() => updates(followed, 'reviewQueueChanged').some((update) => update.item.id === marker[0]!.ref.id));
      followed.stop();
      const received = updates(followed, 'reviewQueueChanged');
      expect(received).toHaveLength(expected.size + 1);
      expect(new Set(received.slice(0, -1).map((update) => update.item.id))).toEqual(expected);
      expect(strictlyIncreasing(seqsOf(received))).toBe(true);
    }
  });

  it('ends at once with RESYNC_REQUIRED from `since` when more changed than a replay holds; changesSince has them', async () => {
    const library = await api.staff('library');
    const since = await watermark(library);
    const items = await pendingItems(server, 'LIBRARY', REPLAY_LIMIT + 5);
    await api.as(library, APPROVE, { items: items.map((item) => item.ref) });
    const queue = follow(socket(library), QUEUE, { since });
    await waitFor(() => queue.completed() || queue.failure());
    expect(queue.events).toHaveLength(1);
    expect(queue.events[0]!.errors?.[0]?.extensions).toMatchObject({ code: 'RESYNC_REQUIRED', lastSeq: since });
    const page = await api.as(library, CHANGES, { cursor: since, first: 500 });
    expect(new Set(page.data!.changesSince.changes.map((change) => change.item?.id))).toEqual(new Set(items.map((item) => item.ref.id)));
  });

  it('refuses a `since` that is not a seq with INVALID_INPUT', async () => {
    const library = await api.staff('library');
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE' }, 1, 9);
    await server.db.prisma.student.update({ where: { id: student!.id }, data: { surveyCompletedAt: new Date() } });
    const cases: [string, (client: Client) => Followed][] = [
      [library, (client) => follow(client, QUEUE, { since: 'latest' })],
      [library, (client) => follow(client, STUDENT, { id: globalId('Student', student!.id), since: '-1' })],
      [await api.student(student!.number), (client) => follow(client, MINE, { since: '99999999999999999999' })],
    ];
    for (const [token, subscribe] of cases) {
      const refused = subscribe(socket(token));
      await waitFor(() => refused.events[0] ?? refused.failure());
      expect(JSON.stringify(refused.events[0]?.errors ?? refused.failure())).toContain('INVALID_INPUT');
    }
  });
});

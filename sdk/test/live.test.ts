import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { pendingItems } from '../../server/testing/live.js';
import { findStudents, itemOf } from '../../server/testing/demo.js';
import { startTestServer, type TestServer } from '../../server/testing/server.js';
import {
  createClient,
  LixiaoError,
  LiveWatermarkDocument,
  ReviewQueueChangedDocument,
  type LiveEvent,
  type LiveView,
  type LixiaoClient,
} from '../src/index.js';

const STAFF_PASSWORD = 'Lixiao@2020';
const STUDENT_PASSWORD = 'Graduate#2020';

/** Drains a live view in the background; `until` waits for a condition on what arrived. */
function drain<S, U>(view: LiveView<S, U>) {
  const events: LiveEvent<S, U>[] = [];
  let failure: unknown = null;
  let done = false;
  void (async () => {
    for await (const event of view) events.push(event);
    done = true;
  })().catch((error: unknown) => (failure = error));
  return {
    events,
    updates: () => events.flatMap((event) => (event.kind === 'update' ? [event.update] : [])),
    ended: () => done,
    async until(condition: () => boolean, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (failure) throw failure;
        if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(events).slice(0, 2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  };
}

const seqs = (updates: { seq: string }[]) => updates.map((update) => BigInt(update.seq));
const strictlyIncreasing = (list: bigint[]) => list.every((seq, index) => index === 0 || seq > list[index - 1]!);

describe('gapless live updates through the SDK', () => {
  let server: TestServer;
  const clients: LixiaoClient[] = [];
  const staff = async (username: string) => {
    const created = createClient({ url: server.url, webSocketImpl: WebSocket });
    clients.push(created);
    await created.login(username, STAFF_PASSWORD);
    return created;
  };
  const student = async (number: string) => {
    const row = await server.db.prisma.student.findUniqueOrThrow({ where: { number } });
    const { hashPassword } = await import('../../server/auth/password.js');
    await server.db.prisma.credential.update({
      where: { studentId: row.id },
      data: { passwordHash: await hashPassword(STUDENT_PASSWORD), mustChangePassword: false },
    });
    await server.db.prisma.student.update({ where: { id: row.id }, data: { surveyCompletedAt: new Date() } });
    const created = createClient({ url: server.url, webSocketImpl: WebSocket });
    clients.push(created);
    await created.login(number, STUDENT_PASSWORD);
    return created;
  };

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
  }, 120_000);
  afterAll(async () => {
    for (const created of clients) await created.dispose();
    await server?.close();
  });

  it('live.queue: approving right after it resolves, with no wait, delivers every event exactly once, in seq order', async () => {
    const library = await staff('library');
    const view = await library.live.queue({ cohortYear: 2020, status: ['PENDING'] }, { first: 10 });
    const items = await pendingItems(server, 'LIBRARY', 6);
    // No wait of any kind between the view and the decisions.
    const [first, second] = await Promise.all([
      library.approve(items.slice(0, 3).map((item) => item.ref)),
      library.approve(items.slice(3).map((item) => item.ref)),
    ]);
    expect(first.approved + second.approved).toBe(6);

    expect(view.snapshot.edges.length).toBe(10);
    const queue = drain(view);
    await queue.until(() => queue.updates().length >= 6);
    expect(queue.events[0]).toEqual({ kind: 'snapshot', snapshot: view.snapshot });
    const updates = queue.updates();
    expect(new Set(updates.map((update) => update.item?.id))).toEqual(new Set(items.map((item) => item.ref.id)));
    expect(updates).toHaveLength(6);
    expect(strictlyIncreasing(seqs(updates))).toBe(true);
    expect(updates.every((update) => update.item?.status === 'APPROVED')).toBe(true);
    await view.return();
    await queue.until(queue.ended);
  });

  it('live.sheet: the snapshot, then the decisions made right after it, once each and in order', async () => {
    const [row] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'ENVIRONMENTAL_STUDIES' }, 1, 3);
    const graduate = await student(row!.number);
    const view = await graduate.live.sheet();
    const library = view.snapshot.clearanceItems!.find((item) => item.code === 'LIBRARY')!;
    const finance = view.snapshot.clearanceItems!.find((item) => item.code === 'FINANCE')!;
    expect([library.status, finance.status]).toEqual(['PENDING', 'PENDING']);
    const [libraryReviewer, financeReviewer] = await Promise.all([staff('library'), staff('finance')]);
    await Promise.all([
      libraryReviewer.approve([{ id: library.id, expectedVersion: library.version }]),
      financeReviewer.approve([{ id: finance.id, expectedVersion: finance.version }]),
    ]);

    const sheet = drain(view);
    await sheet.until(() => sheet.updates().length >= 2);
    expect(sheet.events[0]!.kind).toBe('snapshot');
    const updates = sheet.updates();
    expect(updates.map((update) => update.item?.id).sort()).toEqual([library.id, finance.id].sort());
    expect(strictlyIncreasing(seqs(updates))).toBe(true);
    expect(updates.at(-1)!.progress.approved).toBe(view.snapshot.progress.approved + 2);
    await view.return();
  });

  it('subscribe with `since` replays the changes made before it, then goes on live; a signal ends it', async () => {
    const library = await staff('library');
    const { liveWatermark } = await library.request(LiveWatermarkDocument);
    const before = await pendingItems(server, 'LIBRARY', 2);
    await library.approve(before.map((item) => item.ref));
    const controller = new AbortController();
    const subscription = library.subscribe(ReviewQueueChangedDocument, { cohortYear: 2020 }, { since: liveWatermark, signal: controller.signal });
    const replayed = [(await subscription.next()).value, (await subscription.next()).value];
    expect(replayed.map((event) => event!.reviewQueueChanged.item?.id).sort()).toEqual(before.map((item) => item.ref.id).sort());
    const later = await pendingItems(server, 'LIBRARY', 1);
    await library.approve(later.map((item) => item.ref));
    const live = await subscription.next();
    expect(live.value!.reviewQueueChanged.item?.id).toBe(later[0]!.ref.id);
    expect(strictlyIncreasing(seqs([...replayed, live.value].map((event) => event!.reviewQueueChanged)))).toBe(true);
    expect(library.cursor).toBe(live.value!.reviewQueueChanged.seq);
    controller.abort();
    expect(await subscription.next()).toEqual({ done: true, value: undefined });
  });

  it('a plain subscribe starts from the server watermark: a decision committed right after the call is delivered', async () => {
    const library = await staff('library');
    const subscription = library.subscribe(ReviewQueueChangedDocument, { cohortYear: 2020 });
    const items = await pendingItems(server, 'LIBRARY', 1);
    const next = subscription.next();
    // Once the client has read its watermark (it does before subscribing), anything later reaches the subscription, registered or not.
    const deadline = Date.now() + 10_000;
    while (library.cursor === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await library.approve(items.map((item) => item.ref));
    expect((await next).value!.reviewQueueChanged.item?.id).toBe(items[0]!.ref.id);
    await subscription.return();
  });

  it('live.stats: the numbers now, then again after a decision', async () => {
    const admin = await staff('admin');
    const view = await admin.live.stats(2020);
    expect(view.snapshot).toEqual(await admin.cohortStats({ year: 2020 }));
    const libraryApproved = (stats: typeof view.snapshot) => stats.items.find((item) => item.template.code === 'LIBRARY')!.approved;
    const [row] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'FOREIGN_LANGUAGES' }, 1, 8);
    const item = await itemOf(server, row!.number, 'LIBRARY');
    await (await staff('library')).approve([{ id: item.id, expectedVersion: item.version }]);
    const stats = drain(view);
    await stats.until(() => stats.updates().some((update) => libraryApproved(update) === libraryApproved(view.snapshot) + 1));
    await view.return();
  });

  it('refuses a `since` that is not a seq with a typed INVALID_INPUT', async () => {
    const library = await staff('library');
    const subscription = library.subscribe(ReviewQueueChangedDocument, { cohortYear: 2020 }, { since: 'yesterday' });
    const failure = await subscription.next().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LixiaoError);
    expect((failure as LixiaoError).code).toBe('INVALID_INPUT');
  });
});

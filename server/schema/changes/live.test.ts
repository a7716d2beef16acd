import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, findStudents, itemOf, ref } from '../../testing/demo.js';
import { APPROVE, CHANGES, REJECT } from '../../testing/documents.js';
import { globalId } from '../../testing/ids.js';
import { follow, socketClient, streamsOpened } from '../../testing/live.js';
import { success } from '../../testing/request.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { waitFor } from '../../testing/wait.js';
import { graphql } from '../../testing/generated/index.js';

const STATS = graphql(`
  subscription LiveCohortStats {
    cohortStatsUpdated(year: 2020) { items { template { code } approved } }
  }
`);
const STUDENT_ITEMS = graphql(`
  subscription LiveStudentItems($id: ID!) {
    clearanceItemUpdated(studentId: $id) { seq item { code status } }
  }
`);
const STUDENT_SEQS = graphql(`
  subscription LiveStudentSeqs($id: ID!) {
    clearanceItemUpdated(studentId: $id) { seq }
  }
`);
const QUEUE = graphql(`
  subscription LiveReviewQueue {
    reviewQueueChanged(cohortYear: 2020) { item { code status student { number } } }
  }
`);

describe('live updates and catch-up', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  const sockets: Client[] = [];
  const socket = async (token: string) => {
    const client = socketClient(server, token);
    sockets.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    api = clients(server);
  });
  afterAll(async () => {
    for (const client of sockets) await client.dispose();
    await server?.close();
  });

  it('streams cohort statistics now, then at most once a second, ending on the latest numbers', async () => {
    const admin = await socket(await api.staff('admin'));
    const stats = follow(admin, STATS);
    const libraryApproved = (data: any) => data.cohortStatsUpdated.items.find((i: any) => i.template.code === 'LIBRARY').approved;
    const first = await waitFor(() => stats.events[0]);
    const before = libraryApproved(first.data);

    const library = await api.staff('library');
    const students = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'MATHEMATICS_PHYSICS' }, 6);
    for (const student of students) {
      const item = await itemOf(server, student.number, 'LIBRARY');
      const answer = await api.as(library, APPROVE, { items: [ref(item)] });
      expect(success(answer.data?.approveItems).approved).toBe(1);
    }
    // Coalesced, the last update may come up to a second after the last decision.
    await waitFor(() => libraryApproved(stats.events.at(-1)!.data) === before + students.length, 5000, 'an update with every decision');
    stats.stop();
    const updates = stats.events.slice(1);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    // At most one update per second of activity (six separate decisions would otherwise be six events).
    const seconds = (updates.at(-1)!.at - first.at) / 1000;
    expect(updates.length).toBeLessThanOrEqual(Math.floor(seconds) + 1);
    expect(updates.length).toBeLessThan(students.length);
    expect(libraryApproved(updates.at(-1)!.data)).toBe(before + students.length);
  });

  it('lets staff follow a student in their scope, and refuses one outside it', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'COMPUTER_SCIENCE' }, 1, 4);
    const [stranger] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'EARTH_SCIENCES' }, 1);
    const staff = await socket(await api.staff('xgz-computer-science'));
    const watching = streamsOpened(server);
    const watch = follow(staff, STUDENT_ITEMS, {
      id: globalId('Student', student!.id),
    });
    const refused = follow(staff, STUDENT_SEQS, { id: globalId('Student', stranger!.id) });
    await watching;
    const item = await itemOf(server, student!.number, 'LIBRARY');
    await api.as(await api.staff('library'), APPROVE, { items: [ref(item)] });
    const event = await waitFor(() => watch.events[0]);
    expect(event.data!.clearanceItemUpdated.item).toEqual({ code: 'LIBRARY', status: 'APPROVED' });
    expect(event.data!.clearanceItemUpdated.seq).toMatch(/^\d+$/);
    const failure = await waitFor(() => (refused.events[0]?.errors ?? refused.failure()) || undefined);
    expect(JSON.stringify(failure)).toContain('NOT_FOUND');
    watch.stop();
  });

  it('shows a reviewer the changes of items they review, and nothing else', async () => {
    const library = await socket(await api.staff('library'));
    const listening = streamsOpened(server);
    const queue = follow(library, QUEUE);
    await listening;
    const [student, marker] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'ENVIRONMENTAL_STUDIES' }, 2);
    await api.as(await api.staff('finance'), APPROVE, { items: [ref(await itemOf(server, student!.number, 'FINANCE'))] });
    await api.as(await api.staff('library'), APPROVE, { items: [ref(await itemOf(server, student!.number, 'LIBRARY'))] });
    // A later decision the reviewer does see: events arrive in commit order, so once it is here nothing earlier is still on its way.
    await api.as(await api.staff('library'), APPROVE, { items: [ref(await itemOf(server, marker!.number, 'LIBRARY'))] });
    await waitFor(() => queue.events.some((event) => event.data!.reviewQueueChanged.item!.student.number === marker!.number));
    expect(queue.events.map((event) => event.data!.reviewQueueChanged.item)).toEqual([
      { code: 'LIBRARY', status: 'APPROVED', student: { number: student!.number } },
      { code: 'LIBRARY', status: 'APPROVED', student: { number: marker!.number } },
    ]);
    queue.stop();
  });

  it("gives a student who was away exactly what they missed, in order, and nobody else's changes", async () => {
    const [student, other] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'FOREIGN_LANGUAGES' }, 2);
    const token = await api.student(student!.number);
    const gated = await api.as(token, CHANGES, { cursor: null });
    expect(gated.errors?.[0]?.extensions?.code).toBe('SURVEY_REQUIRED');
    await server.db.prisma.student.update({ where: { id: student!.id }, data: { surveyCompletedAt: new Date() } });

    const history = await api.as(token, CHANGES, { cursor: null, first: 500 });
    expect(history.errors).toBeUndefined();
    expect(history.data!.changesSince.hasMore).toBe(false);
    expect(history.data!.changesSince.changes.every((c) => c.student.number === student!.number)).toBe(true);
    const cursor = history.data!.changesSince.cursor;

    await api.as(await api.staff('library'), APPROVE, { items: [ref(await itemOf(server, student!.number, 'LIBRARY'))] });
    await api.as(await api.staff('finance'), APPROVE, { items: [ref(await itemOf(server, other!.number, 'FINANCE'))] });
    await api.as(await api.staff('finance'), REJECT, { items: [ref(await itemOf(server, student!.number, 'FINANCE'))], reason: '学费未缴清' });

    const missed = await api.as(token, CHANGES, { cursor });
    expect(missed.data!.changesSince.changes.map((c) => [c.template.code, c.fromStatus, c.toStatus, c.reason])).toEqual([
      ['LIBRARY', 'PENDING', 'APPROVED', null],
      ['FINANCE', 'PENDING', 'REJECTED', '学费未缴清'],
    ]);
    const seqs = missed.data!.changesSince.changes.map((c) => BigInt(c.seq));
    expect(seqs[0]! < seqs[1]!).toBe(true);
    const after = await api.as(token, CHANGES, { cursor: missed.data!.changesSince.cursor });
    expect(after.data!.changesSince.changes).toEqual([]);
    const bad = await api.as(token, CHANGES, { cursor: '1; DROP TABLE x' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
  });
});

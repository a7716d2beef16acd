import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashPassword, INITIAL_PASSWORD_COST, initialPasswordFromNationalId } from '../../server/auth/password.js';
import { findStudents, INTEGRATION_TOKEN } from '../../server/schema/review/testing.js';
import { startTestServer, type TestServer } from '../../server/testing/server.js';
import {
  createClient,
  LixiaoError,
  MyClearanceUpdatedDocument,
  MyNotificationsDocument,
  SubmitSurveyDocument,
  SurveyDocument,
  unwrap,
  ViewerDocument,
  type LixiaoClient,
  type MyClearanceUpdatedSubscription,
  type Session,
} from '../src/index.js';

const STAFF_PASSWORD = 'Lixiao@2020';
const NEW_PASSWORD = 'Graduate-2020!';
const ANSWERS = [
  { question: 'DESTINATION', choices: ['SIGNED_EMPLOYMENT'] },
  { question: 'JOB_RELEVANCE', choices: ['CLOSELY'] },
  { question: 'OVERALL_SATISFACTION', choices: ['SATISFIED'] },
  { question: 'MOST_HELPFUL', choices: ['FIELDWORK', 'RESEARCH'] },
  { question: 'SUGGESTIONS', text: '希望多开野外实习课程。' },
];

type Update = MyClearanceUpdatedSubscription['myClearanceUpdated'];

/** Gives a demo student a known national ID (as an import would) and returns the initial password. */
async function knownInitialPassword(server: TestServer, number: string, nationalId: string): Promise<string> {
  const student = await server.db.prisma.student.findUniqueOrThrow({ where: { number } });
  await server.db.prisma.credential.update({
    where: { studentId: student.id },
    data: { passwordHash: await hashPassword(initialPasswordFromNationalId(nationalId), INITIAL_PASSWORD_COST), mustChangePassword: true },
  });
  return initialPasswordFromNationalId(nationalId);
}

/** Collects a subscription's events in the background; `until` waits for one that matches. */
function collect(iterator: AsyncIterableIterator<{ myClearanceUpdated: Update }>) {
  const events: Update[] = [];
  let failure: unknown = null;
  void (async () => {
    for await (const event of iterator) events.push(event.myClearanceUpdated);
  })().catch((error: unknown) => (failure = error));
  return {
    events,
    async until(predicate: (event: Update) => boolean, timeoutMs = 15_000): Promise<Update> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (failure) throw failure;
        const found = events.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching event; got ${JSON.stringify(events)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

/** graphql-ws does not acknowledge a subscription: give the server a moment to register it. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

describe('the SDK against a real server', () => {
  let server: TestServer;
  /** Raw TCP sockets of every upgraded (WebSocket) connection, to cut them from the server's side. */
  const upgraded: Socket[] = [];
  const clients: LixiaoClient[] = [];
  const client = (options: Partial<Parameters<typeof createClient>[0]> = {}) => {
    const created = createClient({ url: server.url, webSocketImpl: WebSocket, ...options });
    clients.push(created);
    return created;
  };

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    server.app.http.on('upgrade', (_request, socket: Socket) => upgraded.push(socket));
  });
  afterAll(async () => {
    for (const created of clients) await created.dispose();
    await server?.close();
  });

  it('logs in a student and a reviewer, reads the sheet, approves a batch and delivers the update live, also after a lost socket', async () => {
    const [row] = await findStudents(server, { category: 'UNDERGRADUATE', dormitory: 'ON_CAMPUS' }, 1, 3);
    const number = row!.number;
    const initial = await knownInitialPassword(server, number, `42011119980101${number.slice(-3)}X`);

    // The student: first login, the forced password change, the survey, the sheet.
    const tokens: Session[] = [];
    const student = client({ locale: 'en', onTokens: (session) => void tokens.push(session) });
    const first = await student.login(number, initial);
    expect(first.mustChangePassword).toBe(true);
    const refused = await student.mySheet().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LixiaoError);
    expect((refused as LixiaoError).code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((refused as LixiaoError).message).toBe('Change your initial password before doing anything else.');
    const changed = await student.changePassword(initial, NEW_PASSWORD);
    expect(changed.mustChangePassword).toBe(false);
    expect(tokens.map((session) => session.accessToken)).toEqual([first.accessToken, changed.accessToken]);

    const sheetGate = await student.mySheet().catch((error: unknown) => error);
    expect((sheetGate as LixiaoError).code).toBe('SURVEY_REQUIRED');
    const { survey } = await student.request(SurveyDocument);
    expect(survey?.questions.map((question) => question.code)).toEqual(expect.arrayContaining(ANSWERS.map((answer) => answer.question)));
    const submitted = unwrap((await student.request(SubmitSurveyDocument, { answers: ANSWERS })).submitSurvey);
    expect(submitted.number).toBe(number);
    const again = (await student.request(SubmitSurveyDocument, { answers: ANSWERS })).submitSurvey;
    expect(again.__typename === 'DomainError' && again.code).toBe('SURVEY_ALREADY_SUBMITTED');
    expect(() => unwrap(again)).toThrow(LixiaoError);

    const sheet = await student.mySheet();
    expect(sheet.number).toBe(number);
    expect(sheet.deferral.deferred).toBe(false);
    const library = sheet.clearanceItems.find((item) => item.code === 'LIBRARY')!;
    const finance = sheet.clearanceItems.find((item) => item.code === 'FINANCE')!;
    expect(library.status).toBe('PENDING');
    expect(library.department.code).toBe('LIBRARY');
    expect(library.contact?.office).toBeTruthy();
    expect(library.history.length).toBeGreaterThan(0);
    expect(sheet.clearanceItems.find((item) => item.code === 'SURVEY')!.status).toBe('APPROVED');

    // Live updates: one socket, opened by the first subscription.
    const reconnects: number[] = [];
    student.onReconnected(() => reconnects.push(Date.now()));
    const live = collect(student.subscribe(MyClearanceUpdatedDocument));
    await settle();

    // The reviewer: their queue, a batch approval.
    const reviewer = client();
    await reviewer.login('library', STAFF_PASSWORD);
    const queue = await reviewer.reviewQueue({ filter: { search: number, status: ['PENDING'] } });
    const queued = queue.edges.map((edge) => edge.node).find((node) => node.id === library.id);
    expect(queued).toMatchObject({ code: 'LIBRARY', status: 'PENDING', decidable: true, version: library.version });
    const report = await reviewer.approve([{ id: library.id, expectedVersion: library.version }]);
    expect(report).toMatchObject({ approved: 1, failed: 0 });
    expect(report.outcomes[0]).toMatchObject({ id: library.id, ok: true, status: 'APPROVED' });
    const stale = await reviewer.approve([{ id: library.id, expectedVersion: library.version }]);
    expect(stale.failed).toBe(1);
    expect(stale.outcomes[0]!.error?.code).toMatch(/CONFLICT|ALREADY_IN_STATE/);

    const approved = await live.until((event) => event.item.id === library.id && event.item.status === 'APPROVED');
    expect(approved.progress.approved).toBeGreaterThanOrEqual(2);

    // Forced disconnect: the server side cuts every WebSocket's TCP connection.
    expect(upgraded.length).toBeGreaterThan(0);
    for (const socket of upgraded.splice(0)) socket.destroy();
    const deadline = Date.now() + 15_000;
    while (reconnects.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reconnects.length).toBe(1);
    await settle();

    // The subscription resumed on the new socket: a later decision arrives on the same iterator.
    const financeReviewer = client();
    await financeReviewer.login('finance', STAFF_PASSWORD);
    const financeReport = await financeReviewer.approve([{ id: finance.id, expectedVersion: finance.version }]);
    expect(financeReport.approved).toBe(1);
    await live.until((event) => event.item.id === finance.id && event.item.status === 'APPROVED');

    // Rejection with a reason, visible in the sheet.
    const after = await student.mySheet();
    const dorm = after.clearanceItems.find((item) => item.code === 'DORM')!;
    const dormReviewer = client({ locale: 'zh-CN' });
    await dormReviewer.login(`dorm-${row!.campus.code.toLowerCase().replaceAll('_', '-')}`, STAFF_PASSWORD);
    const rejected = await dormReviewer.reject([{ id: dorm.id, expectedVersion: dorm.version }], '钥匙未归还');
    expect(rejected.rejected).toBe(1);
    await live.until((event) => event.item.id === dorm.id && event.item.status === 'REJECTED');
    expect((await student.mySheet()).clearanceItems.find((item) => item.code === 'DORM')).toMatchObject({ status: 'REJECTED', reason: '钥匙未归还' });

    const notifications = await student.request(MyNotificationsDocument, { unreadOnly: false });
    expect(Array.isArray(notifications.myNotifications)).toBe(true);
  }, 120_000);

  it('reports GraphQL and domain failures as LixiaoError with their code', async () => {
    const anonymous = client({ locale: 'en' });
    const wrong = await anonymous.login('library', 'not-the-password').catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(LixiaoError);
    expect(wrong).toMatchObject({ code: 'INVALID_CREDENTIALS', message: 'Wrong account or password.' });

    const bad = client({ token: 'not-a-token' });
    const invalid = await bad.request(ViewerDocument).catch((error: unknown) => error);
    expect(invalid).toMatchObject({ code: 'TOKEN_INVALID' });
    expect((invalid as LixiaoError).response).toMatchObject({ errors: [expect.objectContaining({ message: expect.any(String) })] });

    const unreachable = createClient({ url: 'http://127.0.0.1:9/graphql' });
    const network = await unreachable.request(ViewerDocument).catch((error: unknown) => error);
    expect(network).toMatchObject({ code: 'NETWORK_ERROR', isServerError: true });
  });

  it('lets a department system sync with its API token and reads cohort statistics as an admin', async () => {
    const [row] = await findStudents(server, { category: 'UNDERGRADUATE' }, 1, 7);
    const system = client({ token: INTEGRATION_TOKEN });
    const viewer = await system.request(ViewerDocument);
    expect(viewer.viewer?.__typename === 'Reviewer' && viewer.viewer.department?.code).toBe('LIBRARY');
    const key = `sdk-test-${Date.now()}`;
    const results = [{ studentNumber: row!.number, status: 'APPROVED' as const, observedAt: new Date().toISOString(), externalRef: 'LIB-1' }];
    const report = await system.sync(key, results);
    expect(report).toMatchObject({ applied: 1, failed: 0, replayed: false });
    expect((await system.sync(key, results)).replayed).toBe(true);

    const admin = client();
    await admin.login('admin', STAFF_PASSWORD);
    const stats = await admin.cohortStats({ year: 2020 });
    expect(stats.cohort.year).toBe(2020);
    expect(stats.graduates).toBeGreaterThan(0);
    expect(stats.items.find((item) => item.template.code === 'LIBRARY')?.approved).toBeGreaterThan(0);
  });
});

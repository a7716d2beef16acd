import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashPassword, INITIAL_PASSWORD_COST, initialPasswordFromNationalId } from '../../server/auth/password.js';
import { findStudents, INTEGRATION_TOKEN, itemOf } from '../../server/testing/demo.js';
import { streamsOpened } from '../../server/testing/live.js';
import { startTestServer, type TestServer } from '../../server/testing/server.js';
import { waitFor } from '../../server/testing/wait.js';
import {
  ApplyRuleChangeDocument,
  CohortStatsUpdatedDocument,
  createClient,
  LixiaoError,
  MyClearanceUpdatedDocument,
  MyNotificationsDocument,
  ReviewQueueChangedDocument,
  PreviewRuleChangeDocument,
  SubmitSurveyDocument,
  SurveyDocument,
  unwrap,
  ViewerDocument,
  type LixiaoClient,
  type MissedChanges,
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
    until(predicate: (event: Update) => boolean, timeoutMs = 15_000): Promise<Update> {
      return waitFor(
        () => {
          if (failure) throw failure;
          return events.find(predicate);
        },
        timeoutMs,
        () => `a matching event; got ${JSON.stringify(events)}`,
      );
    },
  };
}

describe('the SDK against a real server', () => {
  let server: TestServer;
  /** Raw TCP sockets of every upgraded (WebSocket) connection, to cut them from the server's side. */
  const upgraded: Socket[] = [];
  /** While set, the server drops every WebSocket handshake: a client that lost its socket stays disconnected. */
  let refuseSockets = false;
  let refusedHandshakes = 0;
  const clients: LixiaoClient[] = [];
  const client = (options: Partial<Parameters<typeof createClient>[0]> = {}) => {
    const created = createClient({ url: server.url, webSocketImpl: WebSocket, ...options });
    clients.push(created);
    return created;
  };

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    server.app.http.prependListener('upgrade', (_request, socket: Socket) => {
      if (refuseSockets) {
        refusedHandshakes++;
        socket.destroy();
      } else upgraded.push(socket);
    });
  });
  afterAll(async () => {
    for (const created of clients) await created.dispose();
    await server?.close();
  });

  it('logs in a student and a reviewer, reads the sheet, approves a batch, delivers the update live and catches up after a forced disconnect', async () => {
    const [row, classmate] = await findStudents(server, { category: 'UNDERGRADUATE', dormitory: 'ON_CAMPUS' }, 2, 3);
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
    const library = sheet.clearanceItems!.find((item) => item.code === 'LIBRARY')!;
    const finance = sheet.clearanceItems!.find((item) => item.code === 'FINANCE')!;
    expect(library.status).toBe('PENDING');
    expect(library.department.code).toBe('LIBRARY');
    expect(library.contact?.office).toBeTruthy();
    expect(library.history.length).toBeGreaterThan(0);
    expect(sheet.clearanceItems!.find((item) => item.code === 'SURVEY')!.status).toBe('APPROVED');

    // Reading the sheet sets the catch-up cursor to its newest change.
    const newestInSheet = sheet.clearanceItems!.flatMap((item) => item.history.map((event) => BigInt(event.seq))).reduce((a, b) => (a > b ? a : b));
    expect(student.cursor).toBe(newestInSheet.toString());

    // Live updates: one socket, opened by the first subscription.
    const reconnects: MissedChanges[] = [];
    student.onReconnected((missed) => reconnects.push(missed));
    // From the sheet's newest change: whenever the server registers the subscription, nothing after the sheet is missed.
    const subscribed = streamsOpened(server);
    const live = collect(student.subscribe(MyClearanceUpdatedDocument, {}, { since: student.cursor! }));
    await subscribed;

    // The reviewer: their queue, a batch approval.
    const reviewer = client();
    await reviewer.login('library', STAFF_PASSWORD);
    const queue = await reviewer.reviewQueue({ filter: { search: number, status: ['PENDING'] } });
    const queued = queue.edges.map((edge) => edge.node).find((node) => node.id === library.id);
    expect(queued).toMatchObject({ code: 'LIBRARY', status: 'PENDING', decidable: true, version: library.version });
    const classmateLibrary = await itemOf(server, classmate!.number, 'LIBRARY');
    const report = await reviewer.approve([
      { id: library.id, expectedVersion: library.version },
      { id: classmateLibrary.id, expectedVersion: classmateLibrary.version },
    ]);
    expect(report).toMatchObject({ approved: 2, failed: 0 });
    expect(report.outcomes.map((outcome) => [outcome.id, outcome.ok, outcome.status])).toEqual([
      [library.id, true, 'APPROVED'],
      [classmateLibrary.id, true, 'APPROVED'],
    ]);
    const stale = await reviewer.approve([{ id: library.id, expectedVersion: library.version }]);
    expect(stale.failed).toBe(1);
    expect(stale.outcomes[0]!.error?.code).toMatch(/CONFLICT|ALREADY_IN_STATE/);

    const approved = await live.until((event) => event.item?.id === library.id && event.item?.status === 'APPROVED');
    expect(approved.progress.approved).toBeGreaterThanOrEqual(2);
    // Events carry their seq, and the client's cursor follows the newest one seen.
    const seen = live.events.map((event) => BigInt(event.seq)).reduce((a, b) => (a > b ? a : b));
    expect(BigInt(approved.seq)).toBeGreaterThan(newestInSheet);
    expect(student.cursor).toBe(seen.toString());

    // Forced disconnect: the server cuts every WebSocket's TCP connection and refuses new ones for a while.
    const financeReviewer = client();
    await financeReviewer.login('finance', STAFF_PASSWORD);
    expect(upgraded.length).toBeGreaterThan(0);
    refuseSockets = true;
    for (const socket of upgraded.splice(0)) socket.destroy();
    // A decision made while the student's socket is down: graphql-ws alone would not replay it.
    const financeReport = await financeReviewer.approve([{ id: finance.id, expectedVersion: finance.version }]);
    expect(financeReport.approved).toBe(1);
    const refusedBefore = refusedHandshakes;
    await waitFor(() => refusedHandshakes > refusedBefore, 20_000, 'the client to try again and be refused');
    expect(reconnects).toHaveLength(0);
    const resubscribed = streamsOpened(server);
    refuseSockets = false;

    await waitFor(() => reconnects.length > 0, 20_000, 'the client to reconnect and catch up');
    expect(reconnects).toHaveLength(1);
    const missed = reconnects[0]!;
    expect(missed.error).toBeNull();
    expect(missed.from).toBe(seen.toString());
    expect(missed.changes.map((change) => [change.item?.id, change.template.code, change.fromStatus, change.toStatus, change.student.number])).toContainEqual([
      finance.id,
      'FINANCE',
      'PENDING',
      'APPROVED',
      number,
    ]);
    expect(missed.changes.every((change) => BigInt(change.seq) > seen && change.student.number === number)).toBe(true);
    expect(missed.cursor).toBe(missed.changes.at(-1)!.seq);
    expect(student.cursor).toBe(missed.cursor);
    // The subscription resumed from the last seq it received: the server replayed the decision it missed, once.
    await live.until((event) => event.item?.id === finance.id && event.item?.status === 'APPROVED');
    expect(live.events.filter((event) => event.item?.id === finance.id)).toHaveLength(1);
    await resubscribed;

    // Rejection with a reason, visible in the sheet.
    const after = await student.mySheet();
    const dorm = after.clearanceItems!.find((item) => item.code === 'DORM')!;
    const dormReviewer = client({ locale: 'zh-CN' });
    await dormReviewer.login(`dorm-${row!.campus.code.toLowerCase().replaceAll('_', '-')}`, STAFF_PASSWORD);
    const rejected = await dormReviewer.reject([{ id: dorm.id, expectedVersion: dorm.version }], '钥匙未归还');
    expect(rejected.rejected).toBe(1);
    // The subscription resumed on the new socket: a later decision arrives live on the same iterator.
    await live.until((event) => event.item?.id === dorm.id && event.item?.status === 'REJECTED');
    // Later on the same stream than the batch: had the classmate's approval been routed here, it would have come first.
    expect(live.events.some((event) => event.item?.id === classmateLibrary.id)).toBe(false);
    expect((await student.mySheet()).clearanceItems!.find((item) => item.code === 'DORM')).toMatchObject({ status: 'REJECTED', reason: '钥匙未归还' });

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

    const admin = client({ locale: 'en' });
    await admin.login('admin', STAFF_PASSWORD);
    const stats = await admin.cohortStats({ year: 2020 });
    expect(stats.cohort.year).toBe(2020);
    // The live statistics start with the numbers now, in the client's language on the socket too.
    const live = admin.subscribe(CohortStatsUpdatedDocument, { year: 2020 });
    const first = await live.next();
    await live.return?.();
    expect(first.done).toBe(false);
    expect(first.value).toEqual({ cohortStatsUpdated: stats });
    expect(stats.graduates).toBeGreaterThan(0);
    expect(stats.items.find((item) => item.template.code === 'LIBRARY')?.approved).toBeGreaterThan(0);
  });

  it('starts a client that has seen nothing from the server watermark: the first reconnect hands over only what it missed, no history', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE' }, 1, 40);
    const libraryItem = await itemOf(server, student!.number, 'LIBRARY');
    const historyBefore = await server.db.prisma.clearanceEvent.count();
    expect(historyBefore).toBeGreaterThan(100);

    const watcher = client();
    await watcher.login('library', STAFF_PASSWORD);
    expect(watcher.cursor).toBeNull();
    const reconnects: MissedChanges[] = [];
    watcher.onReconnected((missed) => reconnects.push(missed));
    const queue = watcher.subscribe(ReviewQueueChangedDocument, { cohortYear: 2020 });
    // Settles when the subscription ends; a handshake refused meanwhile only delays it.
    const first = queue.next().catch(() => undefined);
    await waitFor(() => watcher.cursor !== null, 10_000, 'the watcher to read the watermark');
    const watermark = watcher.cursor;
    expect(watermark).not.toBeNull();

    refuseSockets = true;
    for (const socket of upgraded.splice(0)) socket.destroy();
    const decider = client();
    await decider.login('library', STAFF_PASSWORD);
    expect(await decider.approve([{ id: libraryItem.id, expectedVersion: libraryItem.version }])).toMatchObject({ approved: 1 });
    refuseSockets = false;

    await waitFor(() => reconnects.length > 0, 20_000, 'the watcher to reconnect and catch up');
    expect(reconnects).toHaveLength(1);
    const missed = reconnects[0]!;
    expect(missed.error).toBeNull();
    expect(missed.from).toBe(watermark);
    expect(missed.changes.map((change) => [change.item?.id, change.toStatus])).toEqual([[libraryItem.id, 'APPROVED']]);
    await queue.return();
    await first;
  });

  it('previews and applies a rule change as an admin, with the version the preview showed', async () => {
    const admin = client();
    await admin.login('admin', STAFF_PASSWORD);
    const input = { cohortYear: 2020, template: { code: 'CAREER', active: false } };
    const preview = unwrap((await admin.request(PreviewRuleChangeDocument, { input })).previewRuleChange);
    expect(preview.applied).toBe(false);
    const lost = preview.changes.find((list) => list.effect === 'LOST');
    expect(lost?.total).toBeGreaterThan(0);
    const applied = unwrap((await admin.request(ApplyRuleChangeDocument, { input, expectedRuleSetVersion: preview.ruleSetVersion })).applyRuleChange);
    expect(applied).toMatchObject({ applied: true, ruleSetVersion: preview.ruleSetVersion + 1 });
    expect(applied.changes.find((list) => list.effect === 'LOST')?.total).toBe(lost!.total);
    const stale = (await admin.request(ApplyRuleChangeDocument, { input, expectedRuleSetVersion: preview.ruleSetVersion })).applyRuleChange;
    expect(stale.__typename === 'DomainError' && stale.code).toBe('CONFLICT');
    // Put the rule back for the other tests: the lost items come back.
    const restore = { cohortYear: 2020, template: { code: 'CAREER', active: true } };
    const restored = unwrap((await admin.request(ApplyRuleChangeDocument, { input: restore, expectedRuleSetVersion: applied.ruleSetVersion })).applyRuleChange);
    expect(restored.applied).toBe(true);
  });

  it('streams the summary list with the bearer token, in scope only', async () => {
    const cohort = await server.db.prisma.cohort.findUniqueOrThrow({ where: { year: 2020 } });
    const inCohort = await server.db.prisma.student.count({ where: { cohortId: cohort.id } });
    const admin = client({ locale: 'en' });
    await admin.login('admin', STAFF_PASSWORD);

    const csv = await admin.exportSummary({ cohort: 2020, format: 'csv' });
    expect(csv).toMatchObject({ format: 'csv', filename: '汇总统计名单-2020.csv', contentType: 'text/csv; charset=utf-8' });
    const bytes = new Uint8Array(await new Response(csv.body).arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes).split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('学号,姓名,培养单位,类别,校区,离校状态,离校时间,未完成事项');
    expect(lines).toHaveLength(inCohort + 1);

    const xlsx = await admin.exportSummary({ cohort: 2020, format: 'xlsx', college: 'COMPUTER_SCIENCE' });
    const workbook = new Uint8Array(await new Response(xlsx.body).arrayBuffer());
    expect(xlsx.filename).toBe('汇总统计名单-2020-COMPUTER_SCIENCE.xlsx');
    expect(String.fromCharCode(workbook[0]!, workbook[1]!)).toBe('PK');

    const collegeAdmin = client({ locale: 'en' });
    await collegeAdmin.login('xgz-computer-science', STAFF_PASSWORD);
    const own = await new Response((await collegeAdmin.exportSummary({ cohort: 2020, format: 'csv' })).body).text();
    const ownRows = own.split('\r\n').filter(Boolean).slice(1);
    const college = await server.db.prisma.college.findUniqueOrThrow({ where: { code: 'COMPUTER_SCIENCE' } });
    expect(ownRows).toHaveLength(await server.db.prisma.student.count({ where: { cohortId: cohort.id, collegeId: college.id } }));
    const otherCollege = await collegeAdmin.exportSummary({ cohort: 2020, format: 'csv', college: 'EARTH_SCIENCES' }).catch((error: unknown) => error);
    expect(otherCollege).toBeInstanceOf(LixiaoError);
    expect(otherCollege).toMatchObject({ code: 'FORBIDDEN', status: 403, isServerError: false });
    await expect(admin.exportSummary({ cohort: 1999, format: 'csv' })).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
    await expect(client().exportSummary({ cohort: 2020, format: 'csv' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  });
});

import { PGlite } from '@electric-sql/pglite';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashPassword, INITIAL_PASSWORD_COST, initialPasswordFromNationalId } from '../../auth/password.js';
import { authenticate } from '../../auth/viewer.js';
import type { DormitoryState, StudentCategory } from '../../domain/index.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { changeItems } from '../../services/decisions.js';
import { databaseId, globalId } from '../../testing/ids.js';
import { streamsOpened } from '../../testing/live.js';
import { waitFor } from '../../testing/wait.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { graphql } from '../../testing/generated/index.js';
import type { StudentJourneyUpdatesSubscription, SurveyAnswerInput } from '../../testing/generated/graphql.js';
import { failure, success } from '../../testing/request.js';

/**
 * The graduate's journey through the public API: first login, the forced
 * password change, the survey gate, the sheet, contacts, the supervisor gate,
 * a rejection's reason, and live updates over graphql-ws.
 */

const LOGIN = graphql(`
  mutation StudentJourneyLogin($u: String!, $p: String!) {
    login(username: $u, password: $p) {
      ... on MutationLoginSuccess { data { accessToken mustChangePassword } }
      ... on DomainError { code message }
    }
  }
`);
const CHANGE = graphql(`
  mutation StudentJourneyChangePassword($c: String!, $n: String!) {
    changePassword(currentPassword: $c, newPassword: $n) {
      ... on MutationChangePasswordSuccess { data { accessToken mustChangePassword } }
      ... on DomainError { code message }
    }
  }
`);
const SURVEY = graphql(`
  query StudentJourneySurvey { survey { title questions { code kind text required maxLength choices { value label } } } }
`);
const SUBMIT = graphql(`
  mutation StudentJourneySubmitSurvey($answers: [SurveyAnswerInput!]!) {
    submitSurvey(answers: $answers) {
      __typename
      ... on MutationSubmitSurveySuccess { data { number surveyCompletedAt } }
      ... on DomainError { code message field }
    }
  }
`);
const SHEET = graphql(`
  query StudentJourneySheet {
    viewer {
      ... on Student {
        id number surveyCompletedAt
        progress { required approved rejected pending locked waived cleared clearedAt }
        deferral { deferred reason at movedToCohort { year } }
        clearanceItems {
          id code sequence name status reason source version requirement blockedBy
          department { code name }
          contact { phone office hours campus { code } }
          waivedBecause { code reason }
          history { seq fromStatus toStatus reason source at actor { name username department { code } } }
        }
      }
    }
  }
`);
const PROGRESS_ONLY = graphql(`
  query StudentJourneyProgress { viewer { ... on Student { progress { required approved pending locked waived cleared } } } }
`);
const SUBSCRIPTION = graphql(`
  subscription StudentJourneyUpdates {
    myClearanceUpdated {
      item { id code status reason blockedBy version }
      progress { required approved rejected pending locked waived cleared }
    }
  }
`);
const SUPERVISOR = graphql(`
  query StudentJourneySupervisor { viewer { ... on Student { firstSupervisor { name username } } } }
`);
const OWN_ID = graphql(`
  query StudentJourneyOwnId { viewer { ... on Student { id } } }
`);
const NODE_ID = graphql(`
  query StudentJourneyNodeId($id: ID!) { node(id: $id) { id } }
`);
const NODE_SHEET = graphql(`
  query StudentJourneyNodeSheet($id: ID!) { node(id: $id) { ... on Student { number clearanceItems { code status } progress { required } } } }
`);
const ITEM_NODE = graphql(`
  query StudentJourneyItemNode($id: ID!) { node(id: $id) { ... on ClearanceItem { code status } } }
`);
const OWN_PROGRESS_NODE = graphql(`
  query StudentJourneyOwnProgressNode($id: ID!) { node(id: $id) { ... on Student { number progress { required } } } }
`);

type Update = NonNullable<StudentJourneyUpdatesSubscription['myClearanceUpdated']>;

const COMPLETE_ANSWERS = [
  { question: 'DESTINATION', choices: ['SIGNED_EMPLOYMENT'] },
  { question: 'JOB_RELEVANCE', choices: ['CLOSELY'] },
  { question: 'OVERALL_SATISFACTION', choices: ['SATISFIED'] },
  { question: 'MOST_HELPFUL', choices: ['FIELDWORK', 'RESEARCH'] },
  { question: 'SUGGESTIONS', text: '希望多开野外实习课程。' },
];
const NEW_PASSWORD = 'Graduate-2020!';
const EQUIPMENT_EXEMPT = ['ARTS_COMMUNICATION', 'ECONOMICS_MANAGEMENT', 'FOREIGN_LANGUAGES', 'PHYSICAL_EDUCATION', 'MARXISM'];
const SKL_UNITS = ['EARTH_SCIENCES', 'EARTH_RESOURCES', 'MATERIALS_CHEMISTRY', 'GEMMOLOGY', 'STATE_KEY_LAB'];

/** The database id inside a Relay global ID (`Type:uuid`, base64), for calling the service directly. */
const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });

/** The viewer's Student fragment (a viewer of another type answers `{}`); fails the test when there is none. */
function asStudent<V extends object>(viewer: V | null | undefined): Exclude<V, Record<PropertyKey, never>> {
  if (!viewer || Object.keys(viewer).length === 0) throw new Error(`expected a student, got ${JSON.stringify(viewer)}`);
  return viewer as Exclude<V, Record<PropertyKey, never>>;
}

/** The data of a login or password change's success (these documents select no __typename); fails the test otherwise. */
function loginData<A extends object>(answer: A | null | undefined): Extract<A, { data: unknown }>['data'] {
  if (answer && 'data' in answer) return (answer as Extract<A, { data: unknown }>).data;
  throw new Error(`expected a session, got ${JSON.stringify(answer)}`);
}

/** The answer's error code, whether a request error or a field's DomainError. */
const refusalCode = (result: { errors?: { extensions?: { code?: string } }[]; data?: { submitSurvey: { __typename: string } } | null }) =>
  result.errors?.[0]?.extensions?.code ?? (result.data && 'code' in result.data.submitSurvey ? result.data.submitSurvey.code : undefined);

interface DemoStudent {
  id: string;
  number: string;
  category: StudentCategory;
  dormitory: DormitoryState;
  college: { code: string };
  campus: { code: string };
}

/**
 * The sheet docs/domain.md gives a student with these facts, written out
 * independently of the rule engine: [code, initial status] in sequence order.
 */
function expectedSheet(s: DemoStudent): [string, string][] {
  const ug = s.category === 'UNDERGRADUATE';
  const dual = s.category === 'POSTGRADUATE_DUAL';
  const pg = !ug;
  const open = pg ? 'LOCKED' : 'PENDING';
  const rows: [string, string, boolean][] = [
    ['SURVEY', 'PENDING', true],
    ['SUPERVISOR', 'PENDING', pg],
    ['LIBRARY', open, true],
    ['EQUIPMENT', ug && EQUIPMENT_EXEMPT.includes(s.college.code) ? 'WAIVED' : open, ug || dual],
    ['SKL_TEST_FEE', open, dual && SKL_UNITS.includes(s.college.code)],
    ['HOSPITAL', open, ug || dual],
    ['FINANCE', open, true],
    ['ASSET', 'APPROVED', ug],
    ['CAREER', open, ug || dual],
    ['STUDENT_AFFAIRS', open, ug || dual],
    ['GRAD_SECRETARY', open, pg],
    ['DORM', s.dormitory === 'OFF_CAMPUS_CHECKED_OUT' ? 'WAIVED' : open, true],
  ];
  return rows.filter(([, , applies]) => applies).map(([code, status]) => [code, status]);
}

describe('the student journey', () => {
  let server: TestServer;
  const taken = new Set<string>();

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A demo student with these facts that no other test uses, deferred ones excluded unless asked for. */
  const staffName = async (username: string) => (await server.db.prisma.reviewer.findUniqueOrThrow({ where: { username } })).name;

  async function pick(where: Prisma.StudentWhereInput, { deferred = false } = {}): Promise<DemoStudent> {
    const candidates = await server.db.prisma.student.findMany({
      where: { ...where, deferrals: deferred ? { some: {} } : { none: {} } },
      select: { id: true, number: true, category: true, dormitory: true, college: { select: { code: true } }, campus: { select: { code: true } } },
      orderBy: { number: 'asc' },
    });
    const student = candidates.find((candidate) => !taken.has(candidate.number));
    if (!student) throw new Error(`no unused demo student matches ${JSON.stringify(where)}`);
    taken.add(student.number);
    return student;
  }

  /** Gives the student a known national ID (as an import would) and returns the initial password. */
  async function knownInitialPassword(student: DemoStudent): Promise<string> {
    const nationalId = `42011119980101${student.number.slice(-3)}X`;
    await server.db.prisma.credential.update({
      where: { studentId: student.id },
      data: { passwordHash: await hashPassword(initialPasswordFromNationalId(nationalId), INITIAL_PASSWORD_COST), mustChangePassword: true },
    });
    return initialPasswordFromNationalId(nationalId);
  }

  /** First login with the initial password, the refusal of everything else, the password change: returns a usable token. */
  async function firstLogin(student: DemoStudent): Promise<string> {
    const initial = await knownInitialPassword(student);
    const first = loginData((await server.gql(LOGIN, { u: student.number, p: initial })).data?.login);
    expect(first.mustChangePassword).toBe(true);
    const initialToken = first.accessToken;
    const refusals = [
      await server.gql(SURVEY, {}, bearer(initialToken)),
      await server.gql(SHEET, {}, bearer(initialToken)),
      await server.gql(PROGRESS_ONLY, {}, bearer(initialToken)),
    ];
    for (const refused of refusals) expect(refused.errors?.[0]?.extensions?.code, JSON.stringify(refused)).toBe('PASSWORD_CHANGE_REQUIRED');
    const refusedSubmit = await server.gql(SUBMIT, { answers: COMPLETE_ANSWERS }, bearer(initialToken));
    expect(refusalCode(refusedSubmit)).toBe('PASSWORD_CHANGE_REQUIRED');
    const changed = loginData((await server.gql(CHANGE, { c: initial, n: NEW_PASSWORD }, bearer(initialToken))).data?.changePassword);
    expect(changed.mustChangePassword).toBe(false);
    return changed.accessToken;
  }

  async function submitSurvey(token: string) {
    const submitted = await server.gql(SUBMIT, { answers: COMPLETE_ANSWERS }, bearer(token));
    expect(submitted.errors).toBeUndefined();
    expect(submitted.data?.submitSurvey.__typename).toBe('MutationSubmitSurveySuccess');
    return success(submitted.data?.submitSurvey);
  }

  async function sheetOf(token: string, headers: Record<string, string> = {}) {
    const result = await server.gql(SHEET, {}, bearer(token, headers));
    expect(result.errors).toBeUndefined();
    const viewer = asStudent(result.data?.viewer);
    if (!viewer.clearanceItems) throw new Error(`expected a sheet, got ${JSON.stringify(viewer)}`);
    return { ...viewer, clearanceItems: viewer.clearanceItems };
  }

  /** A staff account's viewer, to decide items through the service until the reviewer mutations exist. */
  async function staffActor(username: string, source: 'REVIEWER' | 'ADMIN' = 'REVIEWER') {
    const token = await server.login(username, 'Lixiao@2020');
    const { viewer } = await authenticate(server.services, token);
    if (!viewer) throw new Error(`no viewer for ${username}`);
    return { source, viewer };
  }

  function subscribe(token: string) {
    const events: Update[] = [];
    const errors: unknown[] = [];
    const client: Client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
    });
    client.subscribe(
      { query: SUBSCRIPTION.toString() },
      {
        next: (message) => (message.errors ? errors.push(message.errors) : events.push((message.data as StudentJourneyUpdatesSubscription).myClearanceUpdated)),
        error: (error) => errors.push(error),
        complete: () => undefined,
      },
    );
    const until = (predicate: (all: Update[]) => boolean, timeoutMs = 10_000) =>
      waitFor(
        () => {
          if (errors.length) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
          return predicate(events) && events;
        },
        timeoutMs,
        () => `the subscription's events; got ${JSON.stringify(events)}`,
      );
    return { events, errors, until, close: () => client.dispose() };
  }

  it('takes an undergraduate from first login through the survey gate to a sheet of 9', async () => {
    const student = await pick({ category: 'UNDERGRADUATE', college: { code: 'COMPUTER_SCIENCE' }, dormitory: 'ON_CAMPUS', campus: { code: 'NANWANGSHAN' } });
    const token = await firstLogin(student);

    const survey = await server.gql(SURVEY, {}, bearer(token));
    expect(survey.data?.survey?.title).toBe('2020届毕业生就业与人才培养质量调研问卷');
    expect(survey.data?.survey?.questions.map((q) => q.code)).toEqual(['DESTINATION', 'JOB_RELEVANCE', 'OVERALL_SATISFACTION', 'MOST_HELPFUL', 'SUGGESTIONS']);
    expect(survey.data?.survey?.questions[0]).toMatchObject({ kind: 'SINGLE_CHOICE', required: true, maxLength: null, text: '你的毕业去向是？' });
    expect(survey.data?.survey?.questions[0]?.choices[0]).toEqual({ value: 'SIGNED_EMPLOYMENT', label: '签约就业' });
    expect(survey.data?.survey?.questions[4]).toMatchObject({ kind: 'TEXT', required: false, maxLength: 500, choices: [] });
    const surveyEn = await server.gql(SURVEY, {}, bearer(token, { 'accept-language': 'en' }));
    expect(surveyEn.data?.survey?.title).toBe('2020 graduate employment and training-quality survey');

    // The gate: the sheet stays shut until the survey is in, in either language.
    const gated = await server.gql(SHEET, {}, bearer(token));
    expect(gated.errors?.[0]?.extensions?.code).toBe('SURVEY_REQUIRED');
    expect(gated.errors?.[0]?.path).toEqual(['viewer', 'clearanceItems']);
    const gatedEn = await server.gql(SHEET, {}, bearer(token, { 'accept-language': 'en' }));
    expect(gatedEn.errors?.[0]?.message).toBe('Fill in and submit the employment & training-quality survey first; the clearance sheet opens after that.');
    // Progress counts stay readable before the survey: the survey item is the one pending first.
    const before = await server.gql(PROGRESS_ONLY, {}, bearer(token));
    expect(asStudent(before.data?.viewer).progress).toEqual({ required: 9, approved: 1, pending: 8, locked: 0, waived: 0, cleared: false });

    const submitted = await submitSurvey(token);
    expect(submitted.number).toBe(student.number);
    expect(Date.parse(submitted.surveyCompletedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);

    const sheet = await sheetOf(token);
    const items = sheet.clearanceItems;
    expect(items.map((item) => item.code)).toEqual(['SURVEY', 'LIBRARY', 'EQUIPMENT', 'HOSPITAL', 'FINANCE', 'ASSET', 'CAREER', 'STUDENT_AFFAIRS', 'DORM']);
    expect(items.map((item) => item.sequence)).toEqual([0, 2, 3, 5, 6, 7, 8, 9, 11]);
    expect(sheet.progress).toMatchObject({ required: 9, approved: 2, pending: 7, locked: 0, waived: 0, rejected: 0, cleared: false, clearedAt: null });
    expect(sheet.deferral).toEqual({ deferred: false, reason: null, at: null, movedToCohort: null });

    const survey0 = items[0]!;
    expect(survey0).toMatchObject({ status: 'APPROVED', source: 'SELF', department: { code: 'CAREER_CENTRE' } });
    expect(survey0.history.map((e) => [e.fromStatus, e.toStatus, e.source])).toEqual([
      [null, 'PENDING', 'SYSTEM'],
      ['PENDING', 'APPROVED', 'SELF'],
    ]);
    expect(BigInt(survey0.history[1]!.seq)).toBeGreaterThan(BigInt(survey0.history[0]!.seq));
    expect(survey0.history[1]!.actor).toBeNull();

    const asset = items.find((item) => item.code === 'ASSET')!;
    expect(asset).toMatchObject({ status: 'APPROVED', source: 'POLICY', waivedBecause: null });
    expect(asset.reason).toBeTruthy();
    const library = items.find((item) => item.code === 'LIBRARY')!;
    expect(library).toMatchObject({
      status: 'PENDING',
      blockedBy: [],
      name: '图书馆',
      department: { code: 'LIBRARY' },
      contact: { phone: '027-67880003', campus: null },
    });
    expect(library.requirement).toMatch(/图书|书/);
    const dorm = items.find((item) => item.code === 'DORM')!;
    expect(dorm.contact).toMatchObject({ phone: '027-67880009', campus: { code: 'NANWANGSHAN' } });
    expect(dorm.contact?.office).toContain('学生住宿服务中心');
    for (const item of items) expect(item.blockedBy).toEqual([]);

    const again = await server.gql(SUBMIT, { answers: COMPLETE_ANSWERS }, bearer(token));
    expect(again.data?.submitSurvey).toMatchObject({ __typename: 'DomainError', code: 'SURVEY_ALREADY_SUBMITTED' });
    const responses = await server.db.prisma.surveyResponse.findMany({ where: { studentId: student.id } });
    expect(responses).toHaveLength(1);
    expect(responses[0]!.answers).toEqual(COMPLETE_ANSWERS);
  });

  it('gives undergraduates of the five equipment-exempt colleges 8 required items, and 7 when already checked out', async () => {
    for (const dormitory of ['ON_CAMPUS', 'OFF_CAMPUS_CHECKED_OUT'] as const) {
      const student = await pick({ category: 'UNDERGRADUATE', college: { code: { in: EQUIPMENT_EXEMPT } }, dormitory });
      const token = await firstLogin(student);
      await submitSurvey(token);
      const sheet = await sheetOf(token);
      const expected = expectedSheet(student);
      expect(sheet.clearanceItems.map((item) => [item.code, item.status])).toEqual(
        expected.map(([code, status]) => [code, code === 'SURVEY' ? 'APPROVED' : status]),
      );
      expect(sheet.progress.required).toBe(dormitory === 'ON_CAMPUS' ? 8 : 7);
      const equipment = sheet.clearanceItems.find((item) => item.code === 'EQUIPMENT')!;
      expect(equipment.waivedBecause).toMatchObject({ code: 'EQUIPMENT_EXEMPT_COLLEGE' });
      expect(equipment.waivedBecause?.reason).toContain('本科生不需办理');
      const dorm = sheet.clearanceItems.find((item) => item.code === 'DORM')!;
      if (dormitory === 'OFF_CAMPUS_CHECKED_OUT') {
        expect(dorm).toMatchObject({ status: 'WAIVED', waivedBecause: { code: 'ALREADY_CHECKED_OUT' } });
        const en = await sheetOf(token, { 'accept-language': 'en' });
        const dormEn = en.clearanceItems.find((item) => item.code === 'DORM')!;
        expect(dormEn.waivedBecause?.reason).toBe('Not living on campus and already checked out earlier; nothing to do.');
        expect(dormEn.name).not.toMatch(/[\u4e00-\u9fff]/);
      } else {
        expect(dorm.waivedBecause).toBeNull();
      }
    }
  });

  it("shows the dormitory contact of the student's own campus", async () => {
    const student = await pick({ category: 'UNDERGRADUATE', campus: { code: 'FUTURE_CITY' }, college: { code: { notIn: EQUIPMENT_EXEMPT } } });
    const token = await firstLogin(student);
    await submitSurvey(token);
    const sheet = await sheetOf(token);
    const dorm = sheet.clearanceItems.find((item) => item.code === 'DORM')!;
    expect(dorm.contact).toMatchObject({ phone: '027-67880010', campus: { code: 'FUTURE_CITY' } });
    expect(dorm.contact?.office).toContain('未来城校区管理办公室');
    const en = await sheetOf(token, { 'accept-language': 'en' });
    expect(en.clearanceItems.find((item) => item.code === 'DORM')!.contact?.office).toBe(
      'Future City Campus Management Office (Teaching Service Centre, room 329)',
    );
  });

  it('gives a single-certificate postgraduate 6 items, locked behind the supervisor, unlocked live when the supervisor approves', async () => {
    const student = await pick({ category: 'POSTGRADUATE_SINGLE', dormitory: 'ON_CAMPUS' });
    const token = await firstLogin(student);
    await submitSurvey(token);
    const sheet = await sheetOf(token);
    expect(sheet.clearanceItems.map((item) => [item.code, item.status])).toEqual([
      ['SURVEY', 'APPROVED'],
      ['SUPERVISOR', 'PENDING'],
      ['LIBRARY', 'LOCKED'],
      ['FINANCE', 'LOCKED'],
      ['GRAD_SECRETARY', 'LOCKED'],
      ['DORM', 'LOCKED'],
    ]);
    expect(sheet.progress).toMatchObject({ required: 6, approved: 1, pending: 1, locked: 4 });
    for (const item of sheet.clearanceItems.slice(2)) expect(item.blockedBy).toEqual(['SUPERVISOR']);
    const library = sheet.clearanceItems[2]!;
    expect(library.requirement).toMatch(/论文/);

    const { firstSupervisor } = await server.db.prisma.student.findUniqueOrThrow({ where: { id: student.id }, include: { firstSupervisor: true } });
    const opened = streamsOpened(server);
    const live = subscribe(token);
    try {
      await opened;
      // Students see their supervisor's name, not the login (staff only); the staff side acts by login.
      const supervisor = await server.gql(SUPERVISOR, {}, bearer(token));
      expect(asStudent(supervisor.data?.viewer).firstSupervisor).toMatchObject({ name: expect.any(String), username: null });
      const supervisorItem = sheet.clearanceItems[1]!;
      const [outcome] = await changeItems(
        server.services,
        [{ itemId: databaseId(supervisorItem.id), to: 'APPROVED', expectedVersion: supervisorItem.version }],
        await staffActor(firstSupervisor!.username),
      );
      expect(outcome).toMatchObject({ ok: true, status: 'APPROVED' });
      const events = await live.until((all) => all.length >= 5 && all.some((e) => e.progress.locked === 0 && e.item?.code === 'DORM'));
      expect(events.find((e) => e.item?.code === 'SUPERVISOR')?.item?.status).toBe('APPROVED');
      for (const code of ['LIBRARY', 'FINANCE', 'GRAD_SECRETARY', 'DORM']) {
        expect(events.find((e) => e.item?.code === code)).toMatchObject({ item: { status: 'PENDING', blockedBy: [] } });
      }
      expect(events.at(-1)?.progress).toMatchObject({ required: 6, approved: 2, pending: 4, locked: 0 });
    } finally {
      await live.close();
    }
    const after = await sheetOf(token);
    const supervisorAfter = after.clearanceItems[1]!;
    expect(supervisorAfter.history.at(-1)).toMatchObject({
      fromStatus: 'PENDING',
      toStatus: 'APPROVED',
      source: 'REVIEWER',
      actor: { name: firstSupervisor!.name, username: null },
    });
  });

  it('gives dual-certificate postgraduates 11 items in the State Key Lab units and 10 elsewhere', async () => {
    const inUnit = await pick({ category: 'POSTGRADUATE_DUAL', college: { code: 'EARTH_SCIENCES' }, dormitory: { not: 'OFF_CAMPUS_CHECKED_OUT' } });
    const elsewhere = await pick({ category: 'POSTGRADUATE_DUAL', college: { code: { notIn: SKL_UNITS } }, dormitory: { not: 'OFF_CAMPUS_CHECKED_OUT' } });
    const checkedOut = await pick({ category: 'POSTGRADUATE_DUAL', college: { code: { in: SKL_UNITS } }, dormitory: 'OFF_CAMPUS_CHECKED_OUT' });
    for (const [student, required] of [
      [inUnit, 11],
      [elsewhere, 10],
      [checkedOut, 10],
    ] as const) {
      const token = await firstLogin(student);
      await submitSurvey(token);
      const sheet = await sheetOf(token);
      const expected = expectedSheet(student);
      expect(sheet.clearanceItems.map((item) => [item.code, item.status])).toEqual(
        expected.map(([code, status]) => [code, code === 'SURVEY' ? 'APPROVED' : status]),
      );
      expect(sheet.clearanceItems.some((item) => item.code === 'SKL_TEST_FEE')).toBe(SKL_UNITS.includes(student.college.code));
      expect(sheet.clearanceItems).toHaveLength(SKL_UNITS.includes(student.college.code) ? 11 : 10);
      expect(sheet.progress.required).toBe(required);
    }
  });

  it('shows the reason of a rejection, on the sheet and live, and only to the student concerned', async () => {
    const student = await pick({ category: 'UNDERGRADUATE', college: { code: { notIn: EQUIPMENT_EXEMPT } } });
    const bystander = await pick({ category: 'UNDERGRADUATE', college: { code: { notIn: EQUIPMENT_EXEMPT } } });
    const token = await firstLogin(student);
    const otherToken = await firstLogin(bystander);
    await submitSurvey(token);
    await submitSurvey(otherToken);
    const library = (await sheetOf(token)).clearanceItems.find((item) => item.code === 'LIBRARY')!;

    const opened = streamsOpened(server, 2);
    const mine = subscribe(token);
    const theirs = subscribe(otherToken);
    try {
      await opened;
      const [outcome] = await changeItems(
        server.services,
        [{ itemId: databaseId(library.id), to: 'REJECTED', reason: '尚有 2 本图书未归还', expectedVersion: library.version }],
        await staffActor('library'),
      );
      expect(outcome).toMatchObject({ ok: true, status: 'REJECTED' });
      const [event] = await mine.until((all) => all.length >= 1);
      expect(event).toMatchObject({ item: { code: 'LIBRARY', status: 'REJECTED', reason: '尚有 2 本图书未归还' }, progress: { rejected: 1 } });
      // A later change of the bystander's own sheet: their stream is in commit order, so the rejection would have come first.
      const [finance] = await server.db.prisma.clearanceItem.findMany({ where: { student: { number: bystander.number }, template: { code: 'FINANCE' } } });
      await changeItems(server.services, [{ itemId: finance!.id, to: 'APPROVED' }], await staffActor('finance'));
      await theirs.until((all) => all.length >= 1);
      expect(theirs.events[0]).toMatchObject({ item: { code: 'FINANCE', status: 'APPROVED' } });
    } finally {
      await mine.close();
      await theirs.close();
    }
    const rejected = (await sheetOf(token)).clearanceItems.find((item) => item.code === 'LIBRARY')!;
    expect(rejected).toMatchObject({ status: 'REJECTED', reason: '尚有 2 本图书未归还', source: 'REVIEWER', contact: { phone: '027-67880003' } });
    expect(rejected.history.at(-1)).toMatchObject({
      fromStatus: 'PENDING',
      toStatus: 'REJECTED',
      reason: '尚有 2 本图书未归还',
      actor: { name: await staffName('library'), username: null, department: { code: 'LIBRARY' } },
    });
  });

  it('delivers nothing live before the survey is in, and refuses the subscription to staff', async () => {
    const student = await pick({ category: 'UNDERGRADUATE', college: { code: { notIn: EQUIPMENT_EXEMPT } } });
    const token = await firstLogin(student);
    const opened = streamsOpened(server);
    const live = subscribe(token);
    try {
      await opened;
      const items = await server.db.prisma.clearanceItem.findMany({ where: { studentId: student.id, template: { code: 'FINANCE' } } });
      await changeItems(server.services, [{ itemId: items[0]!.id, to: 'APPROVED' }], await staffActor('finance'));
      await submitSurvey(token);
      // In commit order: had the approval before the survey been delivered, it would come first.
      const events = await live.until((all) => all.length >= 1);
      expect(events[0]).toMatchObject({ item: { code: 'SURVEY', status: 'APPROVED' } });
    } finally {
      await live.close();
    }

    const staffToken = await server.login('library', 'Lixiao@2020');
    const staff = subscribe(staffToken);
    try {
      await expect(staff.until(() => false, 3000)).rejects.toThrow(/FORBIDDEN/);
    } finally {
      await staff.close();
    }
  });

  it('shows a deferred student an empty sheet and their deferral, and refuses their survey', async () => {
    const student = await pick({ category: 'UNDERGRADUATE' }, { deferred: true });
    const token = await firstLogin(student);
    const sheet = await sheetOf(token);
    expect(sheet.clearanceItems).toEqual([]);
    expect(sheet.deferral).toMatchObject({ deferred: true, movedToCohort: { year: 2021 }, reason: '申请延期至2020年12月毕业，已获批准' });
    expect(Date.parse(sheet.deferral.at ?? '')).not.toBeNaN();
    expect(sheet.progress).toMatchObject({ required: 0, approved: 0, cleared: false });
    const survey = await server.gql(SURVEY, {}, bearer(token));
    expect(survey.data?.survey).toBeNull();
    const submitted = await server.gql(SUBMIT, { answers: COMPLETE_ANSWERS }, bearer(token, { 'accept-language': 'en' }));
    expect(submitted.data?.submitSurvey).toMatchObject({
      code: 'STUDENT_DEFERRED',
      message: 'Your graduation was deferred: you moved to the next cohort and do not clear now.',
    });
  });

  it("lets staff in scope see a sheet before the survey, and nobody else's student see it", async () => {
    const student = await pick({ category: 'UNDERGRADUATE', college: { code: { notIn: EQUIPMENT_EXEMPT } } });
    const other = await pick({ category: 'UNDERGRADUATE', college: { code: { notIn: EQUIPMENT_EXEMPT } } });
    const otherToken = await firstLogin(other);
    const token = await firstLogin(student);
    const me = await server.gql(OWN_ID, {}, bearer(token));
    const studentId = asStudent(me.data?.viewer).id;
    const itemId = (await server.db.prisma.clearanceItem.findFirstOrThrow({ where: { studentId: student.id } })).id;
    const { data: itemNode } = await server.gql(NODE_ID, { id: studentId }, bearer(await server.login('admin', 'Lixiao@2020')));
    expect(itemNode?.node?.id).toBe(studentId);

    const library = await server.gql(NODE_SHEET, { id: studentId }, bearer(await server.login('library', 'Lixiao@2020')));
    expect(library.errors).toBeUndefined();
    expect(asStudent(library.data?.node).clearanceItems).toHaveLength(9);

    const ownItems = await server.gql(OWN_PROGRESS_NODE, { id: studentId }, bearer(token));
    expect(ownItems.data?.node).toEqual({ number: student.number, progress: { required: 9 } });

    const stranger = await server.gql(NODE_SHEET, { id: studentId }, bearer(otherToken, { 'accept-language': 'en' }));
    expect(stranger.data?.node).toBeNull();
    expect(stranger.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: 'You are not allowed to do this.' });

    // The item's global ID, as a client would form it from a sheet (the stranger never sees one).
    const strangerItem = await server.gql(ITEM_NODE, { id: globalId('ClearanceItem', itemId) }, bearer(otherToken));
    expect(strangerItem.data?.node).toBeNull();
    expect(strangerItem.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it("refuses malformed survey answers with the question at fault, in the request's language, and records nothing", async () => {
    const student = await pick({ category: 'UNDERGRADUATE', college: { code: { notIn: EQUIPMENT_EXEMPT } } });
    const token = await firstLogin(student);
    const without = (code: string) => COMPLETE_ANSWERS.filter((answer) => answer.question !== code);
    const cases: [SurveyAnswerInput[], string, RegExp][] = [
      [[...COMPLETE_ANSWERS, { question: 'NO_SUCH_QUESTION', choices: ['X'] }], 'NO_SUCH_QUESTION', /no such question/],
      [[...without('DESTINATION'), { question: 'DESTINATION', choices: ['MOON_LANDING'] }], 'DESTINATION', /no choice "MOON_LANDING"/],
      [[...without('DESTINATION'), { question: 'DESTINATION', choices: ['SIGNED_EMPLOYMENT', 'FURTHER_STUDY'] }], 'DESTINATION', /exactly one/],
      [[...without('SUGGESTIONS'), { question: 'SUGGESTIONS', text: '长'.repeat(501) }], 'SUGGESTIONS', /at most 500 characters/],
      [[...without('SUGGESTIONS'), { question: 'SUGGESTIONS', text: 'x'.repeat(100_000) }], 'SUGGESTIONS', /at most 500 characters/],
      [without('OVERALL_SATISFACTION'), 'OVERALL_SATISFACTION', /required/],
      [[...COMPLETE_ANSWERS, { question: 'Q'.repeat(50_000), text: 'x' }], `${'Q'.repeat(64)}…`, /no such question/],
      [Array.from({ length: 51 }, () => COMPLETE_ANSWERS[0]!), 'answers', /at most 50 answers/],
    ];
    for (const [answers, field, message] of cases) {
      const result = await server.gql(SUBMIT, { answers }, bearer(token, { 'accept-language': 'en' }));
      expect(result.data?.submitSurvey, field).toMatchObject({ __typename: 'DomainError', code: 'SURVEY_ANSWER_INVALID', field });
      expect(failure(result.data?.submitSurvey).message).toMatch(/^Survey answer not accepted/);
      expect(failure(result.data?.submitSurvey).message).toMatch(message);
    }
    const zh = await server.gql(SUBMIT, { answers: without('DESTINATION') }, bearer(token));
    expect(failure(zh.data?.submitSurvey).message).toBe('问卷答案有误（DESTINATION）：这是必答题。');

    // Text: variables of the wrong shape, which the typed document would not let through.
    const wrongShape = await server.gqlText(
      SUBMIT.toString(),
      { answers: [{ question: 'DESTINATION', choices: 'SIGNED_EMPLOYMENT', extra: 1 }] },
      bearer(token),
    );
    expect(wrongShape.errors?.length).toBeGreaterThan(0);

    expect(await server.db.prisma.surveyResponse.count({ where: { studentId: student.id } })).toBe(0);
    const still = await server.gql(SHEET, {}, bearer(token));
    expect(still.errors?.[0]?.extensions?.code).toBe('SURVEY_REQUIRED');
    // The gate closes the sheet only: the rest of the student is still answered.
    expect(still.data?.viewer?.clearanceItems).toBeNull();
  });

  it("shows an administrator's waiver with its reason and no rule behind it", async () => {
    const student = await pick({ category: 'UNDERGRADUATE', college: { code: { notIn: EQUIPMENT_EXEMPT } }, dormitory: 'ON_CAMPUS' });
    const token = await firstLogin(student);
    await submitSurvey(token);
    const hospital = (await sheetOf(token)).clearanceItems.find((item) => item.code === 'HOSPITAL')!;
    const [outcome] = await changeItems(
      server.services,
      [{ itemId: databaseId(hospital.id), to: 'WAIVED', reason: '经核实无住院记录', expectedVersion: hospital.version }],
      await staffActor('admin', 'ADMIN'),
    );
    expect(outcome).toMatchObject({ ok: true, status: 'WAIVED' });
    const sheet = await sheetOf(token);
    const waived = sheet.clearanceItems.find((item) => item.code === 'HOSPITAL')!;
    expect(waived).toMatchObject({ status: 'WAIVED', reason: '经核实无住院记录', source: 'ADMIN', waivedBecause: null });
    expect(waived.history.at(-1)).toMatchObject({
      fromStatus: 'PENDING',
      toStatus: 'WAIVED',
      source: 'ADMIN',
      actor: { name: await staffName('admin'), username: null },
    });
    expect(sheet.progress).toMatchObject({ required: 8, waived: 1 });
  });

  it('loads a whole sheet with a fixed handful of queries, however many items it has', async () => {
    const small = await pick({ category: 'POSTGRADUATE_SINGLE' });
    const large = await pick({ category: 'POSTGRADUATE_DUAL', college: { code: { in: SKL_UNITS } }, dormitory: { not: 'OFF_CAMPUS_CHECKED_OUT' } });
    const tokens = [await firstLogin(small), await firstLogin(large)];
    for (const token of tokens) await submitSurvey(token);
    const original = PGlite.prototype.query;
    let count = 0;
    PGlite.prototype.query = function (this: PGlite, ...args: Parameters<PGlite['query']>) {
      count++;
      return original.apply(this, args);
    } as PGlite['query'];
    const counts: number[] = [];
    try {
      for (const token of tokens) {
        count = 0;
        const sheet = await sheetOf(token);
        counts.push(count);
        expect(sheet.clearanceItems.length).toBeGreaterThan(0);
      }
    } finally {
      PGlite.prototype.query = original;
    }
    const [sixItems, elevenItems] = counts as [number, number];
    // One query per relation level (authentication, student, items, templates, departments, contacts, events, …), never one per item.
    expect(elevenItems).toBe(sixItems);
    expect(elevenItems).toBeLessThanOrEqual(25);
  });

  it('keeps staff out of submitSurvey', async () => {
    const result = await server.gql(SUBMIT, { answers: COMPLETE_ANSWERS }, bearer(await server.login('career', 'Lixiao@2020')));
    expect(refusalCode(result)).toBe('FORBIDDEN');
  });
});

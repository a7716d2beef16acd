import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { changeItems } from '../../services/decisions.js';
import type { TestServer } from '../../testing/server.js';
import { type clients, findStudents, INTEGRATION_TOKEN, itemOf, openDemoServer, ref, slug, type ItemHandle } from '../../testing/demo.js';
import { globalId } from '../../testing/ids.js';
import { graphql } from '../../testing/generated/index.js';
import type { ReviewDecisionsApproveMutation, ReviewDecisionsRejectMutation, TypedDocumentString } from '../../testing/generated/graphql.js';
import { failure, type GraphQLResponse, success } from '../../testing/request.js';

const APPROVE = graphql(`
  mutation ReviewDecisionsApprove($items: [ItemRefInput!]!) {
    approveItems(items: $items) {
      __typename
      ... on MutationApproveItemsSuccess { data { approved rejected failed outcomes { id ok status version error { code message } } } }
      ... on Error { code message }
    }
  }
`);
const REJECT = graphql(`
  mutation ReviewDecisionsReject($items: [ItemRefInput!]!, $reason: String!) {
    rejectItems(items: $items, reason: $reason) {
      __typename
      ... on MutationRejectItemsSuccess { data { approved rejected failed outcomes { id ok status version error { code message } } } }
      ... on Error { code message }
    }
  }
`);
const REOPEN = graphql(`
  mutation ReviewDecisionsReopen($id: ID!, $v: Int!) {
    reopenItem(id: $id, expectedVersion: $v) {
      __typename
      ... on MutationReopenItemSuccess { data { id status version reason source } }
      ... on Error { code }
    }
  }
`);
const WAIVE = graphql(`
  mutation ReviewDecisionsWaive($id: ID!, $v: Int!, $r: String!) {
    waiveItem(id: $id, expectedVersion: $v, reason: $r) {
      __typename
      ... on MutationWaiveItemSuccess { data { id status version reason source } }
      ... on Error { code }
    }
  }
`);
const UNWAIVE = graphql(`
  mutation ReviewDecisionsUnwaive($id: ID!, $v: Int!) {
    unwaiveItem(id: $id, expectedVersion: $v) {
      __typename
      ... on MutationUnwaiveItemSuccess { data { id status version reason source } }
      ... on Error { code }
    }
  }
`);
const QUEUE_PROBE = graphql(`
  query ReviewDecisionsQueueProbe { reviewQueue(first: 1) { edges { cursor } } }
`);
const CLEARED_AT = graphql(`
  query ReviewDecisionsClearedAt($id: ID!) { node(id: $id) { ... on Student { clearedAt } } }
`);

type DecisionAnswer = ReviewDecisionsApproveMutation['approveItems'] | ReviewDecisionsRejectMutation['rejectItems'];

/** A decision call's report, or the whole call's error code (a request error or the field's error). */
function unwrap(result: GraphQLResponse<unknown>, payload: DecisionAnswer | undefined) {
  if (result.errors?.length) return { code: result.errors[0]!.extensions?.code ?? null, report: null };
  if (payload && 'data' in payload) return { code: null, report: payload.data };
  return { code: failure(payload).code as string, report: null };
}

describe('reviewer decisions', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer()));
  afterAll(() => server?.close());

  /** approveItems as `username`: the report, or the whole call's error code. */
  async function approve(username: string, items: ItemHandle[] | { id: string; expectedVersion: number }[], headers: Record<string, string> = {}) {
    const token = username.startsWith('student:') ? await api.student(username.slice(8)) : await api.staff(username);
    const result = await api.as(token, APPROVE, { items: items.map((i) => ('dbId' in i ? ref(i) : i)) }, headers);
    return unwrap(result, result.data?.approveItems);
  }

  /** The single outcome's error code, 'OK', or the whole call's code. */
  async function approveOne(username: string, item: ItemHandle): Promise<string> {
    const { code, report } = await approve(username, [item]);
    if (code) return `call:${code}`;
    const outcome = report!.outcomes[0]!;
    return outcome.ok ? 'OK' : outcome.error!.code;
  }

  describe('authorization matrix', () => {
    it('library reviewer: LIBRARY items yes, FINANCE items no', async () => {
      const [a, b] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'EARTH_SCIENCES' }, 2);
      expect(await approveOne('library', await itemOf(server, a!.number, 'LIBRARY'))).toBe('OK');
      expect(await approveOne('library', await itemOf(server, b!.number, 'FINANCE'))).toBe('FORBIDDEN');
      expect((await itemOf(server, b!.number, 'FINANCE')).status).toBe('PENDING');
    });

    it('student-work group: own college yes, another college no', async () => {
      const [own] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'EARTH_RESOURCES' }, 1, 2);
      const [other] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'GEMMOLOGY' }, 1, 2);
      expect(await approveOne('xgz-earth-resources', await itemOf(server, own!.number, 'STUDENT_AFFAIRS'))).toBe('OK');
      expect(await approveOne('xgz-earth-resources', await itemOf(server, other!.number, 'STUDENT_AFFAIRS'))).toBe('FORBIDDEN');
      // The graduate secretary of the same college is another department: also refused.
      const [own2] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'EARTH_RESOURCES' }, 1, 3);
      expect(await approveOne('yjsms-earth-resources', await itemOf(server, own2!.number, 'STUDENT_AFFAIRS'))).toBe('FORBIDDEN');
    });

    it('dormitory reviewer: own campus yes, the other campus no', async () => {
      const [nws] = await findStudents(server, { category: 'UNDERGRADUATE', campusCode: 'NANWANGSHAN', dormitory: 'ON_CAMPUS' }, 1, 4);
      const [fc] = await findStudents(server, { category: 'UNDERGRADUATE', campusCode: 'FUTURE_CITY', dormitory: 'ON_CAMPUS' }, 1, 4);
      expect(await approveOne('dorm-nanwangshan', await itemOf(server, nws!.number, 'DORM'))).toBe('OK');
      expect(await approveOne('dorm-nanwangshan', await itemOf(server, fc!.number, 'DORM'))).toBe('FORBIDDEN');
      expect(await approveOne('dorm-future-city', await itemOf(server, fc!.number, 'DORM'))).toBe('OK');
    });

    it('supervisors: the first supervisor yes, the second supervisor and a stranger no', async () => {
      const [student] = await findStudents(server, { category: 'POSTGRADUATE_DUAL', secondSupervisor: true }, 1, 1);
      const item = await itemOf(server, student!.number, 'SUPERVISOR');
      const stranger = await server.db.prisma.reviewer.findFirstOrThrow({
        where: { roles: { has: 'SUPERVISOR' }, id: { notIn: [student!.firstSupervisorId!, student!.secondSupervisorId!] } },
      });
      expect(await approveOne(student!.secondSupervisor!.username, item)).toBe('FIRST_SUPERVISOR_ONLY');
      expect(await approveOne(stranger.username, item)).toBe('FORBIDDEN');
      expect(await approveOne(student!.firstSupervisor!.username, item)).toBe('OK');
    });

    it('students, integrations and admins cannot review; only university admins waive', async () => {
      const [s1, s2, s3] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'MATHEMATICS_PHYSICS' }, 3, 5);
      const library = await itemOf(server, s1!.number, 'LIBRARY');
      expect(await approveOne(`student:${s1!.number}`, library)).toBe('call:FORBIDDEN');
      const integrationResult = await api.as(INTEGRATION_TOKEN, APPROVE, { items: [ref(library)] });
      const asIntegration = unwrap(integrationResult, integrationResult.data?.approveItems);
      expect(asIntegration.code).toBe('FORBIDDEN');
      // A university admin does not review (per item), a college admin only in their own department and college.
      expect(await approveOne('admin', library)).toBe('FORBIDDEN');
      expect(await approveOne('xgz-mathematics-physics', library)).toBe('FORBIDDEN');
      expect((await itemOf(server, s1!.number, 'LIBRARY')).status).toBe('PENDING');

      const finance = await itemOf(server, s2!.number, 'FINANCE');
      const byReviewer = await api.as(await api.staff('finance'), WAIVE, { id: finance.id, v: finance.version, r: '免缴' });
      expect(byReviewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const byCollegeAdmin = await api.as(await api.staff('xgz-mathematics-physics'), WAIVE, { id: finance.id, v: finance.version, r: '免缴' });
      expect(byCollegeAdmin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const byAdmin = await api.as(await api.staff('admin'), WAIVE, { id: finance.id, v: finance.version, r: '学费已由学校减免' });
      expect(byAdmin.data?.waiveItem).toMatchObject({
        __typename: 'MutationWaiveItemSuccess',
        data: { status: 'WAIVED', source: 'ADMIN', reason: '学费已由学校减免' },
      });
      const unwaived = await api.as(await api.staff('admin'), UNWAIVE, { id: finance.id, v: success(byAdmin.data?.waiveItem).version });
      expect(unwaived.data?.unwaiveItem).toMatchObject({ data: { status: 'PENDING', source: 'ADMIN' } });
      const audit = await server.db.prisma.adminAction.findMany({ where: { kind: { in: ['WAIVE_ITEM', 'UNWAIVE_ITEM'] } } });
      expect(audit.map((a) => a.kind).sort()).toEqual(['UNWAIVE_ITEM', 'WAIVE_ITEM']);
      // Un-waiving an item that is not waived is not a transition.
      const hospital = await itemOf(server, s3!.number, 'HOSPITAL');
      const notWaived = await api.as(await api.staff('admin'), UNWAIVE, { id: hospital.id, v: hospital.version });
      expect(notWaived.data?.unwaiveItem).toMatchObject({ __typename: 'DomainError', code: 'INVALID_TRANSITION' });
    });

    it('applies the same rules over graphql-ws', async () => {
      const [own, other] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'ENVIRONMENTAL_STUDIES' }, 2, 6);
      const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'ENVIRONMENTAL_STUDIES' }, 1, 8);
      const run = async <R, V>(token: string, document: TypedDocumentString<R, V>, variables: V) => {
        const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
        try {
          return await new Promise<GraphQLResponse<R>>((resolve, reject) => {
            let value: GraphQLResponse<R> = {};
            client.subscribe(
              { query: document.toString(), variables: variables as Record<string, unknown> },
              { next: (v) => (value = v as GraphQLResponse<R>), error: reject, complete: () => resolve(value) },
            );
          });
        } finally {
          await client.dispose();
        }
      };
      const library = await itemOf(server, own!.number, 'LIBRARY');
      const ok = await run(await api.staff('library'), APPROVE, { items: [ref(library)] });
      expect(success(ok.data?.approveItems).outcomes[0]).toMatchObject({ ok: true, status: 'APPROVED' });
      const finance = await itemOf(server, other!.number, 'FINANCE');
      const refused = await run(await api.staff('library'), APPROVE, { items: [ref(finance)] });
      expect(success(refused.data?.approveItems).outcomes[0]).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      const asStudent = await run(await api.student(student!.number), QUEUE_PROBE, {});
      expect(asStudent.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });

  it("gates a postgraduate's items behind the supervisor review", async () => {
    const [approved, rejected] = await findStudents(server, { category: 'POSTGRADUATE_SINGLE', collegeCode: 'COMPUTER_SCIENCE' }, 2);
    const library = await itemOf(server, approved!.number, 'LIBRARY');
    expect(library.status).toBe('LOCKED');
    expect(await approveOne('library', library)).toBe('ITEM_LOCKED');

    const supervisorItem = await itemOf(server, approved!.number, 'SUPERVISOR');
    expect(await approveOne(approved!.firstSupervisor!.username, supervisorItem)).toBe('OK');
    const unlocked = await itemOf(server, approved!.number, 'LIBRARY');
    expect(unlocked).toMatchObject({ status: 'PENDING', version: library.version + 1 });
    expect(await approveOne('library', unlocked)).toBe('OK');

    const other = await itemOf(server, rejected!.number, 'SUPERVISOR');
    const token = await api.staff(rejected!.firstSupervisor!.username);
    const rejectionResult = await api.as(token, REJECT, { items: [ref(other)], reason: '论文尚未通过答辩' });
    const rejection = unwrap(rejectionResult, rejectionResult.data?.rejectItems);
    expect(rejection.report).toMatchObject({ rejected: 1, failed: 0 });
    expect((await itemOf(server, rejected!.number, 'LIBRARY')).status).toBe('LOCKED');
    expect(await approveOne('library', await itemOf(server, rejected!.number, 'LIBRARY'))).toBe('ITEM_LOCKED');

    // The student acted: the supervisor reopens the review, then approves it.
    const reopened = await api.as(token, REOPEN, { id: other.id, v: other.version + 1 });
    expect(reopened.data?.reopenItem).toMatchObject({ __typename: 'MutationReopenItemSuccess', data: { status: 'PENDING' } });
    const stale = await api.as(token, REOPEN, { id: other.id, v: other.version + 1 });
    expect(stale.data?.reopenItem).toMatchObject({ __typename: 'DomainError', code: 'CONFLICT' });
    expect(await approveOne(rejected!.firstSupervisor!.username, await itemOf(server, rejected!.number, 'SUPERVISOR'))).toBe('OK');
    expect((await itemOf(server, rejected!.number, 'LIBRARY')).status).toBe('PENDING');
  });

  it('decides a batch item by item: fresh versions pass, stale ones answer CONFLICT, bad ids NOT_FOUND', async () => {
    const students = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'FOREIGN_LANGUAGES' }, 4, 2);
    const items = await Promise.all(students.map((s) => itemOf(server, s.number, 'HOSPITAL')));
    const stale = { id: items[1]!.id, expectedVersion: items[1]!.version - 1 };
    const wrongType = globalId('Student', students[0]!.id);
    const { report } = await approve('hospital', [
      ref(items[0]!),
      stale,
      ref(items[2]!),
      { id: 'not-a-global-id', expectedVersion: 1 },
      { id: wrongType, expectedVersion: 1 },
      ref(items[0]!),
    ]);
    expect(report).toMatchObject({ approved: 2, rejected: 0, failed: 4 });
    expect(report!.outcomes.map((o) => (o.ok ? o.status : o.error!.code))).toEqual(['APPROVED', 'CONFLICT', 'APPROVED', 'NOT_FOUND', 'NOT_FOUND', 'CONFLICT']);
    expect(report!.outcomes[0]).toMatchObject({ id: items[0]!.id, version: items[0]!.version + 1 });
    expect(report!.outcomes[1]!.id).toBe(items[1]!.id);
    expect((await itemOf(server, students[1]!.number, 'HOSPITAL')).status).toBe('PENDING');

    // Messages follow Accept-Language.
    const english = await approve('hospital', [ref(items[3]!), { id: items[1]!.id, expectedVersion: 99 }], { 'accept-language': 'en' });
    expect(english.report!.outcomes[1]!.error!.message).toMatch(/changed this item/);

    // A batch of 0 or more than 1000 is refused as a whole; so is a rejection without a reason.
    expect((await approve('hospital', [])).code).toBe('INVALID_INPUT');
    const tooMany = Array.from({ length: 1001 }, () => ref(items[3]!));
    expect((await approve('hospital', tooMany)).code).toBe('INVALID_INPUT');
    const noReasonResult = await api.as(await api.staff('hospital'), REJECT, { items: [ref(items[3]!)], reason: '   ' });
    const noReason = unwrap(noReasonResult, noReasonResult.data?.rejectItems);
    expect(noReason.code).toBe('REASON_REQUIRED');
  });

  it('lets exactly one of two simultaneous decisions on the same item win', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'ARTS_COMMUNICATION' }, 1, 3);
    const item = await itemOf(server, student!.number, 'CAREER');
    const eventsBefore = await server.db.prisma.clearanceEvent.count({ where: { itemId: item.dbId } });
    const [first, second] = [await server.login('career', 'Lixiao@2020'), await server.login('career', 'Lixiao@2020')];
    const [a, b] = await Promise.all([
      api.as(first, APPROVE, { items: [ref(item)] }),
      api.as(second, REJECT, { items: [ref(item)], reason: '就业方案未提交' }),
    ]);
    const outcomes = [success(a.data?.approveItems).outcomes[0]!, success(b.data?.rejectItems).outcomes[0]!];
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok).map((o) => o.error!.code)).toEqual(['CONFLICT']);
    const winner = outcomes.find((o) => o.ok)!;
    const after = await itemOf(server, student!.number, 'CAREER');
    expect(after).toMatchObject({ status: winner.status, version: item.version + 1 });
    expect(await server.db.prisma.clearanceEvent.count({ where: { itemId: item.dbId } })).toBe(eventsBefore + 1);
  });

  it('clears an undergraduate when the last required item is approved by the proper reviewers', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'STATE_KEY_LAB', dormitory: 'ON_CAMPUS' });
    const items = await server.db.prisma.clearanceItem.findMany({ where: { studentId: student!.id }, include: { template: true } });
    const open = items.filter((i) => i.status !== 'APPROVED' && i.status !== 'WAIVED');
    expect(open.map((i) => i.template.code).sort()).toEqual(
      ['CAREER', 'DORM', 'EQUIPMENT', 'FINANCE', 'HOSPITAL', 'LIBRARY', 'STUDENT_AFFAIRS', 'SURVEY'].sort(),
    );

    // The survey is the student's own item (its form belongs to the student journey); it is submitted directly here.
    const survey = open.find((i) => i.template.code === 'SURVEY')!;
    const viewer = {
      kind: 'student' as const,
      credentialId: 'test',
      studentId: student!.id,
      mustChangePassword: false,
      tokenExpiresAt: new Date(Date.now() + 60_000),
    };
    expect(
      await changeItems(server.services, [{ itemId: survey.id, to: 'APPROVED', expectedVersion: survey.version }], { source: 'SELF', viewer }),
    ).toMatchObject([{ ok: true }]);

    const reviewerOf: Record<string, string> = {
      LIBRARY: 'library',
      EQUIPMENT: 'equipment',
      HOSPITAL: 'hospital',
      FINANCE: 'finance',
      CAREER: 'career',
      STUDENT_AFFAIRS: `xgz-${slug(student!.college.code)}`,
      DORM: `dorm-${slug(student!.campus.code)}`,
    };
    const rest = open.filter((i) => i.template.code !== 'SURVEY');
    for (const [index, item] of rest.entries()) {
      const handle = await itemOf(server, student!.number, item.template.code);
      expect(await approveOne(reviewerOf[item.template.code]!, handle)).toBe('OK');
      const { clearedAt } = await server.db.prisma.student.findUniqueOrThrow({ where: { id: student!.id } });
      if (index < rest.length - 1) expect(clearedAt).toBeNull();
      else expect(clearedAt).toBeInstanceOf(Date);
    }
    const asStaff = await api.as(await api.staff('admin'), CLEARED_AT, {
      id: globalId('Student', student!.id),
    });
    expect(asStaff.data?.node && 'clearedAt' in asStaff.data.node ? asStaff.data.node.clearedAt : null).not.toBeNull();
  });
});

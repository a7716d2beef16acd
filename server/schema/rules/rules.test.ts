import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../testing/databases.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { clients, findStudents, itemOf, ref } from '../../testing/demo.js';
import type { RuleChangeInput } from '../../testing/generated/graphql.js';
import { graphql } from '../../testing/generated/index.js';
import { globalId } from '../../testing/ids.js';
import { failure, success } from '../../testing/request.js';

const PREVIEW = graphql(`
  query RulesPreview($input: RuleChangeInput!) {
    previewRuleChange(input: $input) {
      __typename
      ... on QueryPreviewRuleChangeSuccess {
        data { cohortYear ruleSetVersion applied templateCode studentsAffected changes { effect total entries { studentNumber studentName itemCode from to } } }
      }
      ... on DomainError { code message field }
    }
  }
`);
const APPLY = graphql(`
  mutation RulesApply($input: RuleChangeInput!, $version: Int!) {
    applyRuleChange(input: $input, expectedRuleSetVersion: $version) {
      __typename
      ... on MutationApplyRuleChangeSuccess {
        data { cohortYear ruleSetVersion applied templateCode studentsAffected changes { effect total entries { studentNumber studentName itemCode from to } } }
      }
      ... on DomainError { code message field }
    }
  }
`);
const PREVIEW_REASONS = graphql(`
  query RulesPreviewReasons($input: RuleChangeInput!) {
    previewRuleChange(input: $input) { __typename ... on QueryPreviewRuleChangeSuccess { data { changes { effect entries { reason } } } } }
  }
`);
const APPROVE = graphql(`
  mutation RulesApprove($items: [ItemRefInput!]!) { approveItems(items: $items) { __typename ... on MutationApproveItemsSuccess { data { approved failed } } } }
`);
const REJECT = graphql(`
  mutation RulesReject($items: [ItemRefInput!]!, $reason: String!) {
    rejectItems(items: $items, reason: $reason) { __typename ... on MutationRejectItemsSuccess { data { rejected failed } } }
  }
`);
const WAIVE = graphql(`
  mutation RulesWaive($id: ID!, $version: Int!) { waiveItem(id: $id, expectedVersion: $version, reason: "学院核准免办") { __typename } }
`);
const SHEET = graphql(`
  query RulesSheet($id: ID!) { node(id: $id) { ... on Student { clearanceItems { code status source reason } } } }
`);
const SHEET_WAIVERS = graphql(`
  query RulesSheetWaivers($id: ID!) { node(id: $id) { ... on Student { clearanceItems { code status source reason waivedBecause { code reason } } } } }
`);
const COHORT_STATS = graphql(`
  query RulesCohortStats { cohortStats(year: 2020) { items { template { code } pending locked } } }
`);

/** Rule changes as the tests write them, deliberately invalid ones included (the server validates them). */
const ruleChange = (input: Record<string, unknown>) => ({ cohortYear: 2020, ...input }) as RuleChangeInput;

type Report = { changes: { effect: string; total: number; entries: { studentNumber: string }[] }[] };
const listOf = <R extends Report>(report: R, effect: string) => report.changes.find((list) => list.effect === effect) as R['changes'][number];
const totals = (report: Report) => Object.fromEntries(report.changes.filter((list) => list.total > 0).map((list) => [list.effect, list.total]));

describe.each(BACKENDS)('rules as data on %s: previewRuleChange and applyRuleChange', (backend) => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  let admin: string;
  beforeAll(async () => {
    server = await startTestServer({ backend, demo: true });
    api = clients(server);
    admin = await api.staff('admin');
  });
  afterAll(async () => {
    await server?.close();
  });

  const preview = async (input: Record<string, unknown>) => {
    const result = await api.as(admin, PREVIEW, { input: ruleChange(input) });
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return result.data!.previewRuleChange;
  };
  const apply = async (input: Record<string, unknown>, version: number) => {
    const result = await api.as(admin, APPLY, { input: ruleChange(input), version });
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return result.data!.applyRuleChange;
  };
  const currentVersion = async () => (await server.db.prisma.cohort.findUniqueOrThrow({ where: { year: 2020 } })).ruleSetVersion;

  /** Everything a rule change may write, to prove that something did not. */
  const snapshot = async () => ({
    items: await server.db.prisma.clearanceItem.findMany({ orderBy: { id: 'asc' } }),
    events: await server.db.prisma.clearanceEvent.count(),
    templates: await server.db.prisma.itemTemplate.findMany({ orderBy: { id: 'asc' } }),
    cohorts: await server.db.prisma.cohort.findMany({ orderBy: { year: 'asc' } }),
    contacts: await server.db.prisma.departmentContact.findMany({ orderBy: { id: 'asc' } }),
    students: await server.db.prisma.student.findMany({ select: { id: true, clearedAt: true }, orderBy: { id: 'asc' } }),
    adminActions: await server.db.prisma.adminAction.count(),
    counters: await server.db.sql.query('SELECT * FROM "ItemStatusCount" ORDER BY 1, 2, 3, 4, 5, 6'),
  });

  /** Numbers of current 2020 students whose item `code` has one of `statuses`. */
  const numbersWith = async (code: string, statuses: string[]) =>
    (
      await server.db.prisma.student.findMany({
        where: { cohort: { year: 2020 }, items: { some: { template: { code, cohort: { year: 2020 } }, status: { in: statuses as never } } } },
        select: { number: true },
        orderBy: { number: 'asc' },
      })
    ).map((student) => student.number);

  it('previews gained, re-locked, lost and kept items without writing anything', async () => {
    const before = await snapshot();
    const version = await currentVersion();

    // HOSPITAL for single-certificate postgraduates too: each gains it, locked behind their supervisor's review.
    const hospital = await preview({ template: { code: 'HOSPITAL', applicability: { appliesTo: [{}], waivers: [] } } });
    expect(hospital.__typename).toBe('QueryPreviewRuleChangeSuccess');
    const singles = await server.db.prisma.student.findMany({ where: { cohort: { year: 2020 }, category: 'POSTGRADUATE_SINGLE' }, orderBy: { number: 'asc' } });
    expect(success(hospital)).toMatchObject({
      cohortYear: 2020,
      ruleSetVersion: version,
      applied: false,
      templateCode: 'HOSPITAL',
      studentsAffected: singles.length,
    });
    expect(totals(success(hospital))).toEqual({ GAINED: singles.length });
    expect(listOf(success(hospital), 'GAINED').entries).toEqual(
      singles.map((student) => ({ studentNumber: student.number, studentName: student.name, itemCode: 'HOSPITAL', from: null, to: 'LOCKED' })),
    );

    // FINANCE after LIBRARY: every pending FINANCE item whose LIBRARY item is open locks again; the list is capped at 200.
    const finance = await preview({ template: { code: 'FINANCE', prerequisites: ['SUPERVISOR', 'LIBRARY'] } });
    const pendingFinance = await numbersWith('FINANCE', ['PENDING']);
    const openLibrary = new Set(await numbersWith('LIBRARY', ['LOCKED', 'PENDING', 'REJECTED']));
    const relocked = pendingFinance.filter((number) => openLibrary.has(number));
    expect(relocked.length).toBeGreaterThan(200);
    expect(totals(success(finance))).toEqual({ RELOCKED: relocked.length });
    const relockedList = listOf(success(finance), 'RELOCKED');
    expect(relockedList.entries).toHaveLength(200);
    expect(relockedList.entries.map((entry) => entry.studentNumber)).toEqual(relocked.slice(0, 200));
    expect(relockedList.entries[0]).toMatchObject({ itemCode: 'FINANCE', from: 'PENDING', to: 'LOCKED' });

    // Deactivating CAREER waives every undecided CAREER item.
    const career = await preview({ template: { code: 'CAREER', active: false } });
    const undecidedCareer = await numbersWith('CAREER', ['LOCKED', 'PENDING']);
    expect(totals(success(career))).toEqual({ LOST: undecidedCareer.length });
    expect(listOf(success(career), 'LOST').entries.map((entry) => entry.studentNumber)).toEqual(undecidedCareer.slice(0, 200));

    // Deferred students (moved to 2021) are never listed.
    const deferred = await server.db.prisma.student.findMany({ where: { cohort: { year: 2021 } } });
    expect(deferred.length).toBeGreaterThan(0);
    const listed = [hospital, finance, career].flatMap((answer) => success(answer).changes.flatMap((list) => list.entries.map((entry) => entry.studentNumber)));
    expect(listed.filter((number) => deferred.some((student) => student.number === number))).toEqual([]);

    expect(await snapshot()).toEqual(before);
  });

  it('applies a deactivation: waives undecided items, keeps every decision, clears who is now done, and can be undone', async () => {
    const [approvedStudent, rejectedStudent, almostDone] = await findStudents(
      server,
      { category: 'UNDERGRADUATE', collegeCode: 'GEMMOLOGY', dormitory: 'ON_CAMPUS' },
      3,
    );
    const career = await api.staff('career');
    expect(success((await api.as(career, APPROVE, { items: [ref(await itemOf(server, approvedStudent!.number, 'CAREER'))] })).data?.approveItems)).toEqual({
      approved: 1,
      failed: 0,
    });
    const rejection = await api.as(career, REJECT, { items: [ref(await itemOf(server, rejectedStudent!.number, 'CAREER'))], reason: '就业方案未提交' });
    expect(success(rejection.data?.rejectItems)).toEqual({ rejected: 1, failed: 0 });
    // Everything but CAREER settled for one student (ASSET is approved by policy).
    const openItems = await server.db.prisma.clearanceItem.findMany({
      where: { studentId: almostDone!.id, status: { in: ['LOCKED', 'PENDING'] }, template: { code: { not: 'CAREER' } } },
      include: { template: true },
    });
    for (const item of openItems) {
      const handle = await itemOf(server, almostDone!.number, item.template.code);
      expect((await api.as(admin, WAIVE, { id: handle.id, version: handle.version })).data?.waiveItem.__typename).toBe('MutationWaiveItemSuccess');
    }
    expect((await server.db.prisma.student.findUniqueOrThrow({ where: { id: almostDone!.id } })).clearedAt).toBeNull();

    const decided = () =>
      server.db.prisma.clearanceItem.findMany({
        where: { OR: [{ status: { in: ['APPROVED', 'REJECTED'] } }, { status: 'WAIVED', source: { not: 'SYSTEM' } }] },
        orderBy: { id: 'asc' },
      });
    const decidedBefore = await decided();
    const version = await currentVersion();
    const deactivate = { template: { code: 'CAREER', active: false } };
    const previewed = await preview(deactivate);
    expect(listOf(success(previewed), 'KEPT').entries).toEqual([
      { studentNumber: approvedStudent!.number, studentName: approvedStudent!.name, itemCode: 'CAREER', from: 'APPROVED', to: 'APPROVED' },
      { studentNumber: rejectedStudent!.number, studentName: rejectedStudent!.name, itemCode: 'CAREER', from: 'REJECTED', to: 'REJECTED' },
    ]);
    const inEnglish = await api.as(admin, PREVIEW_REASONS, { input: ruleChange(deactivate) }, { 'accept-language': 'en' });
    const reasons = (effect: string) =>
      new Set(
        success(inEnglish.data?.previewRuleChange)
          .changes.find((list) => list.effect === effect)!
          .entries.map((entry) => entry.reason),
      );
    expect(reasons('KEPT')).toEqual(new Set(['Rule change: no longer applies; the decision is kept']));
    expect(reasons('LOST')).toEqual(new Set(['Rule change: no longer applies']));
    const lostTotal = listOf(success(previewed), 'LOST').total;
    const eventsBefore = await server.db.prisma.clearanceEvent.count();

    const applied = await apply(deactivate, version);
    expect(applied.__typename).toBe('MutationApplyRuleChangeSuccess');
    expect(success(applied)).toEqual({ ...success(previewed), ruleSetVersion: version + 1, applied: true });
    expect(await currentVersion()).toBe(version + 1);
    expect(await server.db.prisma.itemTemplate.findFirstOrThrow({ where: { code: 'CAREER', cohort: { year: 2020 } } })).toMatchObject({
      active: false,
      ruleSetVersion: version + 1,
    });

    expect(await decided()).toEqual(decidedBefore);
    const lost = await server.db.prisma.clearanceItem.findMany({
      where: { template: { code: 'CAREER' }, status: 'WAIVED' },
      include: { events: { orderBy: { seq: 'desc' }, take: 1 } },
    });
    expect(lost).toHaveLength(lostTotal);
    const adminAccount = await server.db.prisma.reviewer.findUniqueOrThrow({ where: { username: 'admin' } });
    for (const item of lost) {
      expect(item).toMatchObject({ source: 'SYSTEM', reason: '规则变更：本项不再适用', waiverCode: null });
      expect(item.events[0]).toMatchObject({ toStatus: 'WAIVED', source: 'SYSTEM', reason: '规则变更：本项不再适用', actorReviewerId: adminAccount.id });
      expect(['LOCKED', 'PENDING']).toContain(item.events[0]!.fromStatus);
    }
    expect(await server.db.prisma.clearanceEvent.count()).toBe(eventsBefore + lostTotal);
    expect((await server.db.prisma.student.findUniqueOrThrow({ where: { id: almostDone!.id } })).clearedAt).not.toBeNull();
    expect(await server.db.prisma.adminAction.findFirst({ where: { kind: 'RULE_CHANGE' } })).toMatchObject({
      actorId: adminAccount.id,
      payload: { fromVersion: version, toVersion: version + 1 },
    });

    // The sheet shows the item as waived by the system, with the rule change as the reason.
    const sheet = await api.as(admin, SHEET, { id: globalId('Student', almostDone!.id) });
    expect(sheet.data?.node && 'clearanceItems' in sheet.data.node ? sheet.data.node.clearanceItems : null).toContainEqual({
      code: 'CAREER',
      status: 'WAIVED',
      source: 'SYSTEM',
      reason: '规则变更：本项不再适用',
    });

    // Undo: the same items are required again; the decisions are still untouched.
    const reactivated = await apply({ template: { code: 'CAREER', active: true } }, version + 1);
    expect(totals(success(reactivated))).toEqual({ REINSTATED: lostTotal });
    expect(await decided()).toEqual(decidedBefore);
    expect(await server.db.prisma.clearanceItem.count({ where: { template: { code: 'CAREER' }, status: 'WAIVED' } })).toBe(0);
    expect((await server.db.prisma.student.findUniqueOrThrow({ where: { id: almostDone!.id } })).clearedAt).toBeNull();
  });

  it('adds a template: every student it applies to gains the item, locked or not by their own prerequisites, with its event', async () => {
    const [student] = await findStudents(server, { category: 'POSTGRADUATE_DUAL', collegeCode: 'COMPUTER_SCIENCE' });
    const supervisor = await server.db.prisma.reviewer.findUniqueOrThrow({ where: { id: student!.firstSupervisorId! } });
    const approved = await api.as(await api.staff(supervisor.username), APPROVE, { items: [ref(await itemOf(server, student!.number, 'SUPERVISOR'))] });
    expect(success(approved.data?.approveItems)).toEqual({ approved: 1, failed: 0 });

    const thesis = {
      code: 'THESIS_SUBMISSION',
      sequence: 12,
      name: { zh: '学位论文电子版提交', en: 'Thesis submission' },
      requirement: { zh: '向图书馆提交学位论文电子版', en: 'Submit the electronic thesis to the library' },
      departmentCode: 'LIBRARY',
      scope: 'UNIVERSITY',
      applicability: { appliesTo: [{ categories: ['POSTGRADUATE_DUAL'] }], waivers: [] },
      prerequisites: ['SUPERVISOR'],
      autoApproval: null,
      active: true,
    };
    const duals = await server.db.prisma.student.count({ where: { cohort: { year: 2020 }, category: 'POSTGRADUATE_DUAL' } });
    const result = await apply({ template: thesis }, await currentVersion());
    expect(totals(success(result))).toEqual({ GAINED: duals });
    expect(listOf(success(result), 'GAINED').entries).toContainEqual({
      studentNumber: student!.number,
      studentName: student!.name,
      itemCode: 'THESIS_SUBMISSION',
      from: null,
      to: 'PENDING',
    });

    const items = await server.db.prisma.clearanceItem.findMany({ where: { template: { code: 'THESIS_SUBMISSION' } }, include: { events: true } });
    expect(items).toHaveLength(duals);
    for (const item of items) {
      expect(item.status).toBe(item.studentId === student!.id ? 'PENDING' : 'LOCKED');
      expect(item.events).toMatchObject([{ fromStatus: null, toStatus: item.status, source: 'SYSTEM', reason: '规则变更：新增事项' }]);
    }
    // The reviewers' numbers follow at once (counters are kept by triggers).
    const stats = await api.as(admin, COHORT_STATS);
    expect(stats.data?.cohortStats.items).toContainEqual({ template: { code: 'THESIS_SUBMISSION' }, pending: 1, locked: duals - 1 });
    // The library reviewer can approve the new item like any other.
    const library = await api.as(await api.staff('library'), APPROVE, { items: [ref(await itemOf(server, student!.number, 'THESIS_SUBMISSION'))] });
    expect(success(library.data?.approveItems)).toEqual({ approved: 1, failed: 0 });
  });

  it('waives undecided items by a new waiver and approves them by a new policy, leaving decisions alone', async () => {
    const [decidedStudent, student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'COMPUTER_SCIENCE' }, 2);
    const rejected = await api.as(await api.staff('equipment'), REJECT, {
      items: [ref(await itemOf(server, decidedStudent!.number, 'EQUIPMENT'))],
      reason: '设备未归还',
    });
    expect(success(rejected.data?.rejectItems)).toEqual({ rejected: 1, failed: 0 });
    const equipment = await server.db.prisma.itemTemplate.findFirstOrThrow({ where: { code: 'EQUIPMENT', cohort: { year: 2020 } } });
    const waiver = {
      code: 'CS_LAB_RETURNED',
      when: { categories: ['UNDERGRADUATE'], collegeCodes: ['COMPUTER_SCIENCE'] },
      reason: { zh: '计算机学院设备已统一归还', en: 'Computer Science returned its equipment centrally' },
    };
    const applicability = equipment.applicability as { appliesTo: unknown[]; waivers: unknown[] };
    const computerScience = new Set((await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'COMPUTER_SCIENCE' }, 100)).map((s) => s.number));
    const expected = (await numbersWith('EQUIPMENT', ['LOCKED', 'PENDING'])).filter((number) => computerScience.has(number));
    expect(expected).toContain(student!.number);
    expect(expected).not.toContain(decidedStudent!.number);
    const result = await apply(
      { template: { code: 'EQUIPMENT', applicability: { appliesTo: applicability.appliesTo, waivers: [...applicability.waivers, waiver] } } },
      await currentVersion(),
    );
    expect(totals(success(result))).toEqual({ WAIVED: expected.length });
    expect(listOf(success(result), 'WAIVED').entries.map((entry) => entry.studentNumber)).toEqual(expected);
    expect(await itemOf(server, decidedStudent!.number, 'EQUIPMENT')).toMatchObject({ status: 'REJECTED' });

    const sheet = await api.as(admin, SHEET_WAIVERS, { id: globalId('Student', student!.id) });
    expect(sheet.data?.node && 'clearanceItems' in sheet.data.node ? sheet.data.node.clearanceItems : null).toContainEqual({
      code: 'EQUIPMENT',
      status: 'WAIVED',
      source: 'SYSTEM',
      reason: waiver.reason.zh,
      waivedBecause: { code: 'CS_LAB_RETURNED', reason: waiver.reason.zh },
    });

    // A policy approves every undecided HOSPITAL item, locked ones included, as it would at creation.
    const undecidedHospital = await numbersWith('HOSPITAL', ['LOCKED', 'PENDING']);
    const policy = await apply(
      { template: { code: 'HOSPITAL', autoApproval: { reason: { zh: '今年校医院费用统一结算', en: 'Settled centrally this year' } } } },
      await currentVersion(),
    );
    expect(totals(success(policy))).toEqual({ AUTO_APPROVED: undecidedHospital.length });
    const hospital = await server.db.prisma.clearanceItem.findFirstOrThrow({
      where: { studentId: student!.id, template: { code: 'HOSPITAL' } },
      include: { events: { orderBy: { seq: 'desc' }, take: 1 } },
    });
    expect(hospital).toMatchObject({ status: 'APPROVED', source: 'POLICY', reason: '今年校医院费用统一结算' });
    expect(hospital.events[0]).toMatchObject({ toStatus: 'APPROVED', source: 'POLICY', reason: '今年校医院费用统一结算' });
    // Removing the policy later keeps those approvals: they are decisions now.
    const removed = await apply({ template: { code: 'HOSPITAL', autoApproval: null } }, await currentVersion());
    expect(totals(success(removed))).toEqual({});
    expect(await server.db.prisma.itemTemplate.findFirstOrThrow({ where: { code: 'HOSPITAL', cohort: { year: 2020 } } })).toMatchObject({ autoApproval: null });
  });

  it('replaces department contacts without touching any item', async () => {
    const before = await server.db.prisma.clearanceItem.findMany({ orderBy: { id: 'asc' } });
    const contacts = [
      {
        campusCode: 'NANWANGSHAN',
        phone: '027-67883001',
        office: { zh: '南望山图书馆总服务台', en: 'Nanwangshan library desk' },
        hours: { zh: '8:00–22:00', en: '8:00–22:00' },
      },
      { office: { zh: '未来城图书馆一楼', en: 'Future City library, ground floor' }, hours: { zh: '工作日', en: 'Weekdays' } },
    ];
    const version = await currentVersion();
    const result = await apply({ departmentContacts: [{ departmentCode: 'LIBRARY', contacts }] }, version);
    expect(success(result)).toMatchObject({ ruleSetVersion: version + 1, templateCode: null, studentsAffected: 0 });
    expect(totals(success(result))).toEqual({});
    const stored = await server.db.prisma.departmentContact.findMany({
      where: { department: { code: 'LIBRARY' } },
      include: { campus: true },
      orderBy: { phone: 'asc' },
    });
    expect(stored.map((contact) => [contact.campus?.code ?? null, contact.phone, contact.officeZh])).toEqual([
      ['NANWANGSHAN', '027-67883001', '南望山图书馆总服务台'],
      [null, null, '未来城图书馆一楼'],
    ]);
    expect(await server.db.prisma.clearanceItem.findMany({ orderBy: { id: 'asc' } })).toEqual(before);
  });

  it('refuses a stale version, an invalid rule or an empty change, writing nothing', async () => {
    const before = await snapshot();
    const version = await currentVersion();
    const change = { template: { code: 'DORM', active: false } };
    expect(await apply(change, version - 1)).toMatchObject({ __typename: 'DomainError', code: 'CONFLICT' });

    const refusals: [Record<string, unknown>, string, string][] = [
      [{ template: { code: 'LIBRARY', prerequisites: ['SUPERVISOR', 'NO_SUCH_ITEM'] } }, 'INVALID_RULE', 'template.prerequisites[1]'],
      [{ template: { code: 'SUPERVISOR', prerequisites: ['LIBRARY'] } }, 'INVALID_RULE', 'template.prerequisites[0]'],
      [{ template: { code: 'LIBRARY', sequence: 3 } }, 'INVALID_RULE', 'template.sequence'],
      [{ template: { code: 'LIBRARY', departmentCode: 'NOWHERE' } }, 'INVALID_RULE', 'template.departmentCode'],
      [{ template: { code: 'LIBRARY', applicability: { appliesTo: [], waivers: [] } } }, 'INVALID_RULE', 'template.applicability.appliesTo'],
      [
        { template: { code: 'LIBRARY', applicability: { appliesTo: [{ collegeCodes: ['ATLANTIS'] }], waivers: [] } } },
        'INVALID_RULE',
        'template.applicability.appliesTo[0].collegeCodes[0]',
      ],
      [{ template: { code: 'NEW_ITEM', sequence: 20 } }, 'INVALID_RULE', 'template.name'],
      [{ template: { code: 'lower case', sequence: 20 } }, 'INVALID_RULE', 'template.code'],
      [{ departmentContacts: [{ departmentCode: 'LIBRARY', contacts: [] }] }, 'INVALID_RULE', 'departmentContacts[0].contacts'],
      [
        { departmentContacts: [{ departmentCode: 'NOWHERE', contacts: [{ office: { zh: '-', en: '-' }, hours: { zh: '-', en: '-' } }] }] },
        'INVALID_RULE',
        'departmentContacts[0].departmentCode',
      ],
      [{}, 'INVALID_INPUT', 'input'],
    ];
    for (const [input, code, field] of refusals) {
      expect(await apply(input, version), JSON.stringify(input)).toMatchObject({ __typename: 'DomainError', code, field });
      expect(failure(await preview(input)).code).toBe(code);
    }
    const missingYear = await api.as(admin, APPLY, { input: { cohortYear: 1999, ...change }, version });
    expect(failure(missingYear.data?.applyRuleChange).code).toBe('NOT_FOUND');

    const english = await api.as(
      admin,
      APPLY,
      { input: { cohortYear: 2020, template: { code: 'LIBRARY', sequence: 3 } }, version },
      { 'accept-language': 'en' },
    );
    expect(failure(english.data?.applyRuleChange).message).toMatch(
      /^The rule change is not valid \(template\.sequence\): template\.sequence: duplicate sequence 3/,
    );
    expect(await snapshot()).toEqual(before);
  });

  it('is for university admins only', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'MARXISM' });
    const tokens = [await api.staff('library'), await api.staff('xgz-computer-science'), await api.student(student!.number)];
    const input = { cohortYear: 2020, template: { code: 'DORM', active: false } };
    for (const token of tokens) {
      expect((await api.as(token, PREVIEW, { input })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await api.as(token, APPLY, { input, version: await currentVersion() })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(await server.db.prisma.itemTemplate.findFirstOrThrow({ where: { code: 'DORM', cohort: { year: 2020 } } })).toMatchObject({ active: true });
  });
});

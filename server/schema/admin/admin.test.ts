import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../testing/server.js';
import { type clients, findStudents, itemOf, openDemoServer, ref, slug } from '../../testing/demo.js';
import { graphql } from '../../testing/generated/index.js';
import { globalId } from '../../testing/ids.js';
import { success } from '../../testing/request.js';

const DEFER = graphql(`
  mutation AdminDeferStudent($id: ID!, $reason: String!, $from: Int = 2020) {
    deferStudent(studentId: $id, reason: $reason, fromCohortYear: $from) {
      __typename
      ... on MutationDeferStudentSuccess { data { number cohort { year } clearedAt } }
      ... on Error { code }
    }
  }
`);
const REMIND = graphql(`
  mutation AdminSendReminders($year: Int!, $college: String) {
    sendReminders(cohortYear: $year, collegeCode: $college) {
      __typename
      ... on MutationSendRemindersSuccess { data { cohortYear collegeCode notified } }
      ... on Error { code }
    }
  }
`);
const MINE = graphql(`
  query AdminMyNotifications($unread: Boolean) { myNotifications(unreadOnly: $unread) { id kind title body readAt } }
`);
const READ = graphql(`
  mutation AdminMarkNotificationRead($id: ID!) {
    markNotificationRead(id: $id) { __typename ... on MutationMarkNotificationReadSuccess { data { id readAt } } ... on Error { code } }
  }
`);
const APPROVE = graphql(`
  mutation AdminApproveItems($items: [ItemRefInput!]!) {
    approveItems(items: $items) { __typename ... on MutationApproveItemsSuccess { data { approved failed } } }
  }
`);
const REJECT = graphql(`
  mutation AdminRejectItems($items: [ItemRefInput!]!, $reason: String!) {
    rejectItems(items: $items, reason: $reason) { __typename ... on MutationRejectItemsSuccess { data { rejected failed } } }
  }
`);
const STUDENT_SHEET = graphql(`
  query AdminStudentSheet { viewer { ... on Student { cohort { year } clearanceItems { id } deferral { deferred movedToCohort { year } } } } }
`);
const QUEUE_TOTAL = graphql(`
  query AdminReviewQueueTotal($f: ReviewQueueFilter) { reviewQueue(filter: $f) { counts { total } } }
`);
const VIEWER_NOTIFICATIONS = graphql(`
  query AdminViewerNotifications { viewer { ... on Student { notifications { id kind } } } }
`);
const NODE_ID = graphql(`
  query AdminNodeId($id: ID!) { node(id: $id) { id } }
`);
const STUDENT_NOTIFICATIONS = graphql(`
  query AdminStudentNotifications($id: ID!) { node(id: $id) { ... on Student { notifications { id } } } }
`);

describe('admin journey', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer()));
  afterAll(() => server?.close());

  describe('deferStudent', () => {
    it('moves the student to the next cohort, drops undecided items and keeps decided history', async () => {
      const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'EARTH_SCIENCES', dormitory: 'ON_CAMPUS' }, 1, 3);
      const library = await itemOf(server, student!.number, 'LIBRARY');
      const finance = await itemOf(server, student!.number, 'FINANCE');
      expect(success((await api.as(await api.staff('library'), APPROVE, { items: [ref(library)] })).data?.approveItems)).toEqual({ approved: 1, failed: 0 });
      expect(success((await api.as(await api.staff('finance'), REJECT, { items: [ref(finance)], reason: '学费未缴清' })).data?.rejectItems)).toEqual({
        rejected: 1,
        failed: 0,
      });
      const before = await server.db.prisma.clearanceItem.findMany({ where: { studentId: student!.id }, include: { template: true } });
      const decided = before.filter((i) => ['APPROVED', 'REJECTED', 'WAIVED'].includes(i.status));
      const undecided = before.filter((i) => ['LOCKED', 'PENDING'].includes(i.status));
      expect(decided.map((i) => i.template.code)).toEqual(expect.arrayContaining(['LIBRARY', 'FINANCE', 'ASSET']));
      expect(undecided.length).toBeGreaterThan(0);
      const decidedEvents = await server.db.prisma.clearanceEvent.findMany({ where: { itemId: { in: decided.map((i) => i.id) } }, orderBy: { seq: 'asc' } });

      const admin = await api.staff('admin');
      const result = await api.as(admin, DEFER, { id: globalId('Student', student!.id), reason: '申请延期至2020年12月毕业，已获批准' });
      expect(result.data?.deferStudent).toMatchObject({
        __typename: 'MutationDeferStudentSuccess',
        data: { number: student!.number, cohort: { year: 2021 }, clearedAt: null },
      });

      const after = await server.db.prisma.clearanceItem.findMany({ where: { studentId: student!.id } });
      expect(after.map((i) => i.id).sort()).toEqual(decided.map((i) => i.id).sort());
      expect(after.every((i) => i.cohortId === before[0]!.cohortId)).toBe(true);
      expect(await server.db.prisma.clearanceEvent.findMany({ where: { itemId: { in: decided.map((i) => i.id) } }, orderBy: { seq: 'asc' } })).toEqual(
        decidedEvents,
      );
      const deferral = await server.db.prisma.deferral.findFirstOrThrow({ where: { studentId: student!.id }, orderBy: { createdAt: 'desc' } });
      expect(deferral).toMatchObject({ reason: '申请延期至2020年12月毕业，已获批准', fromCohortId: before[0]!.cohortId });
      const audit = await server.db.prisma.adminAction.findFirstOrThrow({ where: { kind: 'DEFER_STUDENT' } });
      expect(audit.payload).toMatchObject({ studentId: student!.id, fromYear: 2020, toYear: 2021 });

      // The student now sees an empty sheet and the deferral.
      const asStudent = await api.as(await api.student(student!.number), STUDENT_SHEET);
      expect(asStudent.errors).toBeUndefined();
      expect(asStudent.data?.viewer).toEqual({ cohort: { year: 2021 }, clearanceItems: [], deferral: { deferred: true, movedToCohort: { year: 2021 } } });
      // Out of the 2020 queue of its reviewers.
      const queue = await api.as(await api.staff('hospital'), QUEUE_TOTAL, {
        f: { search: student!.number },
      });
      expect(queue.data?.reviewQueue.counts.total).toBe(0);

      // A second deferral creates the next cohort (without templates).
      const twice = await api.as(admin, DEFER, { id: globalId('Student', student!.id), reason: '再次延期', from: 2021 });
      expect(success(twice.data?.deferStudent).cohort.year).toBe(2022);
      const cohort2022 = await server.db.prisma.cohort.findUniqueOrThrow({ where: { year: 2022 }, include: { templates: true } });
      expect(cohort2022.templates).toEqual([]);
    });

    it('is for university admins, with a reason, on an existing student', async () => {
      const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'EARTH_SCIENCES' }, 1, 4);
      const id = globalId('Student', student!.id);
      for (const username of ['library', `xgz-${slug('EARTH_SCIENCES')}`]) {
        const refused = await api.as(await api.staff(username), DEFER, { id, reason: '延期' });
        expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
      const asStudent = await api.as(await api.student(student!.number), DEFER, { id, reason: '延期' });
      expect(asStudent.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const admin = await api.staff('admin');
      expect((await api.as(admin, DEFER, { id, reason: '  ' })).data?.deferStudent).toMatchObject({ code: 'REASON_REQUIRED' });
      expect((await api.as(admin, DEFER, { id: globalId('ClearanceItem', student!.id), reason: '延期' })).data?.deferStudent).toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(
        (await api.as(admin, DEFER, { id: globalId('Student', '00000000-0000-4000-8000-000000000000'), reason: '延期' })).data?.deferStudent,
      ).toMatchObject({ code: 'NOT_FOUND' });
      const unchanged = await server.db.prisma.student.findUniqueOrThrow({ where: { id: student!.id }, include: { cohort: true } });
      expect(unchanged.cohort.year).toBe(2020);
    });
  });

  describe('reminders and notifications', () => {
    it('reminds every student of the college with outstanding items, naming them; students read and mark them', async () => {
      const college = 'MATERIALS_CHEMISTRY';
      const [student, other] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: college }, 2, 5);
      const expected = await server.db.prisma.student.count({
        where: { cohort: { year: 2020 }, college: { code: college }, items: { some: { status: { notIn: ['APPROVED', 'WAIVED'] } } } },
      });
      const xgz = await api.staff(`xgz-${slug(college)}`);
      const sent = await api.as(xgz, REMIND, { year: 2020 });
      expect(sent.data?.sendReminders).toMatchObject({ data: { cohortYear: 2020, collegeCode: college, notified: expected } });
      expect(await server.db.prisma.notification.count({ where: { student: { college: { code: college } } } })).toBe(expected);
      expect(await server.db.prisma.notification.count({ where: { student: { college: { code: { not: college } } } } })).toBe(0);

      const token = await api.student(student!.number);
      const zh = await api.as(token, MINE);
      expect(zh.errors).toBeUndefined();
      expect(zh.data?.myNotifications).toHaveLength(1);
      const [notification] = zh.data!.myNotifications;
      expect(notification).toMatchObject({ kind: 'REMINDER', title: '离校提醒', readAt: null });
      expect(notification!.body).toContain('图书馆');
      expect(notification!.body).toContain('财务处');
      expect(notification!.body).not.toContain('资产'); // ASSET was approved by policy
      const en = await api.as(token, MINE, {}, { 'accept-language': 'en' });
      expect(en.data?.myNotifications[0]?.title).toBe('Clearance reminder');
      expect(en.data?.myNotifications[0]?.body).toMatch(/^These clearance items are still outstanding: .*Library/);

      const viaStudent = await api.as(token, VIEWER_NOTIFICATIONS);
      expect(viaStudent.data?.viewer).toEqual({ notifications: [{ id: notification!.id, kind: 'REMINDER' }] });

      // Another student can neither mark nor read it.
      const otherToken = await api.student(other!.number);
      expect((await api.as(otherToken, READ, { id: notification!.id })).data?.markNotificationRead).toMatchObject({ code: 'NOT_FOUND' });
      const peek = await api.as(otherToken, NODE_ID, { id: notification!.id });
      expect(peek.data?.node ?? null).toBeNull();

      const read = await api.as(token, READ, { id: notification!.id });
      expect(success(read.data?.markNotificationRead).readAt).not.toBeNull();
      const readAgain = await api.as(token, READ, { id: notification!.id });
      expect(success(readAgain.data?.markNotificationRead).readAt).toBe(success(read.data?.markNotificationRead).readAt);
      expect((await api.as(token, MINE, { unread: true })).data?.myNotifications).toEqual([]);

      // Staff other than university admins do not read students' notifications.
      const asXgz = await api.as(xgz, STUDENT_NOTIFICATIONS, {
        id: globalId('Student', student!.id),
      });
      expect(asXgz.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const asAdmin = await api.as(await api.staff('admin'), STUDENT_NOTIFICATIONS, {
        id: globalId('Student', student!.id),
      });
      expect(asAdmin.data?.node).toEqual({ notifications: [{ id: notification!.id }] });
    });

    it('keeps college admins to their own college; university admins remind any or all', async () => {
      const xgz = await api.staff('xgz-physical-education');
      expect((await api.as(xgz, REMIND, { year: 2020, college: 'COMPUTER_SCIENCE' })).data?.sendReminders).toMatchObject({ code: 'FORBIDDEN' });
      expect((await api.as(await api.staff('library'), REMIND, { year: 2020 })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'PHYSICAL_EDUCATION' });
      expect((await api.as(await api.student(student!.number), REMIND, { year: 2020 })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await api.as(await api.staff('admin'), REMIND, { year: 1999 })).data?.sendReminders).toMatchObject({ code: 'NOT_FOUND' });

      const before = await server.db.prisma.notification.count();
      const all = await api.as(await api.staff('admin'), REMIND, { year: 2020 });
      const outstanding = await server.db.prisma.student.count({
        where: { cohort: { year: 2020 }, items: { some: { status: { notIn: ['APPROVED', 'WAIVED'] } } } },
      });
      expect(all.data?.sendReminders).toMatchObject({ data: { collegeCode: null, notified: outstanding } });
      expect(await server.db.prisma.notification.count()).toBe(before + outstanding);
      // Deferred students (cohort 2021) are not reminded.
      expect(await server.db.prisma.notification.count({ where: { student: { cohort: { year: 2021 } } } })).toBe(0);
      expect(await server.db.prisma.adminAction.count({ where: { kind: 'SEND_REMINDERS' } })).toBeGreaterThanOrEqual(1);
    });
  });
});

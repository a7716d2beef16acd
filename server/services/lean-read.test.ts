import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../testing/server.js';
import { clients, openDemoServer } from '../testing/demo.js';
import { leanFindMany, leanFindUnique } from './lean-read.js';
import { graphql } from '../testing/generated/index.js';

/**
 * The lean statement must hand the resolvers exactly what Prisma would: compared here, row by
 * row, with Prisma's own answer to the same arguments on the whole demo cohort (deferred
 * students, waived, rejected and approved items, students with and without a second supervisor).
 */

const WITH_VISIBILITY = { student: { select: { id: true, collegeId: true, campusId: true, firstSupervisorId: true, secondSupervisorId: true } } };
const LATEST_DEFERRAL = { orderBy: { createdAt: 'desc' }, take: 1, select: { toCohortId: true, reason: true, createdAt: true } };

/** The portal's sheet read over HTTP, whose answer is compared with Prisma's. */
const SHEET = graphql(`
  query LeanReadSheet {
    viewer { ... on Student { clearanceItems { code name status reason department { name } contact { phone office } } progress { required approved cleared } } }
  }
`);

/** What `queryFromInfo` gives for the portal's sheet read (bench W1): items with names, department, contacts, progress. */
const PORTAL_SHEET = {
  include: {
    deferrals: LATEST_DEFERRAL,
    items: {
      orderBy: { template: { sequence: 'asc' } },
      include: { ...WITH_VISIBILITY, template: { select: { department: { include: { contacts: true } }, code: true, nameZh: true, nameEn: true } } },
    },
  },
};

/** A wider one: JSON, array and date columns, a to-one by the other side, nested lists. */
const WIDE = {
  select: {
    id: true,
    number: true,
    surveyCompletedAt: true,
    clearedAt: true,
    credential: { select: { mustChangePassword: true, passwordChangedAt: true } },
    deferrals: LATEST_DEFERRAL,
    items: {
      orderBy: { template: { sequence: 'asc' } },
      include: {
        decidedBy: { select: { username: true, roles: true } },
        template: { select: { prerequisites: true, applicability: true, requirementVariants: true, updatedAt: true, sequence: true } },
        student: {
          select: {
            items: { orderBy: [{ cohortId: 'asc' }, { templateId: 'desc' }], select: { status: true, cohortId: true, template: { select: { code: true } } } },
          },
        },
      },
    },
  },
};

describe('lean one-statement reads', () => {
  let server: TestServer;
  beforeAll(async () => ({ server } = await openDemoServer()), 180_000);
  afterAll(() => server?.close());

  it("reads every demo student's sheet exactly as Prisma does, for the portal's selection and a wider one", async () => {
    // Some decisions first, so dates, reasons and deciders are not all null.
    const decided = await server.db.prisma.clearanceItem.findMany({ where: { status: 'PENDING' }, take: 40, select: { id: true } });
    const reviewer = await server.db.prisma.reviewer.findFirstOrThrow({ where: { username: 'library' } });
    await server.db.prisma.clearanceItem.updateMany({
      where: { id: { in: decided.map((item) => item.id) } },
      data: { status: 'REJECTED', reason: '逾期未还 "书" \\ \n', decidedAt: new Date('2020-06-01T08:09:10.123Z'), decidedById: reviewer.id },
    });
    const students = await server.db.prisma.student.findMany({ select: { id: true } });
    expect(students.length).toBeGreaterThan(300);
    expect(await server.db.prisma.deferral.count()).toBeGreaterThan(0);
    for (const args of [PORTAL_SHEET, WIDE]) {
      for (const { id } of students) {
        const lean = await leanFindUnique(server.db.sql, 'Student', args, id);
        expect(lean).not.toBeUndefined();
        expect(lean).toStrictEqual(await server.db.prisma.student.findUnique({ ...(args as object), where: { id } }));
      }
    }
  }, 300_000);

  it('reads a staff account with its relations as Prisma does, and answers null for a missing row', async () => {
    const args = { include: { department: { include: { contacts: { orderBy: { campusId: 'asc' } } } }, college: true, campus: true } };
    for (const { id } of await server.db.prisma.reviewer.findMany({ select: { id: true } })) {
      expect(await leanFindUnique(server.db.sql, 'Reviewer', args, id)).toStrictEqual(
        await server.db.prisma.reviewer.findUnique({ ...(args as object), where: { id } }),
      );
    }
    expect(await leanFindUnique(server.db.sql, 'Reviewer', args, '00000000-0000-7000-8000-000000000000')).toBeNull();
  });

  it("reads many items by id exactly as Prisma's findMany does, for the live item read's selection and a select of its own", async () => {
    /** What `queryFromInfo` gives for `clearanceItemUpdated { item { id status version } }` (the live loader's read, bench W4c). */
    const LIVE_ITEM = { include: { ...WITH_VISIBILITY, template: { select: { code: true } } } };
    const SELECTED = {
      select: { id: true, status: true, reason: true, decidedAt: true, decidedBy: { select: { username: true } }, template: { select: { nameEn: true } } },
    };
    const items = await server.db.prisma.clearanceItem.findMany({ select: { id: true } });
    expect(items.length).toBeGreaterThan(1000);
    const missing = '00000000-0000-7000-8000-000000000000';
    for (const args of [LIVE_ITEM, SELECTED]) {
      for (let start = 0; start < items.length; start += 1000) {
        const ids = items.slice(start, start + 1000).map((item) => item.id);
        const lean = await leanFindMany<unknown>(server.db.sql, 'ClearanceItem', args, [...ids, missing]);
        const prisma = (await server.db.prisma.clearanceItem.findMany({ ...(args as object), where: { id: { in: ids } } })) as { id: string }[];
        expect(lean?.size).toBe(ids.length);
        for (const row of prisma) expect(lean?.get(row.id)).toStrictEqual(row);
      }
    }
    expect(await leanFindMany(server.db.sql, 'ClearanceItem', { include: { events: { where: { seq: 1 } } } }, [items[0]!.id])).toBeUndefined();
  }, 300_000);

  it('leaves to Prisma what it does not compile (filters, skips, cursors)', async () => {
    const { id } = await server.db.prisma.student.findFirstOrThrow();
    expect(await leanFindUnique(server.db.sql, 'Student', { include: { items: { where: { status: 'PENDING' } } } }, id)).toBeUndefined();
    expect(await leanFindUnique(server.db.sql, 'Student', { include: { items: { skip: 1 } } }, id)).toBeUndefined();
  });

  it("answers the portal's sheet query over HTTP with what the Prisma path answered (same bytes)", async () => {
    const api = clients(server);
    const [student] = await server.db.prisma.student.findMany({ where: { deferrals: { none: {} } }, orderBy: { number: 'asc' }, take: 1 });
    const token = await api.student(student!.number);
    await server.db.prisma.student.update({ where: { id: student!.id }, data: { surveyCompletedAt: new Date() } });
    const answer = await api.as(token, SHEET);
    expect(answer.errors).toBeUndefined();
    // The same answer built from Prisma's rows by hand, as the resolvers did before.
    const prisma = await server.db.prisma.student.findUniqueOrThrow({ ...(PORTAL_SHEET as object), where: { id: student!.id } });
    const rows = (
      prisma as unknown as {
        cohortId: string;
        campusId: string;
        items: {
          cohortId: string;
          status: string;
          reason: string | null;
          template: {
            code: string;
            nameZh: string;
            department: { nameZh: string; contacts: { campusId: string | null; phone: string | null; officeZh: string }[] };
          };
        }[];
      }
    ).items;
    const items = rows.filter((item) => item.cohortId === student!.cohortId);
    const contactOf = (contacts: (typeof items)[number]['template']['department']['contacts']) =>
      contacts.find((c) => c.campusId === student!.campusId) ?? contacts.find((c) => c.campusId === null) ?? null;
    const expected = {
      viewer: {
        clearanceItems: items.map((item) => {
          const contact = contactOf(item.template.department.contacts);
          return {
            code: item.template.code,
            name: item.template.nameZh,
            status: item.status,
            reason: item.reason,
            department: { name: item.template.department.nameZh },
            contact: contact && { phone: contact.phone, office: contact.officeZh },
          };
        }),
        progress: {
          required: items.filter((i) => i.status !== 'WAIVED').length,
          approved: items.filter((i) => i.status === 'APPROVED').length,
          cleared: items.every((i) => i.status === 'APPROVED' || i.status === 'WAIVED'),
        },
      },
    };
    expect(JSON.stringify(answer.data)).toBe(JSON.stringify(expected));
  });
});

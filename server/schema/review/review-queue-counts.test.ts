import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCohortTemplates, studentFacts } from '../../services/rules.js';
import { createSheets } from '../../services/sheets.js';
import { BACKENDS } from '../../testing/databases.js';
import type { TestServer } from '../../testing/server.js';
import { type clients, openDemoServer } from '../../testing/demo.js';
import { globalId } from '../../testing/ids.js';
import { graphql } from '../../testing/generated/index.js';
import type { ReviewQueueCountsPageQueryVariables, ReviewQueueFilter } from '../../testing/generated/graphql.js';

/**
 * The queue's counts come from trigger-kept counters and its pages from index ranges over
 * copies of the students' facts kept by triggers. Both must stay equal to what the items,
 * students and templates say, whatever changes them: decisions over the API, new sheets,
 * deferrals, students moving college, campus, category or supervisor, templates changing
 * department or scope.
 */

const QUEUE = graphql(`
  query ReviewQueueCountsPage($first: Int, $after: String, $filter: ReviewQueueFilter) {
    reviewQueue(first: $first, after: $after, filter: $filter) {
      counts { locked pending approved rejected waived total }
      pageInfo { hasNextPage endCursor }
      edges { node { id version status } }
    }
  }
`);
const APPROVE = graphql(`
  mutation ReviewQueueCountsApprove($items: [ItemRefInput!]!) { approveItems(items: $items) { __typename } }
`);
const REJECT = graphql(`
  mutation ReviewQueueCountsReject($items: [ItemRefInput!]!) { rejectItems(items: $items, reason: "材料不全") { __typename } }
`);

const VIEWERS = ['library', 'xgz-earth-sciences', 'dorm-future-city', 'dorm-nanwangshan', 't0001', 'admin'];
const FILTERS: ReviewQueueFilter[] = [{}, { collegeCode: 'EARTH_SCIENCES' }, { category: 'UNDERGRADUATE', campusCode: 'NANWANGSHAN', cohortYear: 2020 }];

function mulberry32(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Which items a staff account reviews, from its roles and the students' and templates' own rows (the rule, not the copies). */
const IN_SCOPE = `(
  'UNIVERSITY_ADMIN' = ANY(r.roles)
  OR (t.scope = 'UNIVERSITY' AND t."departmentId" = r."departmentId" AND ('DEPARTMENT_REVIEWER' = ANY(r.roles) OR 'INTEGRATION' = ANY(r.roles)))
  OR (t.scope = 'COLLEGE' AND t."departmentId" = r."departmentId" AND s."collegeId" = r."collegeId" AND 'COLLEGE_REVIEWER' = ANY(r.roles))
  OR (t.scope = 'CAMPUS' AND t."departmentId" = r."departmentId" AND s."campusId" = r."campusId" AND 'CAMPUS_REVIEWER' = ANY(r.roles))
  OR (t.scope = 'SUPERVISOR' AND s."firstSupervisorId" = r.id AND 'SUPERVISOR' = ANY(r.roles)))`;

const FILTERED = `($2::int IS NULL OR t."cohortId" = (SELECT id FROM "Cohort" WHERE year = $2))
  AND ($3::text IS NULL OR s."collegeId" = (SELECT id FROM "College" WHERE code = $3))
  AND ($4::text IS NULL OR s."campusId" = (SELECT id FROM "Campus" WHERE code = $4))
  AND ($5::text IS NULL OR s.category::text = $5)
  AND ($6::text[] IS NULL OR i.status::text = ANY($6::text[]))`;

describe.each(BACKENDS)('review queue counts and order on %s', (backend) => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer({ backend })));
  afterAll(() => server?.close());

  /** The counts ignore the filter's status part, the pages do not. */
  const filterParams = (username: string, filter: ReviewQueueFilter, withStatus = false) => [
    username,
    filter.cohortYear ?? null,
    filter.collegeCode ?? null,
    filter.campusCode ?? null,
    filter.category ?? null,
    withStatus ? (filter.status ?? null) : null,
  ];

  async function truthCounts(username: string, filter: ReviewQueueFilter) {
    const rows = await server.db.sql.query<{ status: string; count: number }>(
      `SELECT i.status::text AS status, count(*)::int AS count
       FROM "ClearanceItem" i JOIN "Student" s ON s.id = i."studentId" JOIN "ItemTemplate" t ON t.id = i."templateId",
            "Reviewer" r
       WHERE r.username = $1 AND ${IN_SCOPE} AND ${FILTERED}
       GROUP BY 1`,
      filterParams(username, filter),
    );
    const counts: Record<string, number> = { locked: 0, pending: 0, approved: 0, rejected: 0, waived: 0, total: 0 };
    for (const row of rows) {
      counts[row.status.toLowerCase()] = row.count;
      counts.total! += row.count;
    }
    return counts;
  }

  async function truthOrder(username: string, filter: ReviewQueueFilter) {
    const rows = await server.db.sql.query<{ id: string }>(
      `SELECT i.id FROM "ClearanceItem" i JOIN "Student" s ON s.id = i."studentId" JOIN "ItemTemplate" t ON t.id = i."templateId",
            "Reviewer" r
       WHERE r.username = $1 AND ${IN_SCOPE} AND ${FILTERED}
       ORDER BY i."waitingSince" ASC NULLS LAST, i.id ASC`,
      filterParams(username, filter, true),
    );
    return rows.map((row) => globalId('ClearanceItem', row.id));
  }

  async function queue(username: string, variables: ReviewQueueCountsPageQueryVariables) {
    const result = await api.as(await api.staff(username), QUEUE, variables);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return result.data!.reviewQueue;
  }

  async function expectCountersMatchItems(context: string) {
    const drift = await server.db.sql.query(
      `WITH truth AS (
         SELECT i."templateId", review_scope_id(t.scope, t."departmentId", s."collegeId", s."campusId", s."firstSupervisorId") AS "reviewScopeId",
                s."collegeId", s."campusId", s.category, i.status, count(*)::int AS count
         FROM "ClearanceItem" i JOIN "Student" s ON s.id = i."studentId" JOIN "ItemTemplate" t ON t.id = i."templateId"
         GROUP BY 1, 2, 3, 4, 5, 6),
       kept AS (SELECT * FROM "ReviewQueueCount" WHERE count <> 0)
       SELECT * FROM ((SELECT * FROM truth EXCEPT SELECT * FROM kept) UNION ALL (SELECT * FROM kept EXCEPT SELECT * FROM truth)) d`,
    );
    expect(drift, context).toEqual([]);
    const staleCopies = await server.db.sql.query(
      `SELECT i.id FROM "ClearanceItem" i JOIN "Student" s ON s.id = i."studentId" JOIN "ItemTemplate" t ON t.id = i."templateId"
       WHERE (i."studentCollegeId", i."studentCampusId", i."studentCategory", i."reviewScopeId")
             IS DISTINCT FROM (s."collegeId", s."campusId", s.category, review_scope_id(t.scope, t."departmentId", s."collegeId", s."campusId", s."firstSupervisorId"))`,
    );
    expect(staleCopies, context).toEqual([]);
    for (const username of VIEWERS) {
      for (const filter of FILTERS) {
        const page = await queue(username, { first: 1, filter });
        expect(page.counts, `${context}: ${username} ${JSON.stringify(filter)}`).toEqual(await truthCounts(username, filter));
      }
    }
  }

  async function expectPagesInOrder(username: string, filter: ReviewQueueFilter, context: string) {
    const ids: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 200; guard++) {
      const page = await queue(username, { first: 37, after, filter });
      ids.push(...page.edges.map((edge) => edge.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const truth = await truthOrder(username, filter);
    expect(ids, `${context}: ${username} ${JSON.stringify(filter)}`).toEqual(truth);
  }

  it('keeps counts equal to a GROUP BY and pages in queue order after random decisions, moves, deferrals, new sheets and template changes', async () => {
    const seed = Number(process.env.QUEUE_SEED ?? Date.now() % 100_000);
    const random = mulberry32(seed);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const { prisma } = server.db;
    const cohort = await prisma.cohort.findUniqueOrThrow({ where: { year: 2020 } });
    const next = await prisma.cohort.findUniqueOrThrow({ where: { year: 2021 } });
    const colleges = await prisma.college.findMany();
    const campuses = await prisma.campus.findMany();
    const departments = await prisma.department.findMany();
    const staff = await prisma.reviewer.findMany();
    const supervisors = staff.filter((reviewer) => reviewer.roles.includes('SUPERVISOR'));
    const randomStudent = async () =>
      pick(await prisma.student.findMany({ where: { cohortId: cohort.id }, orderBy: { number: 'asc' }, take: 50, skip: Math.floor(random() * 300) }));

    await expectCountersMatchItems(`seed ${seed}, start`);
    for (let step = 1; step <= 60; step++) {
      const roll = random();
      if (roll < 0.55) {
        // A reviewer decides a few of the oldest items of their queue, over the API.
        const username = pick(VIEWERS.filter((name) => name !== 'admin'));
        const page = await queue(username, { first: 5, filter: { status: ['PENDING', 'REJECTED'] } });
        const items = page.edges.map((edge) => ({ id: edge.node.id, expectedVersion: edge.node.version }));
        if (items.length === 0) continue;
        const mutation =
          random() < 0.7 ? await api.as(await api.staff(username), APPROVE, { items }) : await api.as(await api.staff(username), REJECT, { items });
        expect(mutation.errors, JSON.stringify(mutation.errors)).toBeUndefined();
      } else if (roll < 0.65) {
        const templates = (await loadCohortTemplates(prisma, cohort.id)).rows;
        const college = pick(colleges);
        const campus = pick(campuses);
        const student = await prisma.student.create({
          data: {
            number: `Q${seed}-${step}`,
            name: '新同学',
            category: pick(['UNDERGRADUATE', 'POSTGRADUATE_DUAL', 'POSTGRADUATE_SINGLE'] as const),
            cohortId: cohort.id,
            collegeId: college.id,
            campusId: campus.id,
            firstSupervisorId: pick(supervisors).id,
          },
        });
        await prisma.$transaction((tx) =>
          createSheets(tx, [{ id: student.id, cohortId: cohort.id, facts: studentFacts({ ...student, college, campus }) }], templates),
        );
      } else if (roll < 0.72) {
        const student = await randomStudent();
        if (!student) continue;
        await prisma.$transaction([
          prisma.clearanceItem.deleteMany({ where: { studentId: student.id, cohortId: cohort.id, status: { in: ['LOCKED', 'PENDING'] } } }),
          prisma.student.update({ where: { id: student.id }, data: { cohortId: next.id } }),
        ]);
      } else if (roll < 0.94) {
        const student = await randomStudent();
        if (!student) continue;
        const move = pick([
          { collegeId: pick(colleges).id },
          { campusId: pick(campuses).id },
          { category: pick(['UNDERGRADUATE', 'POSTGRADUATE_DUAL', 'POSTGRADUATE_SINGLE'] as const) },
          { firstSupervisorId: pick([...supervisors.map((s) => s.id), null]) },
          { collegeId: pick(colleges).id, campusId: pick(campuses).id, firstSupervisorId: pick(supervisors).id },
        ]);
        await prisma.student.update({ where: { id: student.id }, data: move });
      } else {
        const template = pick(await prisma.itemTemplate.findMany({ where: { cohortId: cohort.id, scope: { not: 'SELF' } }, orderBy: { code: 'asc' } }));
        const change = pick([{ departmentId: pick(departments).id }, { scope: pick(['UNIVERSITY', 'COLLEGE', 'CAMPUS', 'SUPERVISOR'] as const) }]);
        await prisma.itemTemplate.update({ where: { id: template.id }, data: change });
      }
      if (step % 20 === 0) {
        const context = `seed ${seed}, after step ${step}`;
        await expectCountersMatchItems(context);
        await expectPagesInOrder('dorm-future-city', {}, context);
        await expectPagesInOrder('library', { status: ['APPROVED', 'REJECTED', 'LOCKED'], collegeCode: 'EARTH_SCIENCES' }, context);
        await expectPagesInOrder('admin', { cohortYear: 2020, category: 'POSTGRADUATE_SINGLE' }, context);
      }
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudentViewer } from '../../auth/viewer.js';
import { STUDENT_CATEGORIES, type ItemStatus } from '../../domain/index.js';
import { AppError } from '../../errors.js';
import { changeItems, type Actor } from '../../services/decisions.js';
import { applyRuleChange } from '../../services/rule-change.js';
import { loadCohortTemplates, studentFacts } from '../../services/rules.js';
import { createSheets } from '../../services/sheets.js';
import { BACKENDS } from '../../testing/databases.js';
import { staffViewerOf } from '../../testing/policy-viewers.js';
import type { StatsCohortStatsQuery } from '../../testing/generated/graphql.js';
import { graphql } from '../../testing/generated/index.js';
import { startTestServer, type TestServer } from '../../testing/server.js';

const STATS = graphql(`
  query StatsCohortStats($year: Int!, $college: String) {
    cohortStats(year: $year, collegeCode: $college) {
      graduates cleared
      items { template { id } required approved rejected pending locked waived outstanding }
      colleges { college { id } graduates cleared required approved rejected pending locked waived }
    }
  }
`);

type Counts = Record<string, number>;

/** The truth the counters must equal: a GROUP BY over the items themselves. */
async function groundTruth(server: TestServer, cohortId: string) {
  const items = await server.db.sql.query<{ templateId: string; collegeId: string; status: ItemStatus; count: number }>(
    `SELECT i."templateId", s."collegeId", i.status::text AS status, count(*)::int AS count
     FROM "ClearanceItem" i JOIN "Student" s ON s.id = i."studentId" AND s."cohortId" = i."cohortId"
     WHERE i."cohortId" = $1 GROUP BY 1, 2, 3`,
    [cohortId],
  );
  const students = await server.db.sql.query<{ collegeId: string; graduates: number; cleared: number }>(
    `SELECT "collegeId", count(*)::int AS graduates, count("clearedAt")::int AS cleared FROM "Student" WHERE "cohortId" = $1 GROUP BY 1`,
    [cohortId],
  );
  const byTemplate: Record<string, Counts> = {};
  const byCollege: Record<string, Counts> = {};
  for (const row of items) {
    for (const [bucket, key] of [
      [byTemplate, row.templateId],
      [byCollege, row.collegeId],
    ] as const) {
      const counts = (bucket[key] ??= { required: 0, approved: 0, rejected: 0, pending: 0, locked: 0, waived: 0 });
      counts[row.status.toLowerCase()]! += row.count;
      if (row.status !== 'WAIVED') counts.required! += row.count;
    }
  }
  for (const row of students) Object.assign((byCollege[row.collegeId] ??= {}), { graduates: row.graduates, cleared: row.cleared });
  return {
    graduates: students.reduce((sum, row) => sum + row.graduates, 0),
    cleared: students.reduce((sum, row) => sum + row.cleared, 0),
    byTemplate,
    byCollege,
  };
}

type CohortStats = StatsCohortStatsQuery['cohortStats'];

function fromApi(stats: CohortStats) {
  const byTemplate = stats.items.map(({ template, outstanding, ...counts }) => [template.id, counts]);
  const byCollege = stats.colleges.map(({ college, ...counts }) => [college.id, counts]);
  return {
    graduates: stats.graduates,
    cleared: stats.cleared,
    byTemplate: Object.fromEntries(byTemplate) as Record<string, Counts>,
    byCollege: Object.fromEntries(byCollege) as Record<string, Counts>,
  };
}

function mulberry32(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(BACKENDS)('CohortStats on %s', (backend) => {
  let server: TestServer;
  let adminToken: string;
  beforeAll(async () => {
    server = await startTestServer({ backend, demo: true });
    adminToken = await server.login('admin', 'Lixiao@2020');
  });
  afterAll(async () => {
    await server?.close();
  });

  const decodeIds = (stats: ReturnType<typeof fromApi>) => {
    const decode = (id: string) => Buffer.from(id, 'base64').toString().split(':')[1]!;
    return {
      ...stats,
      byTemplate: Object.fromEntries(Object.entries(stats.byTemplate).map(([id, v]) => [decode(id), v])),
      byCollege: Object.fromEntries(Object.entries(stats.byCollege).map(([id, v]) => [decode(id), v])),
    };
  };

  async function expectStatsMatchTruth(cohortId: string, seed: number, step: number) {
    const answer = await server.gql(STATS, { year: 2020 }, { authorization: `Bearer ${adminToken}` });
    expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
    const api = decodeIds(fromApi(answer.data!.cohortStats));
    const truth = await groundTruth(server, cohortId);
    const zeroless = (bucket: Record<string, Counts>) =>
      Object.fromEntries(Object.entries(bucket).map(([key, counts]) => [key, Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0))]));
    expect({ ...api, byTemplate: zeroless(api.byTemplate), byCollege: zeroless(api.byCollege) }, `seed ${seed}, after step ${step}`).toEqual({
      ...truth,
      byTemplate: zeroless(truth.byTemplate),
      byCollege: zeroless(truth.byCollege),
    });
  }

  it('equals a ground-truth GROUP BY after random decisions, syncs, imports, deferrals, moves and rule changes', async () => {
    const seed = Number(process.env.STATS_SEED ?? Date.now() % 100_000);
    const random = mulberry32(seed);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const { prisma } = server.db;
    const cohort = await prisma.cohort.findUniqueOrThrow({ where: { year: 2020 } });
    const next = await prisma.cohort.findUniqueOrThrow({ where: { year: 2021 } });
    const staff = await prisma.reviewer.findMany();
    const colleges = await prisma.college.findMany();
    let { rows: templates } = await loadCohortTemplates(prisma, cohort.id);
    const admin = staffViewerOf(staff.find((s) => s.roles.includes('UNIVERSITY_ADMIN'))!);

    await expectStatsMatchTruth(cohort.id, seed, 0);
    for (let step = 1; step <= 120; step++) {
      const roll = random();
      if (roll < 0.7) {
        const items = await prisma.clearanceItem.findMany({
          where: { cohortId: cohort.id, student: { cohortId: cohort.id } },
          include: { template: true, student: true },
          take: 40,
          skip: Math.floor(random() * 3000),
        });
        if (items.length === 0) continue;
        const item = pick(items);
        let actor: Actor;
        if (item.template.scope === 'SELF') {
          actor = {
            source: 'SELF',
            viewer: {
              kind: 'student',
              credentialId: 'x',
              studentId: item.studentId,
              mustChangePassword: false,
              tokenExpiresAt: new Date(),
            } satisfies StudentViewer,
          };
        } else if (roll < 0.1) {
          actor = { source: 'ADMIN', viewer: admin };
        } else {
          const reviewer = staff.find((s) =>
            item.template.scope === 'SUPERVISOR'
              ? s.id === item.student.firstSupervisorId
              : s.departmentId === item.template.departmentId &&
                (item.template.scope !== 'COLLEGE' || s.collegeId === item.student.collegeId) &&
                (item.template.scope !== 'CAMPUS' || s.campusId === item.student.campusId),
          );
          if (!reviewer) continue;
          actor = { source: roll < 0.2 && reviewer.roles.includes('INTEGRATION') ? 'SYNC' : 'REVIEWER', viewer: staffViewerOf(reviewer) };
        }
        const to: ItemStatus = actor.source === 'ADMIN' ? pick(['WAIVED', 'PENDING'] as const) : pick(['APPROVED', 'APPROVED', 'REJECTED', 'PENDING'] as const);
        await changeItems(server.services, [{ itemId: item.id, to, reason: '随机原因', expectedVersion: item.version }], actor);
      } else if (roll < 0.8) {
        const college = pick(colleges);
        const campus = pick(await prisma.campus.findMany());
        const student = await prisma.student.create({
          data: {
            number: `S${seed}-${step}`,
            name: '新同学',
            category: pick(['UNDERGRADUATE', 'POSTGRADUATE_DUAL', 'POSTGRADUATE_SINGLE'] as const),
            cohortId: cohort.id,
            collegeId: college.id,
            campusId: campus.id,
          },
        });
        await prisma.$transaction((tx) =>
          createSheets(tx, [{ id: student.id, cohortId: cohort.id, facts: studentFacts({ ...student, college, campus }) }], templates),
        );
      } else if (roll < 0.9) {
        const student = pick(await prisma.student.findMany({ where: { cohortId: cohort.id }, take: 50, skip: Math.floor(random() * 300) }));
        if (!student) continue;
        await prisma.$transaction([
          prisma.clearanceItem.deleteMany({ where: { studentId: student.id, status: { in: ['LOCKED', 'PENDING'] } } }),
          prisma.student.update({ where: { id: student.id }, data: { cohortId: next.id } }),
        ]);
      } else if (roll < 0.96) {
        const template = pick((await loadCohortTemplates(prisma, cohort.id)).domain);
        const categories = STUDENT_CATEGORIES.filter(() => random() < 0.6);
        const waiver = { code: 'RANDOM_WAIVER', when: { collegeCodes: [pick(colleges).code] }, reason: { zh: '随机免办', en: 'Random waiver' } };
        const change = pick([
          { code: template.code, active: !template.active },
          { code: template.code, applicability: { appliesTo: [categories.length > 0 ? { categories } : {}], waivers: random() < 0.5 ? [] : [waiver] } },
          // Some of these close a prerequisite cycle and are refused, which must leave the counters alone too.
          { code: template.code, prerequisites: pick([[], ['SUPERVISOR'], ['SUPERVISOR', 'LIBRARY']]) },
          { code: template.code, autoApproval: template.autoApproval ? null : { reason: { zh: '随机政策', en: 'Random policy' } } },
          {
            code: `EXTRA_${step}`,
            sequence: 100 + step,
            name: { zh: '新增事项', en: 'New item' },
            requirement: { zh: '办理', en: 'Do it' },
            departmentCode: 'LIBRARY',
            scope: 'UNIVERSITY',
            applicability: { appliesTo: [{}], waivers: [] },
            prerequisites: ['SUPERVISOR'],
            autoApproval: null,
            active: true,
          },
        ]);
        const { ruleSetVersion } = await prisma.cohort.findUniqueOrThrow({ where: { id: cohort.id } });
        try {
          await applyRuleChange(server.services, { cohortYear: 2020, template: change }, ruleSetVersion, admin.reviewerId);
        } catch (error) {
          if (!(error instanceof AppError && error.code === 'INVALID_RULE')) throw error;
        }
        ({ rows: templates } = await loadCohortTemplates(prisma, cohort.id));
      } else {
        const student = pick(await prisma.student.findMany({ where: { cohortId: cohort.id }, take: 50, skip: Math.floor(random() * 300) }));
        if (!student) continue;
        await prisma.student.update({
          where: { id: student.id },
          data: { collegeId: pick(colleges).id, category: pick(['UNDERGRADUATE', 'POSTGRADUATE_DUAL'] as const) },
        });
      }
      if (step % 30 === 0) await expectStatsMatchTruth(cohort.id, seed, step);
    }
  });

  it('narrows to one college for its college admin and refuses others', async () => {
    const token = await server.login('xgz-computer-science', 'Lixiao@2020');
    const own = await server.gql(STATS, { year: 2020 }, { authorization: `Bearer ${token}` });
    expect(own.errors).toBeUndefined();
    expect(own.data?.cohortStats.colleges).toHaveLength(1);
    const other = await server.gql(STATS, { year: 2020, college: 'EARTH_SCIENCES' }, { authorization: `Bearer ${token}` });
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const reviewer = await server.login('library', 'Lixiao@2020');
    const refused = await server.gql(STATS, { year: 2020 }, { authorization: `Bearer ${reviewer}` });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

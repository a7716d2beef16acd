/** W5: cohortStats over HTTP and in process, against the ground-truth GROUP BY. */
import { readCohortStats } from '../../server/services/stats.js';
import { SIZE, log, rows } from '../lib/context.js';
import { gql, timeIt } from '../lib/http.js';
import { fmt, fmtInt, summarize } from '../lib/stats.js';
import type { Target } from '../lib/target.js';

export const STATS_QUERY = `query ($y: Int!) { cohortStats(year: $y) { graduates cleared clearedRate
  items { template { code } required approved rejected pending locked waived outstanding }
  colleges { college { code } graduates cleared required approved outstanding } } }`;

const TRUTH_ITEMS = `SELECT i."templateId", s."collegeId", i.status::text AS status, count(*)::int AS count
  FROM "ClearanceItem" i JOIN "Student" s ON s.id = i."studentId" AND s."cohortId" = i."cohortId"
  WHERE i."cohortId" = $1::uuid GROUP BY 1, 2, 3`;
const TRUTH_STUDENTS = `SELECT "collegeId", "clearedAt" IS NOT NULL AS cleared, count(*)::int AS count FROM "Student" WHERE "cohortId" = $1::uuid GROUP BY 1, 2`;

export async function w5Stats(target: Target, adminToken: string) {
  log('W5: cohortStats');
  const { db } = target;
  const cohort = await db.prisma.cohort.findUniqueOrThrow({ where: { year: 2020 } });
  const graduates = await db.prisma.student.count({ where: { cohortId: cohort.id } });
  const sample = async (n: number, work: () => Promise<unknown>) => {
    for (let i = 0; i < Math.min(20, n); i++) await work();
    const times: number[] = [];
    for (let i = 0; i < n; i++) times.push((await timeIt(work)).ms);
    return summarize(times);
  };
  const http = await sample(SIZE.w5Samples, async () => {
    const result = await gql(target, STATS_QUERY, { y: 2020 }, adminToken);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
  });
  const inProcess = await sample(SIZE.w5Samples, () => readCohortStats(db.sql, { year: 2020 }));
  const truth = await sample(SIZE.w5TruthSamples, () => Promise.all([db.sql.query(TRUTH_ITEMS, [cohort.id]), db.sql.query(TRUTH_STUDENTS, [cohort.id])]));

  // The counters agree with the ground truth?
  const answer = await readCohortStats(db.sql, { year: 2020 });
  if (!answer.found) throw new Error('W5: cohort 2020 not found');
  const { stats } = answer;
  const [items, students] = await Promise.all([
    db.sql.query<{ status: string; count: number }>(TRUTH_ITEMS, [cohort.id]),
    db.sql.query<{ cleared: boolean; count: number }>(TRUTH_STUDENTS, [cohort.id]),
  ]);
  const truthApproved = items.filter((r) => r.status === 'APPROVED').reduce((a, r) => a + r.count, 0);
  const statsApproved = stats.items.reduce((a, r) => a + r.approved, 0);
  const truthGraduates = students.reduce((a, r) => a + r.count, 0);
  const agree =
    truthApproved === statsApproved &&
    truthGraduates === stats.graduates &&
    items.reduce((a, r) => a + r.count, 0) === stats.items.reduce((a, r) => a + r.required + r.waived, 0);

  rows.push({
    id: 'W5',
    what: `CohortStats at ${fmtInt(graduates)} graduates: cohortStats over HTTP (items+colleges, sequential) and readCohortStats in-process`,
    result: `HTTP p50 ${fmt(http.p50, 2)} ms (p99 ${fmt(http.p99, 2)}); in-process p50 ${fmt(inProcess.p50, 2)} ms (p99 ${fmt(inProcess.p99, 2)})`,
    baseline: `ground-truth GROUP BY (ClearanceItem ⨝ Student, both reads in parallel) p50 ${fmt(truth.p50, 2)} ms`,
    ratio: `HTTP ${fmt(http.p50 / truth.p50, 2)}×, in-process ${fmt(inProcess.p50 / truth.p50, 2)}× of the GROUP BY (lower is better)`,
    target: 'HTTP p50 ≤ 5 ms',
    met: http.p50 <= 5,
    notes: [
      `Counters ${agree ? 'agree' : 'DISAGREE'} with the GROUP BY (graduates ${stats.graduates}/${truthGraduates}, approved ${statsApproved}/${truthApproved}).`,
      `${SIZE.w5Samples} timed requests each after 20 warm-up ones; the GROUP BY ${SIZE.w5TruthSamples} times.`,
    ],
  });
}

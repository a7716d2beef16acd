/**
 * Q: the review queue (first page of 50, and a page from the middle of the queue by its
 * cursor) for one reviewer of each scope kind, and cohortStats, over HTTP, at one or more
 * cohort sizes in one run. The cohort grows between sizes by cloning the imported graduates
 * and their sheets in SQL (a tenth of the clones' pending items rejected, three tenths
 * approved), then ANALYZE. Baseline in the same run: the queue's previous statement (every
 * in-scope item joined, sorted and grouped) on the same data.
 */
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { fileURLToPath } from 'node:url';
import type { StaffViewer } from '../../server/auth/viewer.js';
import type { Prisma } from '../../server/generated/prisma/client.js';
import { encodeQueueCursor, queuePageStatement } from '../../server/services/review-queue.js';
import { readCohortStats } from '../../server/services/stats.js';
import { staffViewerOf } from '../../server/testing/policy-viewers.js';
import { previousQueueStatement, queueRowAtStatement } from '../lib/baseline-queue.js';
import { gql, login, timeIt } from '../lib/http.js';
import { fmt, fmtInt, summarize } from '../lib/stats.js';
import type { Target } from '../lib/target.js';

export interface QueueGrowthOptions {
  /** Graduates of cohort 2020 to measure at, ascending; the first is what the database holds already when it is not larger. */
  sizes: number[];
  samples: number;
  baselineSamples: number;
  staffPassword: string;
  log: (line: string) => void;
}

export interface QueueGrowthRow {
  graduates: number;
  items: number;
  /** p50s in ms: pages over HTTP (first, middle of the queue), and the page statement alone, today's and the previous one. */
  /** Buffers: shared blocks the statement touched (EXPLAIN ANALYZE), the measure of work that load on the machine does not blur. */
  scopes: {
    label: string;
    username: string;
    scopeItems: number;
    first: number;
    middle: number;
    statement: number;
    previous: number;
    statementBuffers: number;
    previousBuffers: number;
  }[];
  /** cohortStats p50 in ms: over HTTP, and readCohortStats (the one statement and its mapping) in the bench process. */
  stats: number;
  statsInProcess: number;
}

const QUEUE = `query Queue($after: String) {
  reviewQueue(first: 50, after: $after) {
    counts { locked pending approved rejected waived total }
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id code status version waitingSince student { number name } } }
  }
}`;

const STATS = `query ($y: Int!) { cohortStats(year: $y) { graduates cleared clearedRate
  items { template { code } required approved rejected pending locked waived outstanding }
  colleges { college { code } graduates cleared required approved outstanding } } }`;

/** One reviewer per scope kind; the supervisor is the one with the most graduates, so the largest supervisor scope. */
async function scopeViewers(target: Target): Promise<{ label: string; username: string }[]> {
  const [supervisor] = await target.db.sql.query<{ username: string }>(
    `SELECT r.username FROM "Reviewer" r JOIN "Student" s ON s."firstSupervisorId" = r.id GROUP BY r.username ORDER BY count(*) DESC, r.username LIMIT 1`,
  );
  return [
    { label: 'department (library)', username: 'library' },
    { label: 'college (xgz-earth-sciences)', username: 'xgz-earth-sciences' },
    { label: 'campus (dorm-nanwangshan)', username: 'dorm-nanwangshan' },
    { label: `supervisor (${supervisor!.username})`, username: supervisor!.username },
    { label: 'university admin', username: 'admin' },
  ];
}

async function staffViewer(target: Target, username: string): Promise<StaffViewer> {
  return staffViewerOf(await target.db.prisma.reviewer.findUniqueOrThrow({ where: { username } }));
}

/** Grows cohort 2020 to `graduates` by cloning its graduates (all but earlier clones) with their items. */
async function growCohort(target: Target, graduates: number, log: (line: string) => void) {
  const { sql } = target.db;
  const [{ count }] = (await sql.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM "Student" s JOIN "Cohort" c ON c.id = s."cohortId" WHERE c.year = 2020`,
  )) as [{ count: number }];
  if (count >= graduates) return;
  const [{ next }] = (await sql.query<{ next: number }>(
    `SELECT COALESCE(max(substr(number, 6)::int), 0) + 1 AS next FROM "Student" WHERE number LIKE 'GROW-%'`,
  )) as [{ next: number }];
  const source = `SELECT s.*, row_number() OVER (ORDER BY s.number) - 1 AS rn, count(*) OVER () AS total
    FROM "Student" s JOIN "Cohort" c ON c.id = s."cohortId" WHERE c.year = 2020 AND s.number NOT LIKE 'GROW-%'`;
  const chunk = 20_000;
  for (let from = next; from < next + graduates - count; from += chunk) {
    const to = Math.min(from + chunk, next + graduates - count) - 1;
    const { ms } = await timeIt(async () => {
      await sql.query(
        `WITH source AS (${source})
         INSERT INTO "Student" (id, number, name, category, "cohortId", "collegeId", "campusId", "firstSupervisorId", "secondSupervisorId", dormitory, "surveyCompletedAt", "updatedAt")
         SELECT gen_random_uuid(), 'GROW-' || lpad(g::text, 8, '0'), src.name, src.category, src."cohortId", src."collegeId", src."campusId",
                src."firstSupervisorId", src."secondSupervisorId", src.dormitory, src."surveyCompletedAt", now()
         FROM generate_series($1::int, $2::int) g JOIN source src ON src.rn = g % src.total`,
        [from, to],
      );
      await sql.query(
        `WITH source AS (${source}),
         clones AS (
           SELECT s.id, substr(s.number, 6)::int AS g FROM "Student" s WHERE s.number BETWEEN 'GROW-' || lpad($1::text, 8, '0') AND 'GROW-' || lpad($2::text, 8, '0'))
         INSERT INTO "ClearanceItem" (id, "studentId", "templateId", "cohortId", status, reason, "waiverCode", source, "decidedAt", "waitingSince", "updatedAt")
         SELECT gen_random_uuid(), c.id, i."templateId", i."cohortId",
                CASE WHEN i.status <> 'PENDING' THEN i.status WHEN c.g % 10 < 3 THEN 'APPROVED' WHEN c.g % 10 = 3 THEN 'REJECTED' ELSE 'PENDING' END::"ItemStatus",
                CASE WHEN i.status = 'PENDING' AND c.g % 10 = 3 THEN '材料不全' ELSE i.reason END,
                i."waiverCode", i.source, i."decidedAt",
                CASE WHEN i.status = 'PENDING' AND c.g % 10 >= 4 THEN i."waitingSince" + (c.g % 86400) * interval '1 second' END,
                now()
         FROM clones c JOIN source src ON src.rn = c.g % src.total JOIN "ClearanceItem" i ON i."studentId" = src.id`,
        [from, to],
      );
    });
    log(`Q: cloned graduates ${fmtInt(from - next + count + 1)}…${fmtInt(to - next + count + 1)} with their items in ${fmt(ms / 1000, 1)} s`);
  }
  await sql.exec('ANALYZE');
}

async function sample(n: number, work: () => Promise<unknown>) {
  for (let i = 0; i < Math.min(5, n); i++) await work();
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push((await timeIt(work)).ms);
  return summarize(times);
}

/** A cursor from the middle of a viewer's queue, so a page there shows the cost does not follow the depth either. */
async function middleCursor(target: Target, viewer: StaffViewer, total: number): Promise<string | null> {
  const [row] = await target.db.prisma.$queryRaw<{ id: string; w: string | null }[]>(queueRowAtStatement(viewer, Math.floor(total / 2)));
  return row ? encodeQueueCursor({ w: row.w, id: row.id }) : null;
}

async function measureAt(
  target: Target,
  options: QueueGrowthOptions,
  tokens: Map<string, string>,
  viewers: { label: string; username: string }[],
): Promise<QueueGrowthRow> {
  const [{ graduates, items }] = (await target.db.sql.query<{ graduates: number; items: number }>(
    `SELECT (SELECT count(*)::int FROM "Student" s JOIN "Cohort" c ON c.id = s."cohortId" WHERE c.year = 2020) AS graduates,
            (SELECT count(*)::int FROM "ClearanceItem") AS items`,
  )) as [{ graduates: number; items: number }];
  const scopes: QueueGrowthRow['scopes'] = [];
  for (const { label, username } of viewers) {
    const token = tokens.get(username)!;
    const viewer = await staffViewer(target, username);
    const firstPage = await gql(target, QUEUE, {}, token);
    if (firstPage.errors) throw new Error(`Q ${username}: ${JSON.stringify(firstPage.errors)}`);
    const scopeItems = firstPage.data.reviewQueue.counts.total as number;
    const after = await middleCursor(target, viewer, scopeItems);
    const first = await sample(options.samples, () => gql(target, QUEUE, {}, token));
    const middle = await sample(options.samples, () => gql(target, QUEUE, { after }, token));
    const statement = await sample(options.samples, () => target.db.prisma.$queryRaw(queuePageStatement(viewer, {}, { first: 50, after: null })));
    const previous = await sample(options.baselineSamples, () => target.db.prisma.$queryRaw(previousQueueStatement(viewer, 50)));
    const statementBuffers = await buffersOf(target, queuePageStatement(viewer, {}, { first: 50, after: null }));
    const previousBuffers = await buffersOf(target, previousQueueStatement(viewer, 50));
    scopes.push({
      label,
      username,
      scopeItems,
      first: first.p50,
      middle: middle.p50,
      statement: statement.p50,
      previous: previous.p50,
      statementBuffers,
      previousBuffers,
    });
    options.log(
      `Q at ${fmtInt(graduates)}: ${label} (${fmtInt(scopeItems)} items) HTTP page p50 first ${fmt(first.p50, 2)} ms, middle ${fmt(middle.p50, 2)} ms; ` +
        `statement ${fmt(statement.p50, 2)} ms (${fmtInt(statementBuffers)} buffers), previous statement ${fmt(previous.p50, 2)} ms (${fmtInt(previousBuffers)} buffers)`,
    );
  }
  const stats = await sample(options.samples, () => gql(target, STATS, { y: 2020 }, tokens.get('admin')));
  const statsInProcess = await sample(options.samples, () => readCohortStats(target.db.sql, { year: 2020 }));
  options.log(`Q at ${fmtInt(graduates)}: cohortStats p50 ${fmt(stats.p50, 2)} ms over HTTP, ${fmt(statsInProcess.p50, 2)} ms in process`);
  return { graduates, items, scopes, stats: stats.p50, statsInProcess: statsInProcess.p50 };
}

async function buffersOf(target: Target, statement: Prisma.Sql): Promise<number> {
  const [row] = await target.db.sql.query<{ 'QUERY PLAN': [{ Plan: Record<string, number> }] }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.text}`,
    statement.values,
  );
  const plan = row!['QUERY PLAN'][0].Plan;
  return (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of each scope's first page statement, as the server runs it, and
 * (PostgreSQL, through auto_explain in a session of the bench's own) the plans of the stream
 * reads inside review_queue_stream, which EXPLAIN shows only as a function scan.
 */
async function explainPages(target: Target, viewers: { label: string; username: string }[]): Promise<string> {
  const sections: string[] = [];
  for (const { label, username } of viewers) {
    const statement = queuePageStatement(await staffViewer(target, username), {}, { first: 50, after: null });
    const plan = await target.db.sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${statement.text}`, statement.values);
    sections.push(`## ${label}\n\n\`\`\`\n${plan.map((row) => row['QUERY PLAN']).join('\n')}\n\`\`\`\n`);
    if (target.databaseUrl) {
      const nested = await nestedPlans(target.databaseUrl, statement);
      sections.push(
        `### ${label}: the stream reads inside review_queue_stream (auto_explain, ${nested.length} of them)\n\n\`\`\`\n${nested.join('\n\n')}\n\`\`\`\n`,
      );
    }
  }
  return sections.join('\n');
}

async function nestedPlans(databaseUrl: string, statement: Prisma.Sql): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  const notices: string[] = [];
  client.on('notice', (notice) => notices.push(notice.message ?? ''));
  await client.connect();
  try {
    await client.query(`LOAD 'auto_explain'`);
    await client.query(`SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on; SET auto_explain.log_buffers = on;
      SET auto_explain.log_timing = on; SET auto_explain.log_nested_statements = on; SET client_min_messages = log`);
    await client.query(statement.text, statement.values as unknown[]);
  } finally {
    await client.end();
  }
  return notices.filter((message) => message.includes('review_queue_stream') === false && message.includes('"ClearanceItem" i'));
}

export async function queueGrowth(target: Target, options: QueueGrowthOptions): Promise<{ rows: QueueGrowthRow[]; markdown: string; explain: string }> {
  const viewers = await scopeViewers(target);
  const tokens = new Map<string, string>();
  for (const { username } of viewers) tokens.set(username, await login(target, username, options.staffPassword));
  const rows: QueueGrowthRow[] = [];
  for (const size of options.sizes) {
    await growCohort(target, size, options.log);
    rows.push(await measureAt(target, options, tokens, viewers));
  }
  const explain = await explainPages(target, viewers);
  return { rows, markdown: growthTable(rows), explain };
}

/**
 * Per size and scope: the items in scope; the page over HTTP, first and from the middle of the
 * queue, with its ratio to the smallest size; the page statement alone against the previous one.
 */
export function growthTable(rows: QueueGrowthRow[]): string {
  const base = rows[0]!;
  const ratio = (value: number, baseline: number) => `${fmt(value / baseline, 2)}×`;
  const lines = [
    '| graduates | items | scope | items in scope | HTTP page p50, first / middle (× smallest size) | statement p50: today / previous | statement buffers: today (× smallest size) / previous |',
    '|---|---|---|---|---|---|---|',
    ...rows.flatMap((row) =>
      row.scopes.map(
        (s, i) =>
          `| ${fmtInt(row.graduates)} | ${fmtInt(row.items)} | ${s.label} | ${fmtInt(s.scopeItems)} | ` +
          `${fmt(s.first, 2)} / ${fmt(s.middle, 2)} ms (${ratio(s.first, base.scopes[i]!.first)} / ${ratio(s.middle, base.scopes[i]!.middle)}) | ` +
          `${fmt(s.statement, 2)} / ${fmt(s.previous, 1)} ms | ` +
          `${fmtInt(s.statementBuffers)} (${ratio(s.statementBuffers, base.scopes[i]!.statementBuffers)}) / ${fmtInt(s.previousBuffers)} |`,
      ),
    ),
    '',
    '| graduates | cohortStats over HTTP, p50 (× smallest size) | readCohortStats in process, p50 (× smallest size) |',
    '|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${fmtInt(row.graduates)} | ${fmt(row.stats, 2)} ms (${ratio(row.stats, base.stats)}) | ${fmt(row.statsInProcess, 2)} ms (${ratio(row.statsInProcess, base.statsInProcess)}) |`,
    ),
  ];
  return lines.join('\n');
}

export function writeResult(name: string, text: string) {
  writeFileSync(fileURLToPath(new URL(`../results/${name}`, import.meta.url)), text);
}

/**
 * Lixiao benchmarks (not tests: nothing here passes or fails on time).
 *
 *   npm run bench                 full run on PostgreSQL (~5 minutes)
 *   npm run bench -- --quick      smaller sizes (~1 minute)
 *   npm run bench -- --pglite     the embedded database instead (server in the bench process)
 *
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) is the admin
 * connection used to create and drop a scratch database. See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeProfile } from './lib/cpuprofile-summary.js';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { hashInitialPassword, hashPassword, INITIAL_PASSWORD_COST, useInitialPasswordKey } from '../server/auth/password.js';
import { TEST_PASSWORD_PEPPER } from '../server/testing/keys.js';
import { planSheet } from '../server/domain/index.js';
import { importStudents } from '../server/services/import/index.js';
import { uuidv7 } from '../server/services/ids.js';
import { loadCohortTemplates, toDomainTemplate } from '../server/services/rules.js';
import { readCohortStats } from '../server/services/stats.js';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { createLogger } from '../server/log.js';
import { createServices } from '../server/services/runtime.js';
import { SHEET_SQL } from './lib/baseline-sheet.js';
import type { LoadJob, LoadResult } from './lib/load-worker.js';
import { countStatements, cpuMs, describe } from './lib/statements.js';
import { fmt, fmtInt, sleep, summarize, wallMs } from './lib/stats.js';
import { cleanups, runCleanups, startPgliteTarget, startPostgresTarget, tsxChild, type Target } from './lib/target.js';
import type { WsCommand, WsReport } from './lib/ws-worker.js';
import { w4cFanOut, w4cStatements } from './lib/w4c.js';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const PGLITE = argv.includes('--pglite');
/** --only=W1,W2: run only these scenarios (the import always runs: it makes the data). */
const ONLY = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).toUpperCase().split(',') ?? null;
const wants = (id: string) => ONLY === null || ONLY.some((o) => id.startsWith(o));
/** --cpu-prof: the server process runs with node --cpu-prof; its profile is summarized at the end. */
const CPU_PROF = argv.includes('--cpu-prof');
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const SIZE = QUICK
  ? { students: 2_000, w1Students: 150, w1Concurrency: 32, w1RoundMs: 2_500, w1Rounds: 2, w1WarmupMs: 1_000, w2BatchesPerReviewer: 1, w2Rounds: 2, w4Subscribers: 500, w4Rounds: 5, w4cStudents: 300, w5Samples: 100, w5TruthSamples: 20 }
  : { students: 10_000, w1Students: 500, w1Concurrency: 32, w1RoundMs: 6_000, w1Rounds: 3, w1WarmupMs: 2_000, w2BatchesPerReviewer: 3, w2Rounds: 3, w4Subscribers: 2_000, w4Rounds: 12, w4cStudents: 1_000, w5Samples: 300, w5TruthSamples: 50 };
const W2_REVIEWERS = 4;
const W2_BATCH = QUICK ? 250 : 500;
const STAFF_PASSWORD = 'Lixiao@2020';
const STUDENT_PASSWORD = 'Bench#2020pw';

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface Row {
  id: string;
  what: string;
  result: string;
  baseline: string;
  ratio: string;
  target: string;
  met: boolean | null;
  notes: string[];
}
const rows: Row[] = [];

// ---------------------------------------------------------------- helpers

async function gql<T = any>(target: Target, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<{ data?: T; errors?: unknown[] }> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: T; errors?: unknown[] };
}

const LOGIN = `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { __typename ... on MutationLoginSuccess { data { accessToken } } ... on Error { code message } } }`;

async function login(target: Target, username: string, password: string): Promise<string> {
  const result = await gql(target, LOGIN, { u: username, p: password });
  const token = result.data?.login?.data?.accessToken as string | undefined;
  if (!token) throw new Error(`login ${username} failed: ${JSON.stringify(result)}`);
  return token;
}

async function mapLimit<T, R>(list: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(list.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, list.length) }, async () => {
      while (next < list.length) {
        const index = next++;
        out[index] = await work(list[index]!);
      }
    }),
  );
  return out;
}

const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`, 'utf8').toString('base64');

function runLoad(job: LoadJob): Promise<LoadResult> {
  const child = tsxChild('./load-worker.ts');
  const done = new Promise<LoadResult>((resolve, reject) => {
    child.once('message', (message: { ok: boolean; result?: LoadResult; error?: string }) =>
      message.ok ? resolve(message.result!) : reject(new Error(message.error)),
    );
    child.once('exit', (code) => reject(new Error(`load worker exited with ${code}`)));
  });
  child.send(job);
  return done.finally(() => child.kill());
}

async function timeIt<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

// ---------------------------------------------------------------- data

/** GB 11643 check character, as the import validates it. */
function nationalId(serial: number): string {
  const birth = `199${7 + (serial % 3)}${String(1 + (serial % 12)).padStart(2, '0')}${String(1 + (serial % 28)).padStart(2, '0')}`;
  const body = `420111${birth}${String(serial % 1000).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((total, digit, i) => total + Number(digit) * weights[i]!, 0);
  return body + '10X98765432'[sum % 11]!;
}

interface GeneratedStudent {
  number: string;
  name: string;
  nationalId: string;
  category: 'UNDERGRADUATE' | 'POSTGRADUATE_DUAL' | 'POSTGRADUATE_SINGLE';
  college: { id: string; code: string };
  campus: { id: string; code: string };
  supervisor: { id: string; username: string } | null;
  dormitory: 'ON_CAMPUS' | 'OFF_CAMPUS_CHECKED_OUT' | 'OFF_CAMPUS_NOT_CHECKED_OUT';
}

async function generateStudents(target: Target, count: number): Promise<GeneratedStudent[]> {
  const { prisma } = target.db;
  const colleges = await prisma.college.findMany({ orderBy: { code: 'asc' } });
  const campuses = await prisma.campus.findMany({ orderBy: { code: 'asc' } });
  // Filtered here: `roles: { has: … }` on an enum array fails through the PGlite adapter ("malformed array literal").
  const supervisors = (await prisma.reviewer.findMany({ orderBy: { username: 'asc' } })).filter((r) => r.roles.includes('SUPERVISOR'));
  const dorms = ['ON_CAMPUS', 'ON_CAMPUS', 'ON_CAMPUS', 'OFF_CAMPUS_CHECKED_OUT', 'OFF_CAMPUS_NOT_CHECKED_OUT'] as const;
  return Array.from({ length: count }, (_, i) => {
    const college = colleges[i % colleges.length]!;
    const bucket = i % 10;
    const category = bucket < 7 ? 'UNDERGRADUATE' : bucket < 9 ? 'POSTGRADUATE_DUAL' : 'POSTGRADUATE_SINGLE';
    const supervisor = category === 'UNDERGRADUATE' ? null : supervisors.find((s) => s.collegeId === college.id)!;
    return {
      number: `B${String(i + 1).padStart(7, '0')}`,
      name: `测试学生${i + 1}`,
      nationalId: nationalId(i),
      category,
      college,
      campus: campuses[Math.floor(i / colleges.length) % campuses.length]!,
      supervisor,
      dormitory: dorms[Math.floor(i / 3) % dorms.length]!,
    } satisfies GeneratedStudent;
  });
}

function studentsCsv(students: GeneratedStudent[]): Uint8Array {
  const lines = ['number,name,nationalId,category,college,campus,firstSupervisor,dormitory'];
  for (const s of students) lines.push([s.number, s.name, s.nationalId, s.category, s.college.code, s.campus.code, s.supervisor?.username ?? '', s.dormitory].join(','));
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------- W3 import

async function w3Import(target: Target, students: GeneratedStudent[]) {
  log(`W3: import of ${students.length} students`);
  // The key the server process was started with (startServerProcess's default).
  useInitialPasswordKey(TEST_PASSWORD_PEPPER);
  const { db } = target;
  const cohort = await db.prisma.cohort.findUniqueOrThrow({ where: { year: 2020 } });
  const { rows: templates } = await loadCohortTemplates(db.prisma, cohort.id);
  const domain = templates.map(toDomainTemplate);
  const byCode = new Map(templates.map((t) => [t.code, t]));
  const hash = await hashInitialPassword('000000');
  const now = new Date().toISOString();

  // The same rows the import writes (students, logins, items by the rules, creation events), built before timing.
  const s = { id: [] as string[], number: [] as string[], name: [] as string[], category: [] as string[], college: [] as string[], campus: [] as string[], dorm: [] as string[], sup: [] as (string | null)[] };
  const it = { id: [] as string[], student: [] as string[], template: [] as string[], status: [] as string[], reason: [] as (string | null)[], waiver: [] as (string | null)[], source: [] as string[], decided: [] as (string | null)[], waiting: [] as (string | null)[] };
  for (const student of students) {
    const id = uuidv7();
    s.id.push(id);
    s.number.push(student.number);
    s.name.push(student.name);
    s.category.push(student.category);
    s.college.push(student.college.id);
    s.campus.push(student.campus.id);
    s.dorm.push(student.dormitory);
    s.sup.push(student.supervisor?.id ?? null);
    const facts = { category: student.category, collegeCode: student.college.code, campusCode: student.campus.code, dormitory: student.dormitory, deferred: false };
    for (const planned of planSheet(facts, domain)) {
      it.id.push(uuidv7());
      it.student.push(id);
      it.template.push(byCode.get(planned.code)!.id);
      it.status.push(planned.initialStatus);
      it.reason.push(planned.reason?.zh ?? null);
      it.waiver.push(planned.waivedBecause?.code ?? null);
      it.source.push(planned.source);
      const decided = planned.initialStatus === 'APPROVED' || planned.initialStatus === 'WAIVED';
      it.decided.push(decided ? now : null);
      it.waiting.push(planned.initialStatus === 'PENDING' ? now : null);
    }
  }
  class Rollback extends Error {}
  const insertStudents = (tx: { query: typeof db.sql.query }) =>
    tx.query(
      `INSERT INTO "Student" (id, number, name, category, "cohortId", "collegeId", "campusId", dormitory, "firstSupervisorId", "createdAt", "updatedAt")
       SELECT v.id, v.number, v.name, v.category::"StudentCategory", $9::uuid, v.college, v.campus, v.dorm::"DormitoryState", v.sup, $10::timestamp(3), $10::timestamp(3)
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::uuid[], $7::text[], $8::uuid[]) AS v(id, number, name, category, college, campus, dorm, sup)`,
      [s.id, s.number, s.name, s.category, s.college, s.campus, s.dorm, s.sup, cohort.id, now],
    );
  const baseline = async (full: boolean) => {
    let ms = 0;
    await db.sql
      .transaction(async (tx) => {
        const started = performance.now();
        await insertStudents(tx);
        if (full) {
          await tx.query(
            `INSERT INTO "Credential" (id, "studentId", "passwordHash", "mustChangePassword", "createdAt")
             SELECT gen_random_uuid(), v.id, $2, true, now() FROM unnest($1::uuid[]) AS v(id)`,
            [s.id, hash],
          );
          await tx.query(
            `INSERT INTO "ClearanceItem" (id, "studentId", "templateId", "cohortId", status, reason, "waiverCode", source, "decidedAt", "waitingSince", "createdAt", "updatedAt")
             SELECT v.id, v.student, v.template, $10::uuid, v.status::"ItemStatus", v.reason, v.waiver, v.source::"DecisionSource", v.decided, v.waiting, $11::timestamp(3), $11::timestamp(3)
             FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamp(3)[], $9::timestamp(3)[])
               AS v(id, student, template, status, reason, waiver, source, decided, waiting)`,
            [it.id, it.student, it.template, it.status, it.reason, it.waiver, it.source, it.decided, it.waiting, cohort.id, now],
          );
          const [first] = await tx.query<{ first: string }>('SELECT reserve_event_seqs($1::bigint)::text AS first', [it.id.length]);
          await tx.query(
            `INSERT INTO "ClearanceEvent" (seq, "itemId", "templateId", "studentId", "cohortId", "fromStatus", "toStatus", reason, source, "createdAt")
             SELECT $7::bigint + v.ord - 1, v.item, v.template, v.student, $8::uuid, NULL, v.status::"ItemStatus", v.reason, v.source::"DecisionSource", $9::timestamp(3)
             FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS v(item, template, student, status, reason, source, ord)`,
            [it.id, it.template, it.student, it.status, it.reason, it.source, first!.first, cohort.id, now],
          );
        }
        ms = performance.now() - started;
        throw new Rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Rollback)) throw error;
      });
    return ms;
  };
  const studentsOnlyMs = await baseline(false);
  const allRowsMs = await baseline(true);
  log(`W3 baselines: students only ${fmt(studentsOnlyMs)} ms, all rows ${fmt(allRowsMs)} ms (${it.id.length} items)`);

  const admin = await db.prisma.reviewer.findUniqueOrThrow({ where: { username: 'admin' } });
  const bytes = studentsCsv(students);
  const { ms, result: report } = await timeIt(() => importStudents(db, bytes, { dryRun: false, actorId: admin.id, fileName: 'bench.csv' }));
  if (!report.applied) throw new Error(`import not applied: ${JSON.stringify(report.problems.slice(0, 5))}`);
  log(`W3 import: ${fmt(ms)} ms, ${report.created} students, ${report.itemsCreated} items`);
  // How much of it is hashing: the same kind of hashes, as the import runs them.
  const probe = Math.min(2_000, students.length);
  const { ms: hashMs } = await timeIt(() => mapLimit(students.slice(0, probe), 16, (st) => hashInitialPassword(st.nationalId.slice(-6))));
  const hashAllMs = (hashMs * students.length) / probe;
  log(`W3 hashing probe: ${probe} hashes in ${fmt(hashMs)} ms (≈ ${fmt(hashAllMs / 1000, 1)} s for ${students.length})`);
  const ratio = ms / allRowsMs;
  rows.push({
    id: 'W3',
    what: `import ${fmtInt(report.created)} students (${fmtInt(report.itemsCreated)} items) via importStudents (in-process, dryRun=false)`,
    result: `${fmt(ms / 1000, 2)} s`,
    baseline: `${fmt(allRowsMs / 1000, 2)} s (unnest INSERT of the same students+logins+items+events); students only ${fmt(studentsOnlyMs / 1000, 3)} s`,
    ratio: `${fmt(ratio, 2)}× (vs students only ${fmt(ms / studentsOnlyMs, 0)}×)`,
    target: '≤ 3 s and ≤ 3× baseline',
    met: ms <= 3000 && ratio <= 3,
    notes: [
      `Baseline: PostgreSQL COPY is not available (no pg-copy-streams); the baseline inserts the same rows with one INSERT … SELECT FROM unnest(...) per table in one transaction, rows and the password hash precomputed outside the timing, then ROLLBACK (so its COMMIT is not timed; the import's is). Triggers on the tables fire in both.`,
      `The import time includes parsing the CSV, validation against the database, ${fmtInt(report.created)} keyed initial-password hashes (HMAC-SHA256 with PASSWORD_PEPPER), and the writes.`,
      `Hashing alone (measured after the import, ${fmtInt(probe)} hashes 16 in flight, scaled): ≈ ${fmt(hashAllMs / 1000, 1)} s for ${fmtInt(students.length)} students, i.e. ${fmt((hashAllMs / ms) * 100, 0)}% of the import's wall time.`,
      ...(students.length < 10_000 ? [`--quick: ${students.length} students instead of 10,000; the target is for 10,000.`] : []),
    ],
  });
  if (students.length < 10_000) rows[rows.length - 1]!.met = null;
}

// ---------------------------------------------------------------- accounts

async function prepareAccounts(target: Target) {
  const hash = await hashPassword(STUDENT_PASSWORD, INITIAL_PASSWORD_COST);
  await target.db.sql.query(`UPDATE "Credential" SET "passwordHash" = $1, "mustChangePassword" = false WHERE "studentId" IS NOT NULL`, [hash]);
  await target.db.sql.query(`UPDATE "Student" SET "surveyCompletedAt" = now() WHERE "surveyCompletedAt" IS NULL`);
  // Fresh statistics after the bulk load, as autovacuum would soon give them: both the server's and the baselines' plans depend on them.
  await target.db.sql.exec('ANALYZE');
}

// ---------------------------------------------------------------- W1 portal read

let baselinePlan = '';
const SHEET_QUERY = `{ viewer { ... on Student { clearanceItems { code name status reason department { name } contact { phone office } } progress { required approved cleared } } } }`;

async function w1Portal(target: Target) {
  log(`W1: logging in ${SIZE.w1Students} students`);
  const students = await target.db.sql.query<{ number: string }>(
    `SELECT s.number FROM "Student" s JOIN "Cohort" c ON c.id = s."cohortId" AND c.year = 2020 ORDER BY s.number LIMIT $1`,
    [SIZE.w1Students],
  );
  const tokens = await mapLimit(students, 8, (s) => login(target, s.number, STUDENT_PASSWORD));
  const baseline = await target.startBaseline();
  if (target.kind === 'postgres') {
    const [credential] = await target.db.sql.query<{ id: string }>(`SELECT c.id FROM "Credential" c JOIN "Student" s ON s.id = c."studentId" WHERE s.number = $1`, [students[0]!.number]);
    const plan = await target.db.sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, TIMING OFF) ${SHEET_SQL.replace('$1::uuid', `'${credential!.id}'::uuid`)}`);
    baselinePlan = plan.map((r) => r['QUERY PLAN']).filter((line) => /Scan|Execution Time/.test(line)).map((line) => line.trim().replace(/\s+\(.*$/, '')).join('; ');
    log(`W1 baseline plan: ${baselinePlan}`);
  }
  const requests = tokens.map((token) => ({ body: JSON.stringify({ query: SHEET_QUERY }), headers: { authorization: `Bearer ${token}` } }));

  // Same answer from both?
  const fetchText = async (url: string, token: string) =>
    (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: SHEET_QUERY }) })).text();
  const [a, b] = await Promise.all([fetchText(target.url, tokens[0]!), fetchText(baseline.url, tokens[0]!)]);
  const sameShape = JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  if (!sameShape) log(`W1: answers differ!\n  server:   ${a.slice(0, 400)}\n  baseline: ${b.slice(0, 400)}`);

  const merged = { server: { requests: 0, ms: 0, errors: 0, cpu: 0, latencies: [] as number[], firstError: null as string | null }, baseline: { requests: 0, ms: 0, errors: 0, cpu: 0, latencies: [] as number[], firstError: null as string | null } };
  const pids = { server: target.serverPid, baseline: baseline.pid };
  for (let round = 0; round < SIZE.w1Rounds; round++) {
    for (const [name, url] of [['server', target.url], ['baseline', baseline.url]] as const) {
      const cpuBefore = cpuMs(pids[name]);
      const result = await runLoad({ url, requests, concurrency: SIZE.w1Concurrency, durationMs: SIZE.w1RoundMs, warmupMs: SIZE.w1WarmupMs });
      const cpuAfter = cpuMs(pids[name]);
      const m = merged[name];
      // CPU over warm-up + measured window, per request of the measured window scaled to the whole round.
      if (cpuBefore !== null && cpuAfter !== null) m.cpu += ((cpuAfter - cpuBefore) * result.elapsedMs) / (result.elapsedMs + SIZE.w1WarmupMs);
      m.requests += result.requests;
      m.ms += result.elapsedMs;
      m.errors += result.errors;
      m.latencies.push(...result.latencies);
      m.firstError ??= result.firstError;
      log(`W1 round ${round + 1} ${name}: ${fmt((result.requests / result.elapsedMs) * 1000, 0)} req/s, errors ${result.errors}`);
    }
  }
  await baseline.stop();
  const rps = (m: typeof merged.server) => (m.requests / m.ms) * 1000;
  const server = summarize(merged.server.latencies);
  const base = summarize(merged.baseline.latencies);
  const ratio = rps(merged.server) / rps(merged.baseline);
  rows.push({
    id: 'W1',
    what: `portal sheet read over HTTP, ${tokens.length} students, ${SIZE.w1Concurrency} keep-alive clients in a child process`,
    result: `${fmtInt(rps(merged.server))} req/s, p50 ${fmt(server.p50)} ms, p99 ${fmt(server.p99)} ms`,
    baseline: `${fmtInt(rps(merged.baseline))} req/s, p50 ${fmt(base.p50)} ms, p99 ${fmt(base.p99)} ms (node:http + ${target.kind === 'postgres' ? 'pg' : 'the same PGlite'}, one SQL statement)`,
    ratio: `${fmt(ratio, 2)}× throughput`,
    target: '≥ 0.7× baseline',
    met: ratio >= 0.7 && merged.server.errors === 0,
    notes: [
      `Rounds alternate server/baseline (${SIZE.w1Rounds} × ${SIZE.w1RoundMs / 1000} s each after ${SIZE.w1WarmupMs / 1000} s warm-up); same tokens, same query body.`,
      ...(baselinePlan ? [`Baseline statement plan (EXPLAIN ANALYZE after ANALYZE): ${baselinePlan}.`] : []),
      `Answers for the same student ${sameShape ? 'are identical' : 'DIFFER'} (server vs baseline JSON).`,
      ...(merged.server.cpu > 0 && merged.baseline.cpu > 0
        ? [`CPU per request (/proc utime+stime of the process, approx.): server ${fmt(merged.server.cpu / merged.server.requests, 2)} ms, baseline ${fmt(merged.baseline.cpu / merged.baseline.requests, 2)} ms.`]
        : []),
      `Errors: server ${merged.server.errors}${merged.server.firstError ? ` (first: ${merged.server.firstError})` : ''}, baseline ${merged.baseline.errors}${merged.baseline.firstError ? ` (first: ${merged.baseline.firstError})` : ''}.`,
    ],
  });
}

// ---------------------------------------------------------------- W5 CohortStats

const STATS_QUERY = `query ($y: Int!) { cohortStats(year: $y) { graduates cleared clearedRate
  items { template { code } required approved rejected pending locked waived outstanding }
  colleges { college { code } graduates cleared required approved outstanding } } }`;

const TRUTH_ITEMS = `SELECT i."templateId", s."collegeId", i.status::text AS status, count(*)::int AS count
  FROM "ClearanceItem" i JOIN "Student" s ON s.id = i."studentId" AND s."cohortId" = i."cohortId"
  WHERE i."cohortId" = $1::uuid GROUP BY 1, 2, 3`;
const TRUTH_STUDENTS = `SELECT "collegeId", "clearedAt" IS NOT NULL AS cleared, count(*)::int AS count FROM "Student" WHERE "cohortId" = $1::uuid GROUP BY 1, 2`;

async function w5Stats(target: Target, adminToken: string) {
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
  const inProcess = await sample(SIZE.w5Samples, () => readCohortStats(db.prisma, { cohortId: cohort.id }));
  const truth = await sample(SIZE.w5TruthSamples, () => Promise.all([db.sql.query(TRUTH_ITEMS, [cohort.id]), db.sql.query(TRUTH_STUDENTS, [cohort.id])]));

  // The counters agree with the ground truth?
  const stats = await readCohortStats(db.prisma, { cohortId: cohort.id });
  const [items, students] = await Promise.all([db.sql.query<{ status: string; count: number }>(TRUTH_ITEMS, [cohort.id]), db.sql.query<{ cleared: boolean; count: number }>(TRUTH_STUDENTS, [cohort.id])]);
  const truthApproved = items.filter((r) => r.status === 'APPROVED').reduce((a, r) => a + r.count, 0);
  const statsApproved = stats.items.reduce((a, r) => a + r.approved, 0);
  const truthGraduates = students.reduce((a, r) => a + r.count, 0);
  const agree = truthApproved === statsApproved && truthGraduates === stats.graduates && items.reduce((a, r) => a + r.count, 0) === stats.items.reduce((a, r) => a + r.required + r.waived, 0);

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

// ---------------------------------------------------------------- W2 batch review

const APPROVE = `mutation ($items: [ItemRefInput!]!) { approveItems(items: $items) { __typename ... on MutationApproveItemsSuccess { data { approved failed } } ... on Error { code message } } }`;

async function w2Review(target: Target) {
  log('W2: batch review');
  const { db } = target;
  const library = await db.prisma.reviewer.findUniqueOrThrow({ where: { username: 'library' }, include: { credential: true } });
  const usernames = ['library'];
  for (let i = 2; i <= W2_REVIEWERS; i++) {
    const username = `library-bench-${i}`;
    await db.prisma.reviewer.create({
      data: { username, name: `图书馆审核员${i}`, roles: ['DEPARTMENT_REVIEWER'], departmentId: library.departmentId, credential: { create: { passwordHash: library.credential!.passwordHash, mustChangePassword: false } } },
    });
    usernames.push(username);
  }
  const tokens = await Promise.all(usernames.map((u) => login(target, u, STAFF_PASSWORD)));
  const perReviewer = SIZE.w2BatchesPerReviewer * W2_BATCH;
  const available = await db.sql.query<{ id: string }>(
    `SELECT i.id FROM "ClearanceItem" i JOIN "ItemTemplate" t ON t.id = i."templateId" JOIN "Cohort" c ON c.id = i."cohortId" AND c.year = 2020
     WHERE t.code = 'LIBRARY' AND i.status = 'PENDING' ORDER BY i."studentId" LIMIT $1`,
    [perReviewer * W2_REVIEWERS],
  );
  const batches = Math.floor(available.length / (W2_REVIEWERS * W2_BATCH));
  if (batches === 0) throw new Error(`W2: only ${available.length} pending LIBRARY items`);
  // Each reviewer gets every 4th student (each student has one LIBRARY item): no two reviewers lock the same sheet.
  const ids = available.slice(0, batches * W2_REVIEWERS * W2_BATCH).map((r) => r.id);
  const shares = Array.from({ length: W2_REVIEWERS }, (_, r) => ids.filter((_, i) => i % W2_REVIEWERS === r));
  const total = ids.length;

  const restore = () =>
    db.sql.query(
      `UPDATE "ClearanceItem" SET status = 'PENDING', source = NULL, "decidedById" = NULL, "decidedAt" = NULL, "waitingSince" = now(), version = version + 1, "updatedAt" = now() WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  let serverCpu = 0;
  const service = async () => {
    const cpuBefore = cpuMs(target.serverPid);
    try {
      return await serviceRun();
    } finally {
      const cpuAfter = cpuMs(target.serverPid);
      if (cpuBefore !== null && cpuAfter !== null) serverCpu += cpuAfter - cpuBefore;
    }
  };
  const serviceRun = async () => {
    const versions = new Map((await db.sql.query<{ id: string; version: number }>(`SELECT id, version FROM "ClearanceItem" WHERE id = ANY($1::uuid[])`, [ids])).map((r) => [r.id, r.version]));
    const bodies = shares.map((share) =>
      Array.from({ length: batches }, (_, b) => ({ items: share.slice(b * W2_BATCH, (b + 1) * W2_BATCH).map((id) => ({ id: globalId('ClearanceItem', id), expectedVersion: versions.get(id)! })) })),
    );
    let approved = 0;
    const { ms } = await timeIt(() =>
      Promise.all(
        bodies.map(async (reviewerBatches, r) => {
          for (const variables of reviewerBatches) {
            const result = await gql(target, APPROVE, variables, tokens[r]);
            const data = result.data?.approveItems?.data;
            if (!data) throw new Error(`approveItems failed: ${JSON.stringify(result).slice(0, 500)}`);
            approved += data.approved as number;
          }
        }),
      ),
    );
    return { ms, approved };
  };
  const plain = async () => {
    let approved = 0;
    const { ms } = await timeIt(() =>
      Promise.all(
        shares.map(async (share) => {
          for (let b = 0; b < batches; b++) {
            const [row] = await db.sql.query<{ n: number }>(
              `WITH u AS (UPDATE "ClearanceItem" SET status = 'APPROVED', source = 'REVIEWER', "decidedById" = $2::uuid, "decidedAt" = now(), "waitingSince" = NULL, version = version + 1, "updatedAt" = now()
                          WHERE id = ANY($1::uuid[]) AND status = 'PENDING' RETURNING 1) SELECT count(*)::int AS n FROM u`,
              [share.slice(b * W2_BATCH, (b + 1) * W2_BATCH), library.id],
            );
            approved += row!.n;
          }
        }),
      ),
    );
    return { ms, approved };
  };
  const svc = { ms: 0, approved: 0 };
  const base = { ms: 0, approved: 0 };
  for (let round = 0; round < SIZE.w2Rounds; round++) {
    const b = await plain();
    await restore();
    const s = await service();
    await restore();
    base.ms += b.ms;
    base.approved += b.approved;
    svc.ms += s.ms;
    svc.approved += s.approved;
    log(`W2 round ${round + 1}: service ${fmtInt((s.approved / s.ms) * 1000)}/s (${s.approved} in ${fmt(s.ms)} ms), plain UPDATE ${fmtInt((b.approved / b.ms) * 1000)}/s`);
  }
  const rate = (svc.approved / svc.ms) * 1000;
  const baseRate = (base.approved / base.ms) * 1000;
  rows.push({
    id: 'W2',
    what: `batch review: ${W2_REVIEWERS} reviewers in parallel × ${batches} batches of ${W2_BATCH} LIBRARY items via approveItems over HTTP (${SIZE.w2Rounds} rounds, ${fmtInt(total)} decisions each)`,
    result: `${fmtInt(rate)} decisions/s (${fmtInt(svc.approved)} approved in ${fmt(svc.ms / 1000, 2)} s)`,
    baseline: `${fmtInt(baseRate)} rows/s: plain UPDATE … WHERE id = ANY($1) of the same batches, 4 connections`,
    ratio: `${fmt(rate / baseRate, 2)}× of plain UPDATE`,
    target: '≥ 10,000 decisions/s',
    met: rate >= 10_000 && svc.approved === total * SIZE.w2Rounds,
    notes: [
      `Through the whole server: auth, GraphQL, changeItems (sheet locks, version checks, state machine, relock, clearedAt, ClearanceEvent rows with reserved seqs, counter triggers), publish after commit. Reviewers' students are disjoint (every 4th student), as four desks splitting a queue would be.`,
      ...(serverCpu > 0 ? [`Server process CPU per decision ≈ ${fmt((serverCpu / svc.approved) * 1000, 1)} µs (${fmt(serverCpu / 1000, 2)} s CPU over ${fmt(svc.ms / 1000, 2)} s wall).`] : []),
      `The plain UPDATE baseline also fires the counter triggers (they are on the table) but writes no events and takes no sheet locks. Items are put back to PENDING (untimed) between runs; runs alternate.`,
    ],
  });
}

// ---------------------------------------------------------------- W4 live fan-out

async function w4FanOut(target: Target, adminToken: string) {
  const { db } = target;
  const libraryToken = await login(target, 'library', STAFF_PASSWORD);
  const [student] = await db.sql.query<{ id: string; item: string }>(
    `SELECT i."studentId" AS id, i.id AS item FROM "ClearanceItem" i JOIN "ItemTemplate" t ON t.id = i."templateId" JOIN "Cohort" c ON c.id = i."cohortId" AND c.year = 2020
     WHERE t.code = 'LIBRARY' AND i.status = 'PENDING' ORDER BY i."studentId" DESC LIMIT 1`,
  );
  if (!student) throw new Error('W4: no pending LIBRARY item');
  const itemGid = globalId('ClearanceItem', student.item);
  const variants = [
    { name: 'seq only', selection: '{ seq }' },
    { name: 'item + progress', selection: '{ seq item { id status version } progress { approved required cleared } }' },
  ];
  let round = 0;
  const decide = async () => {
    const [{ version, status }] = (await db.sql.query<{ version: number; status: string }>(`SELECT version, status::text AS status FROM "ClearanceItem" WHERE id = $1`, [student.item])) as [{ version: number; status: string }];
    const reject = status === 'PENDING';
    const query = reject
      ? `mutation ($i: [ItemRefInput!]!) { rejectItems(items: $i, reason: "bench") { __typename ... on MutationRejectItemsSuccess { data { rejected } } ... on Error { code } } }`
      : `mutation ($id: ID!, $v: Int!) { reopenItem(id: $id, expectedVersion: $v) { __typename ... on Error { code } } }`;
    const variables = reject ? { i: [{ id: itemGid, expectedVersion: version }] } : { id: itemGid, v: version };
    round++;
    const sent = wallMs();
    const result = await gql(target, query, variables, libraryToken);
    const answered = wallMs();
    const typename = (result.data as Record<string, { __typename: string }> | undefined)?.[reject ? 'rejectItems' : 'reopenItem']?.__typename;
    if (!typename?.startsWith('Mutation')) throw new Error(`W4 decision failed: ${JSON.stringify(result)}`);
    return { sent, answered };
  };

  for (const variant of variants) {
    const count = SIZE.w4Subscribers;
    log(`W4 (${variant.name}): opening ${count} graphql-ws subscribers`);
    const child = tsxChild('./ws-worker.ts');
    cleanups.push({ name: `ws worker ${child.pid}`, run: async () => void child.kill() });
    const events: Extract<WsReport, { type: 'event' }>[] = [];
    let wake: (() => void) | null = null;
    let ready: Extract<WsReport, { type: 'ready' }> | null = null;
    child.on('message', (report: WsReport) => {
      if (report.type === 'ready') ready = report;
      if (report.type === 'event') events.push(report);
      wake?.();
    });
    const waitFor = async (predicate: () => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (!predicate() && Date.now() < deadline) await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, 50); });
      return predicate();
    };
    child.send({
      cmd: 'start',
      url: target.wsUrl,
      token: adminToken,
      count,
      field: 'clearanceItemUpdated',
      query: `subscription ($s: ID!) { clearanceItemUpdated(studentId: $s) ${variant.selection} }`,
      variables: { s: globalId('Student', student.id) },
    } satisfies WsCommand);
    await waitFor(() => ready !== null, 120_000);
    const r = ready as Extract<WsReport, { type: 'ready' }> | null;
    if (!r) throw new Error('W4: subscribers did not connect');
    log(`W4: ${r.connected} connected, ${r.failed} failed in ${fmt(r.connectMs / 1000, 1)} s${r.firstError ? ` (${r.firstError})` : ''}`);
    await sleep(1000);
    const latSent: number[] = [];
    const latAnswered: number[] = [];
    let incomplete = 0;
    const warmup = 2;
    for (let i = 0; i < SIZE.w4Rounds + warmup; i++) {
      const before = events.length;
      const { sent, answered } = await decide();
      const complete = await waitFor(() => events.length > before, 15_000);
      if (!complete) {
        child.send({ cmd: 'flush' } satisfies WsCommand);
        await waitFor(() => events.length > before, 2_000);
      }
      const event = events[events.length - 1];
      if (i >= warmup) {
        if (!event || !event.complete || events.length !== before + 1) incomplete++;
        for (const at of event?.arrivals ?? []) {
          latSent.push(at - sent);
          latAnswered.push(at - answered);
        }
      }
      await sleep(150);
    }
    child.send({ cmd: 'close' } satisfies WsCommand);
    await new Promise((resolve) => { child.once('exit', resolve); setTimeout(resolve, 10_000); });
    child.kill();
    const fromSent = summarize(latSent);
    const fromAnswered = summarize(latAnswered);
    const expected = SIZE.w4Rounds * count;
    rows.push({
      id: variant.name === 'seq only' ? 'W4a' : 'W4b',
      what: `live fan-out: ${fmtInt(r.connected)} graphql-ws subscribers (child process) on clearanceItemUpdated(one student) ${variant.selection}; ${SIZE.w4Rounds} decisions`,
      result: `from sending the decision: p50 ${fmt(fromSent.p50)} ms, p99 ${fmt(fromSent.p99)} ms, max ${fmt(fromSent.max)} ms`,
      baseline: `from the decision's HTTP answer: p50 ${fmt(fromAnswered.p50)} ms, p99 ${fmt(fromAnswered.p99)} ms, max ${fmt(fromAnswered.max)} ms`,
      ratio: `${fmtInt(latSent.length)}/${fmtInt(expected)} deliveries`,
      target: 'p99 ≤ 100 ms',
      met: fromSent.p99 <= 100 && latSent.length === expected && r.failed === 0,
      notes: [
        `Commit time lies between sending the one-item decision (rejectItems / reopenItem, alternating) and its HTTP answer, so the first row is an upper bound on commit-to-delivery and the second is close to it (negative when delivery beats the answer).`,
        `${incomplete} of ${SIZE.w4Rounds} decisions were not delivered to every subscriber within 15 s.`,
      ],
    });
    log(`W4 (${variant.name}): p50 ${fmt(fromSent.p50)} p99 ${fmt(fromSent.p99)} max ${fmt(fromSent.max)} ms`);
  }
}

// ---------------------------------------------------------------- profile: statements per operation

const profileRows: { operation: string; statements: number; detail: string }[] = [];

async function profile(target: Target) {
  if (target.kind !== 'postgres') return;
  log('profile: statements per operation (in-process copy of the app on the bench pool)');
  const config = loadConfig({ PORT: '0', JWT_SECRET: target.jwtSecret, LOG_LEVEL: 'silent', SHUTDOWN_GRACE_SECONDS: '1' });
  const runtime = createServices(config, target.db, createLogger('silent'));
  const app = createApp(config, runtime.services);
  const { port } = await app.listen();
  cleanups.push({ name: 'profile app', run: async () => { await app.close(); await runtime.close(); } });
  const local: Target = { ...target, url: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql` };
  const record = async (operation: string, work: () => Promise<unknown>) => {
    await work().catch(() => undefined);
    const { statements } = await countStatements(work);
    profileRows.push({ operation, statements: statements.length, detail: describe(statements) });
  };
  const [student] = await target.db.sql.query<{ number: string }>(`SELECT s.number FROM "Student" s JOIN "Cohort" c ON c.id = s."cohortId" AND c.year = 2020 ORDER BY s.number LIMIT 1`);
  const studentToken = await login(local, student!.number, STUDENT_PASSWORD);
  const adminToken = await login(local, 'admin', STAFF_PASSWORD);
  const libraryToken = await login(local, 'library', STAFF_PASSWORD);
  await record('W1 portal sheet read (one student, 9–11 items)', () => gql(local, SHEET_QUERY, {}, studentToken));
  await record('W5 cohortStats (items + colleges)', () => gql(local, STATS_QUERY, { y: 2020 }, adminToken));

  // One approveItems batch of 500 (not warmed: a second call would only answer conflicts).
  const items = await target.db.sql.query<{ id: string; version: number }>(
    `SELECT i.id, i.version FROM "ClearanceItem" i JOIN "ItemTemplate" t ON t.id = i."templateId" JOIN "Cohort" c ON c.id = i."cohortId" AND c.year = 2020
     WHERE t.code = 'LIBRARY' AND i.status = 'PENDING' ORDER BY i."studentId" LIMIT 500`,
  );
  const { statements: approveStatements, result: approveResult } = await countStatements(() =>
    gql(local, APPROVE, { items: items.map((i) => ({ id: globalId('ClearanceItem', i.id), expectedVersion: i.version })) }, libraryToken),
  );
  const approved = (approveResult.data as any)?.approveItems?.data?.approved ?? 0;
  profileRows.push({ operation: `W2 approveItems, batch of ${items.length} (${approved} approved)`, statements: approveStatements.length, detail: describe(approveStatements) });

  // W4: statements of one delivery = (decision with one subscriber) − (decision with none).
  const [item] = await target.db.sql.query<{ id: string; studentId: string }>(
    `SELECT i.id, i."studentId" FROM "ClearanceItem" i JOIN "ItemTemplate" t ON t.id = i."templateId" JOIN "Cohort" c ON c.id = i."cohortId" AND c.year = 2020
     WHERE t.code = 'LIBRARY' AND i.status = 'PENDING' ORDER BY i."studentId" LIMIT 1`,
  );
  const gid = globalId('ClearanceItem', item!.id);
  let lastKind: 'reject' | 'reopen' = 'reject';
  const flip = async () => {
    const [{ version, status }] = (await target.db.sql.query<{ version: number; status: string }>(`SELECT version, status::text AS status FROM "ClearanceItem" WHERE id = $1`, [item!.id])) as [{ version: number; status: string }];
    lastKind = status === 'PENDING' ? 'reject' : 'reopen';
    return status === 'PENDING'
      ? gql(local, `mutation ($i: [ItemRefInput!]!) { rejectItems(items: $i, reason: "bench") { __typename } }`, { i: [{ id: gid, expectedVersion: version }] }, libraryToken)
      : gql(local, `mutation ($id: ID!, $v: Int!) { reopenItem(id: $id, expectedVersion: $v) { __typename } }`, { id: gid, v: version }, libraryToken);
  };
  const alone = new Map<string, string[]>();
  for (let i = 0; i < 2; i++) {
    const { statements } = await countStatements(flip);
    alone.set(lastKind, statements);
  }
  for (const [name, selection] of [['{ seq }', '{ seq }'], ['{ seq item { … } progress { … } }', '{ seq item { id status version } progress { approved required cleared } }']] as const) {
    const client = createClient({ url: local.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${adminToken}` }, lazy: false, retryAttempts: 0 });
    let delivered: (() => void) | null = null;
    const dispose = client.subscribe(
      { query: `subscription ($s: ID!) { clearanceItemUpdated(studentId: $s) ${selection} }`, variables: { s: globalId('Student', item!.studentId) } },
      { next: () => delivered?.(), error: () => undefined, complete: () => undefined },
    );
    await sleep(500);
    const { statements } = await countStatements(async () => {
      const arrived = new Promise<void>((resolve) => { delivered = resolve; setTimeout(resolve, 5000); });
      await flip();
      await arrived;
      await sleep(50);
    });
    dispose();
    await client.dispose();
    const base = alone.get(lastKind)!;
    profileRows.push({ operation: `W4 one delivery of clearanceItemUpdated ${name}`, statements: statements.length - base.length, detail: `decision (${lastKind}) with one subscriber: ${describe(statements)}; alone: ${describe(base)}` });
  }
  profileRows.push(await w4cStatements(local, adminToken, libraryToken, gql, 100));
  await app.close();
}

// ---------------------------------------------------------------- report

async function machine(target: Target) {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`,
    memory: `${fmt(os.totalmem() / 2 ** 30, 1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    database: target.databaseVersion,
    loadavg: os.loadavg().map((n) => n.toFixed(2)).join(' '),
  };
}

function render(info: Awaited<ReturnType<typeof machine>>, loadBefore: string, elapsedS: number): string {
  const status = (met: boolean | null) => (met === null ? 'n/a (quick)' : met ? 'MET' : 'MISSED');
  const escape = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const lines = [
    `# Lixiao benchmarks`,
    '',
    `- date: ${info.date}`,
    `- mode: ${QUICK ? '--quick' : 'full'}${PGLITE ? ' --pglite' : ''}, ${fmt(elapsedS, 0)} s`,
    `- machine: ${info.cpu}, ${info.memory}, ${info.os}`,
    `- node ${info.node}, ${info.database}`,
    `- load average before / after: ${loadBefore} / ${info.loadavg} (shared machine: compare ratios, not absolute numbers)`,
    '',
    '| | measured | result | baseline (same run) | ratio | target | |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.id} | ${escape(r.what)} | ${escape(r.result)} | ${escape(r.baseline)} | ${escape(r.ratio)} | ${escape(r.target)} | ${status(r.met)} |`),
    '',
    ...(profileRows.length
      ? ['## SQL statements per operation', '', '(counted by wrapping pg.Client#query around an in-process copy of the app on the same database)', '', '| operation | statements | kinds |', '|---|---|---|', ...profileRows.map((p) => `| ${p.operation} | ${p.statements} | ${p.detail} |`), '']
      : []),
    '## Notes',
    '',
    ...rows.flatMap((r) => r.notes.map((n) => `- ${r.id}: ${n}`)),
    '',
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const started = performance.now();
  const loadBefore = os.loadavg().map((n) => n.toFixed(2)).join(' ');
  const jwtSecret = randomBytes(32).toString('hex');
  log(`mode ${QUICK ? 'quick' : 'full'} on ${PGLITE ? 'PGlite' : 'PostgreSQL'}`);
  const profileDir = CPU_PROF ? mkdtempSync(join(tmpdir(), 'lixiao-cpuprof-')) : null;
  const target = PGLITE ? await startPgliteTarget(jwtSecret) : await startPostgresTarget(ADMIN_URL, jwtSecret, log, profileDir);
  log(`server at ${target.url}`);

  const students = await generateStudents(target, SIZE.students);
  await w3Import(target, students);
  await prepareAccounts(target);
  const adminToken = await login(target, 'admin', STAFF_PASSWORD);
  if (!wants('W3')) rows.splice(rows.findIndex((r) => r.id === 'W3'), 1);
  const profiled: string[] = [];
  const scenario = async (id: string, work: () => Promise<void>) => {
    if (!wants(id)) return;
    const profiling = profileDir !== null && target.serverPid !== undefined;
    if (profiling) process.kill(target.serverPid!, 'SIGUSR2');
    try {
      await work();
    } finally {
      if (profiling) {
        process.kill(target.serverPid!, 'SIGUSR2');
        profiled.push(id);
        await sleep(1500);
      }
    }
  };
  await scenario('W1', () => w1Portal(target));
  await scenario('W5', () => w5Stats(target, adminToken));
  await scenario('W2', () => w2Review(target));
  await scenario('W4', () => w4FanOut(target, adminToken));
  await scenario('W4c', async () => void rows.push(await w4cFanOut(target, adminToken, await login(target, 'library', STAFF_PASSWORD), gql, SIZE.w4cStudents, log)));
  await profile(target).catch((error: unknown) => log(`profile failed: ${String(error)}`));

  const info = await machine(target);
  let markdown = render(info, loadBefore, (performance.now() - started) / 1000);
  process.stdout.write(`\n${markdown}\n`);
  mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  // latest.md is always the last run; a copy per mode keeps the full PostgreSQL run when a quick one follows.
  if (profileDir) {
    for (const [index, id] of profiled.entries()) {
      const file = join(profileDir, `${index + 1}.cpuprofile`);
      if (!existsSync(file)) continue;
      const summary = summarizeProfile(file, 15);
      process.stdout.write(`\nServer CPU profile during ${id}:\n${summary}\n`);
      markdown += `\n## Server CPU profile during ${id} (V8 sampling profiler in the server process)\n\n\`\`\`\n${summary}\n\`\`\`\n`;
    }
    log(`cpu profiles kept in ${profileDir}`);
  }
  // Partial or profiled runs go to their own file and leave latest.md to complete runs.
  const names = ONLY || CPU_PROF ? [`partial-${PGLITE ? 'pglite' : 'postgres'}${QUICK ? '-quick' : ''}${CPU_PROF ? '-cpuprof' : ''}`] : ['latest', `latest-${PGLITE ? 'pglite' : 'postgres'}${QUICK ? '-quick' : ''}`];
  for (const name of names) {
    const file = fileURLToPath(new URL(`./results/${name}.md`, import.meta.url));
    writeFileSync(file, markdown);
    log(`written ${file}`);
  }
}

let exiting = false;
const finish = async (code: number) => {
  if (exiting) return;
  exiting = true;
  await runCleanups(log);
  process.exit(code);
};
process.on('SIGINT', () => void finish(130));
process.on('SIGTERM', () => void finish(143));
main().then(
  () => finish(0),
  (error: unknown) => {
    log(`failed: ${(error as Error).stack ?? String(error)}`);
    void finish(1);
  },
);

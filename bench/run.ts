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
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUICK, PGLITE, ONLY, wants, CPU_PROF, ADMIN_URL, STUDENT_SIZES, DEMO_GRADUATES, SIZE, STAFF_PASSWORD, log, rows } from './lib/context.js';
import { summarizeProfile } from './lib/cpuprofile-summary.js';
import { gql, login } from './lib/http.js';
import { profile, profileRows } from './lib/profile.js';
import { fmt, fmtInt, sleep } from './lib/stats.js';
import { runCleanups, startPgliteTarget, startPostgresTarget, type Target } from './lib/target.js';
import { generateStudents, prepareAccounts } from './scenarios/data.js';
import { queueGrowth, writeResult } from './scenarios/queue-growth.js';
import { w1Portal } from './scenarios/w1-portal.js';
import { w2Review } from './scenarios/w2-review.js';
import { w3Import } from './scenarios/w3-import.js';
import { w4FanOut } from './scenarios/w4-fanout.js';
import { w5Stats } from './scenarios/w5-stats.js';
import { w4cFanOut } from './scenarios/w4c-fanout.js';

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
    loadavg: os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' '),
  };
}

function render(info: Awaited<ReturnType<typeof machine>>, loadBefore: string, elapsedS: number): string {
  const status = (met: boolean | null) => (met === null ? 'n/a (quick)' : met ? 'MET' : 'MISSED');
  const escapeCell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
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
    ...rows.map(
      (r) =>
        `| ${r.id} | ${escapeCell(r.what)} | ${escapeCell(r.result)} | ${escapeCell(r.baseline)} | ${escapeCell(r.ratio)} | ${escapeCell(r.target)} | ${status(r.met)} |`,
    ),
    '',
    ...(profileRows.length
      ? [
          '## SQL statements per operation',
          '',
          '(counted by wrapping pg.Client#query around an in-process copy of the app on the same database)',
          '',
          '| operation | statements | kinds |',
          '|---|---|---|',
          ...profileRows.map((p) => `| ${p.operation} | ${p.statements} | ${p.detail} |`),
          '',
        ]
      : []),
    '## Notes',
    '',
    ...rows.flatMap((r) => r.notes.map((n) => `- ${r.id}: ${n}`)),
    '',
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------- Q review queue and stats as the cohort grows

async function queueScenario(target: Target) {
  const sizes = STUDENT_SIZES ?? [SIZE.students + DEMO_GRADUATES];
  log(`Q: review queue and cohortStats at ${sizes.map(fmtInt).join(', ')} graduates`);
  const result = await queueGrowth(target, { sizes, samples: QUICK ? 30 : 100, baselineSamples: QUICK ? 5 : 10, staffPassword: STAFF_PASSWORD, log });
  const first = result.rows[0]!;
  const last = result.rows.at(-1)!;
  const worst = Math.max(...last.scopes.map((scope, i) => Math.max(scope.first / first.scopes[i]!.first, scope.middle / first.scopes[i]!.middle)));
  rows.push({
    id: 'Q',
    what: `review queue page of 50 (first, and from the middle by cursor) for a department, college, campus, supervisor and university-admin reviewer, and cohortStats, over HTTP at ${sizes.map(fmtInt).join(' / ')} graduates`,
    result: `${last.scopes.map((scope) => `${scope.username} ${fmt(scope.first, 2)} ms`).join(', ')}; cohortStats ${fmt(last.stats, 2)} ms (at ${fmtInt(last.graduates)})`,
    baseline: `the previous page statement on the same data: ${last.scopes.map((scope) => `${scope.username} ${fmt(scope.previous, 1)} ms`).join(', ')}`,
    ratio:
      `largest / smallest size, worst scope: HTTP page p50 ${fmt(worst, 2)}×, ` +
      `statement buffers ${fmt(Math.max(...last.scopes.map((scope, i) => scope.statementBuffers / first.scopes[i]!.statementBuffers)), 2)}×; cohortStats ${fmt(last.stats / first.stats, 2)}×`,
    target: 'page p50 within 1.5× across sizes; cohortStats p50 ≤ 5 ms',
    met: sizes.length > 1 ? worst <= 1.5 && last.stats <= 5 : null,
    notes: [`Growth table:\n\n${result.markdown}\n`],
  });
  if (sizes.length > 1)
    writeResult(
      'growth.md',
      `# Review queue and cohortStats as the cohort grows\n\n${new Date().toISOString()}, sizes ${sizes.map(fmtInt).join(', ')}\n\n${result.markdown}\n`,
    );
  writeResult(
    `queue-explain${STUDENT_SIZES ? `-${last.graduates}` : ''}.md`,
    `# Review queue page statements at ${fmtInt(last.graduates)} graduates (EXPLAIN ANALYZE, BUFFERS)\n\n${result.explain}`,
  );
}

// ---------------------------------------------------------------- main

async function main() {
  const started = performance.now();
  const loadBefore = os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
  const jwtSecret = randomBytes(32).toString('hex');
  log(`mode ${QUICK ? 'quick' : 'full'} on ${PGLITE ? 'PGlite' : 'PostgreSQL'}`);
  const profileDir = CPU_PROF ? mkdtempSync(join(tmpdir(), 'lixiao-cpuprof-')) : null;
  const target = PGLITE ? await startPgliteTarget(jwtSecret) : await startPostgresTarget(ADMIN_URL, jwtSecret, log, profileDir);
  log(`server at ${target.url}`);

  const importSize = STUDENT_SIZES ? Math.max(100, Math.min(SIZE.students, STUDENT_SIZES[0]! - DEMO_GRADUATES)) : SIZE.students;
  const students = await generateStudents(target, importSize);
  await w3Import(target, students);
  await prepareAccounts(target);
  const adminToken = await login(target, 'admin', STAFF_PASSWORD);
  if (!wants('W3'))
    rows.splice(
      rows.findIndex((r) => r.id === 'W3'),
      1,
    );
  const profiled: string[] = [];
  const profiling = profileDir !== null && target.serverPid !== undefined;
  const toggleProfiler = () => process.kill(target.serverPid!, 'SIGUSR2');
  /** `ownProfile`: the scenario starts and stops the profiler itself, around the part worth profiling. */
  const scenario = async (id: string, work: () => Promise<void>, ownProfile = false) => {
    if (!wants(id)) return;
    const whole = profiling && !ownProfile;
    if (whole) toggleProfiler();
    try {
      await work();
    } finally {
      if (whole) toggleProfiler();
      if (profiling) {
        profiled.push(id);
        await sleep(1500);
      }
    }
  };
  const deliveryProfiler = profiling ? { start: toggleProfiler, stop: async () => void toggleProfiler() } : null;
  await scenario('W1', () => w1Portal(target));
  await scenario('W5', () => w5Stats(target, adminToken));
  await scenario('W2', () => w2Review(target));
  await scenario('W4', () => w4FanOut(target, adminToken));
  await scenario(
    'W4c',
    async () =>
      void rows.push(await w4cFanOut(target, adminToken, await login(target, 'library', STAFF_PASSWORD), gql, SIZE.w4cStudents, deliveryProfiler, log)),
    true,
  );
  // Last: it grows the cohort.
  await scenario('Q', () => queueScenario(target));
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
  const names =
    ONLY || CPU_PROF
      ? [`partial-${PGLITE ? 'pglite' : 'postgres'}${QUICK ? '-quick' : ''}${CPU_PROF ? '-cpuprof' : ''}`]
      : ['latest', `latest-${PGLITE ? 'pglite' : 'postgres'}${QUICK ? '-quick' : ''}`];
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
    // fetch's own message ("fetch failed") says nothing: the reason is its cause.
    const cause = (error as Error).cause;
    log(`failed: ${(error as Error).stack ?? String(error)}${cause ? `\ncaused by: ${(cause as Error).stack ?? String(cause)}` : ''}`);
    void finish(1);
  },
);

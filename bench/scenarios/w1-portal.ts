/** W1: the portal sheet read over HTTP, against a minimal node:http + pg handler. */
import { SHEET_SQL } from '../lib/baseline-sheet.js';
import { SIZE, STUDENT_PASSWORD, log, rows, runLoad } from '../lib/context.js';
import { login, mapLimit } from '../lib/http.js';
import { cpuMs } from '../lib/statements.js';
import { fmt, fmtInt, summarize } from '../lib/stats.js';
import type { Target } from '../lib/target.js';

export let baselinePlan = '';
export const SHEET_QUERY = `{ viewer { ... on Student { clearanceItems { code name status reason department { name } contact { phone office } } progress { required approved cleared } } } }`;

export async function w1Portal(target: Target) {
  log(`W1: logging in ${SIZE.w1Students} students`);
  const students = await target.db.sql.query<{ number: string }>(
    `SELECT s.number FROM "Student" s JOIN "Cohort" c ON c.id = s."cohortId" AND c.year = 2020 ORDER BY s.number LIMIT $1`,
    [SIZE.w1Students],
  );
  const tokens = await mapLimit(students, 8, (s) => login(target, s.number, STUDENT_PASSWORD));
  const baseline = await target.startBaseline();
  if (target.kind === 'postgres') {
    const [credential] = await target.db.sql.query<{ id: string }>(
      `SELECT c.id FROM "Credential" c JOIN "Student" s ON s.id = c."studentId" WHERE s.number = $1`,
      [students[0]!.number],
    );
    const plan = await target.db.sql.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, TIMING OFF) ${SHEET_SQL.replace('$1::uuid', `'${credential!.id}'::uuid`)}`,
    );
    baselinePlan = plan
      .map((r) => r['QUERY PLAN'])
      .filter((line) => /Scan|Execution Time/.test(line))
      .map((line) => line.trim().replace(/\s+\(.*$/, ''))
      .join('; ');
    log(`W1 baseline plan: ${baselinePlan}`);
  }
  const requests = tokens.map((token) => ({ body: JSON.stringify({ query: SHEET_QUERY }), headers: { authorization: `Bearer ${token}` } }));

  // Same answer from both?
  const fetchText = async (url: string, token: string) =>
    (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: SHEET_QUERY }),
      })
    ).text();
  const [a, b] = await Promise.all([fetchText(target.url, tokens[0]!), fetchText(baseline.url, tokens[0]!)]);
  const sameShape = JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  if (!sameShape) log(`W1: answers differ!\n  server:   ${a.slice(0, 400)}\n  baseline: ${b.slice(0, 400)}`);

  const merged = {
    server: { requests: 0, ms: 0, errors: 0, cpu: 0, latencies: [] as number[], firstError: null as string | null },
    baseline: { requests: 0, ms: 0, errors: 0, cpu: 0, latencies: [] as number[], firstError: null as string | null },
  };
  const pids = { server: target.serverPid, baseline: baseline.pid };
  for (let round = 0; round < SIZE.w1Rounds; round++) {
    for (const [name, url] of [
      ['server', target.url],
      ['baseline', baseline.url],
    ] as const) {
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
        ? [
            `CPU per request (/proc utime+stime of the process, approx.): server ${fmt(merged.server.cpu / merged.server.requests, 2)} ms, baseline ${fmt(merged.baseline.cpu / merged.baseline.requests, 2)} ms.`,
          ]
        : []),
      `Errors: server ${merged.server.errors}${merged.server.firstError ? ` (first: ${merged.server.firstError})` : ''}, baseline ${merged.baseline.errors}${merged.baseline.firstError ? ` (first: ${merged.baseline.firstError})` : ''}.`,
    ],
  });
}

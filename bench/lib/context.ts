/** The bench's command line, sizes, constants, log and report rows, shared by run.ts and the scenarios. */
import type { LoadJob, LoadResult } from './load-worker.js';
import { tsxChild } from './target.js';

const argv = process.argv.slice(2);
export const QUICK = argv.includes('--quick');
export const PGLITE = argv.includes('--pglite');
/** --only=W1,W2: run only these scenarios (the import always runs: it makes the data). */
export const ONLY =
  argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .toUpperCase()
    .split(',') ?? null;
export const wants = (id: string) => ONLY === null || ONLY.some((o) => id.toUpperCase().startsWith(o));
/** --cpu-prof: the server process runs with node --cpu-prof; its profile is summarized at the end. */
export const CPU_PROF = argv.includes('--cpu-prof');
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** --students 1000,10000,100000: Q measures the queue and stats at each size, growing the cohort in between (growth table). */
export const STUDENT_SIZES = (() => {
  const index = argv.findIndex((a) => a === '--students' || a.startsWith('--students='));
  if (index < 0) return null;
  const value = argv[index]!.includes('=') ? argv[index]!.split('=')[1]! : argv[index + 1]!;
  const sizes = value.split(',').map((n) => Number(n.replaceAll('_', '')));
  if (sizes.some((n) => !Number.isInteger(n) || n < 500)) throw new Error(`--students takes sizes of at least 500, comma-separated: ${value}`);
  return sizes.sort((a, b) => a - b);
})();
/** The demo cohort the server loads before the import. */
export const DEMO_GRADUATES = 364;

export const SIZE = QUICK
  ? {
      students: 2_000,
      w1Students: 150,
      w1Concurrency: 32,
      w1RoundMs: 2_500,
      w1Rounds: 2,
      w1WarmupMs: 1_000,
      w2BatchesPerReviewer: 1,
      w2Rounds: 2,
      w4Subscribers: 500,
      w4Rounds: 5,
      w4cStudents: 300,
      w5Samples: 100,
      w5TruthSamples: 20,
    }
  : {
      students: 10_000,
      w1Students: 500,
      w1Concurrency: 32,
      w1RoundMs: 6_000,
      w1Rounds: 3,
      w1WarmupMs: 2_000,
      w2BatchesPerReviewer: 3,
      w2Rounds: 3,
      w4Subscribers: 2_000,
      w4Rounds: 12,
      w4cStudents: 1_000,
      w5Samples: 300,
      w5TruthSamples: 50,
    };
export const W2_REVIEWERS = 4;
export const W2_BATCH = QUICK ? 250 : 500;
export const STAFF_PASSWORD = 'Lixiao@2020';
export const STUDENT_PASSWORD = 'Bench#2020pw';

export const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

export interface Row {
  id: string;
  what: string;
  result: string;
  baseline: string;
  ratio: string;
  target: string;
  met: boolean | null;
  notes: string[];
}
export const rows: Row[] = [];

export function runLoad(job: LoadJob): Promise<LoadResult> {
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

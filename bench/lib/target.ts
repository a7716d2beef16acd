/**
 * The server under test and the bench's own handle on its database.
 * PostgreSQL: a scratch database, the server as its own process (server/scale/processes.ts),
 * the W1 baseline as another process. PGlite (--pglite): the database is embedded in one
 * process, so the server (and the baseline handler) run in the bench process on it.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createApp, GRAPHQL_PATH } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { openDatabase, type Database } from '../../server/db/client.js';
import { applyMigrations } from '../../server/db/migrate.js';
import { createLogger } from '../../server/log.js';
import { startServerProcess } from '../../server/testing/processes.js';
import { seedDemoData } from '../../server/seed/demo.js';
import { useInitialPasswordKey } from '../../server/auth/password.js';
import { TEST_PASSWORD_PEPPER } from '../../server/testing/keys.js';
import { createServices } from '../../server/services/runtime.js';
import { createBaselineServer } from './baseline-sheet.js';

export interface Target {
  kind: 'postgres' | 'pglite';
  url: string;
  wsUrl: string;
  /** The bench's own connection (PostgreSQL: a separate pool; PGlite: the server's database). */
  db: Database;
  /** PostgreSQL: the scratch database, for a session of the bench's own (Q's nested plans). */
  databaseUrl?: string;
  databaseVersion: string;
  jwtSecret: string;
  /** The server's process id when it runs in its own process (CPU accounting). */
  serverPid?: number;
  stopServer?: () => Promise<unknown>;
  startBaseline(): Promise<{ url: string; pid?: number; stop(): Promise<void> }>;
  close(): Promise<void>;
}

export const tsxChild = (file: string, options: { env?: Record<string, string> } = {}): ChildProcess =>
  fork(fileURLToPath(new URL(file, import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

/** Every cleanup step, run in reverse order at the end or on failure/interrupt. */
export const cleanups: { name: string; run: () => Promise<unknown> }[] = [];

export async function runCleanups(log: (line: string) => void) {
  while (cleanups.length) {
    const step = cleanups.pop()!;
    try {
      await step.run();
      log(`cleanup: ${step.name}`);
    } catch (error) {
      log(`cleanup failed: ${step.name}: ${String(error)}`);
    }
  }
}

export async function startPostgresTarget(
  adminUrl: string,
  jwtSecret: string,
  log: (line: string) => void,
  cpuProfileDir: string | null = null,
): Promise<Target> {
  const name = `lixiao_bench_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  cleanups.push({
    name: `drop database ${name}`,
    run: async () => {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  log(`scratch database ${name}`);

  const server = await startServerProcess({
    DATABASE_URL: databaseUrl,
    JWT_SECRET: jwtSecret,
    DEMO_DATA: 'on',
    LOG_LEVEL: 'info',
    ...(cpuProfileDir
      ? {
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${fileURLToPath(new URL('./cpu-profiler.mjs', import.meta.url))}`.trim(),
          LIXIAO_CPU_PROFILE_DIR: cpuProfileDir,
        }
      : {}),
  });
  cleanups.push({ name: `server process ${server.child.pid}`, run: () => server.stop() });
  // Its output is kept in memory only: if it dies under the bench, its last lines say why.
  server.child.once('exit', (code, signal) => {
    if (code !== 0) log(`server process exited (${signal ?? code}):\n${server.output().slice(-4000)}`);
  });
  const db = await openDatabase({ databaseUrl, dataDir: '' });
  cleanups.push({ name: 'bench database pool', run: () => db.close() });
  const [{ version }] = (await db.sql.query<{ version: string }>(`SELECT current_setting('server_version') AS version`)) as [{ version: string }];
  return {
    kind: 'postgres',
    url: server.url,
    wsUrl: server.wsUrl,
    db,
    databaseUrl,
    databaseVersion: `PostgreSQL ${version}`,
    jwtSecret,
    serverPid: server.child.pid,
    stopServer: () => server.stop(),
    async startBaseline() {
      const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./baseline-main.ts', import.meta.url))], {
        env: { ...process.env, BASELINE_DATABASE_URL: databaseUrl, JWT_SECRET: jwtSecret },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const stop = () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      cleanups.push({ name: `baseline process ${child.pid}`, run: stop });
      const listening = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk) => {
          out += String(chunk);
          const match = /\{"listening":"([^"]+)"\}/.exec(out);
          if (match) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`baseline exited with ${code}: ${out}`)));
      });
      return { url: listening, pid: child.pid, stop };
    },
    close: async () => undefined,
  };
}

export async function startPgliteTarget(jwtSecret: string): Promise<Target> {
  const config = loadConfig({ PORT: '0', JWT_SECRET: jwtSecret, DATA_DIR: 'memory://', LOG_LEVEL: 'warn', SHUTDOWN_GRACE_SECONDS: '1' });
  const db = await openDatabase({ databaseUrl: null, dataDir: 'memory://' });
  cleanups.push({ name: 'pglite database', run: () => db.close() });
  await applyMigrations(db.sql);
  useInitialPasswordKey(TEST_PASSWORD_PEPPER);
  await seedDemoData(db);
  const log = createLogger('warn');
  const runtime = createServices(config, db, log);
  const app = createApp(config, runtime.services);
  const { port } = await app.listen();
  cleanups.push({
    name: 'in-process server',
    run: async () => {
      await app.close();
      await runtime.close();
    },
  });
  const [row] = await db.sql.query<{ v: string }>('SELECT version() AS v');
  return {
    kind: 'pglite',
    url: `http://127.0.0.1:${port}${GRAPHQL_PATH}`,
    wsUrl: `ws://127.0.0.1:${port}${GRAPHQL_PATH}`,
    db,
    databaseVersion: `PGlite (${String(row!.v).split(' on ')[0]})`,
    jwtSecret,
    async startBaseline() {
      const { server, listen } = createBaselineServer((text, params) => db.sql.query(text, params), jwtSecret);
      const url = await listen();
      const stop = () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        });
      cleanups.push({ name: 'in-process baseline', run: stop });
      return { url, stop };
    },
    close: async () => undefined,
  };
}

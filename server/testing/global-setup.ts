import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { useInitialPasswordKey } from '../auth/password.js';
import { openDatabase } from '../db/client.js';
import { applyMigrations } from '../db/migrate.js';
import { installDefaultRuleSet, seedDemoData } from '../seed/demo.js';
import { randomBytes } from 'node:crypto';
import { SNAPSHOT_KINDS, templateDatabaseName, type SnapshotKind } from './databases.js';
import { TEST_PASSWORD_PEPPER } from './keys.js';

/**
 * Prepares each kind of test database once per run, so a test file starts from a
 * copy instead of migrating and seeding again: PGlite data-dir dumps, and (with
 * TEST_DATABASE_URL) PostgreSQL template databases.
 *
 * On a laptop without PostgreSQL the PostgreSQL suites are skipped with one clear
 * line; where TEST_DATABASE_URL is set (CI) an unreachable server fails the run.
 */
export default async function globalSetup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'lixiao-test-'));
  useInitialPasswordKey(TEST_PASSWORD_PEPPER);
  const files: Record<string, string> = {};
  for (const kind of SNAPSHOT_KINDS) {
    const db = await openDatabase({ databaseUrl: null, dataDir: 'memory://' });
    await prepare(db, kind);
    files[kind] = join(dir, `${kind}.tar`);
    writeFileSync(files[kind], await db.dump!());
    await db.close();
  }
  project.provide('pgliteSnapshots', files);
  const run = randomBytes(4).toString('hex');
  project.provide('testRun', run);

  const url = process.env.TEST_DATABASE_URL;
  const templates: string[] = [];
  if (!url) {
    console.log('skipped: no PostgreSQL (TEST_DATABASE_URL is not set); database suites run on embedded PGlite only');
  } else {
    const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    try {
      await admin.connect();
    } catch (error) {
      throw new Error(`TEST_DATABASE_URL is set but PostgreSQL is unreachable: ${(error as Error).message}`);
    }
    try {
      for (const kind of SNAPSHOT_KINDS) {
        const name = templateDatabaseName(kind, run);
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.query(`CREATE DATABASE ${name}`);
        templates.push(name);
        const target = new URL(url);
        target.pathname = `/${name}`;
        const db = await openDatabase({ databaseUrl: target.toString(), dataDir: '' });
        await prepare(db, kind);
        await db.close();
      }
    } finally {
      await admin.end();
    }
  }

  return async () => {
    rmSync(dir, { recursive: true, force: true });
    if (url && templates.length) {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      for (const name of templates) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  };
}

async function prepare(db: Awaited<ReturnType<typeof openDatabase>>, kind: SnapshotKind) {
  if (kind === 'empty') return;
  await applyMigrations(db.sql);
  if (kind === 'demo') await seedDemoData(db);
  else await installDefaultRuleSet(db);
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshots: Record<string, string>;
    /** Names this run's PostgreSQL template databases. */
    testRun: string;
  }
}

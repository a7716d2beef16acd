import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { openDatabase, type Database } from '../db/client.js';

/**
 * Test databases: PGlite in memory always; real PostgreSQL too when
 * TEST_DATABASE_URL is set (CI sets it), each test file in a database of its own.
 * Each starts as a copy of a snapshot prepared once per run (global-setup.ts):
 * `empty` (nothing), `rules` (migrated, default rule set) or `demo` (plus demo data).
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || null;

export type Backend = 'pglite' | 'postgres';
export const BACKENDS: Backend[] = TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export const SNAPSHOT_KINDS = ['empty', 'rules', 'demo'] as const;
export type SnapshotKind = (typeof SNAPSHOT_KINDS)[number];

/** Per run, so parallel runs against one PostgreSQL server don't collide. */
export function templateDatabaseName(kind: SnapshotKind, run: string): string {
  return `lixiao_tpl_${kind}_${run}`;
}

export interface TestDatabase {
  db: Database;
  /** Closes the database and removes it. */
  drop(): Promise<void>;
}

export async function openTestDatabase(backend: Backend, kind: SnapshotKind = 'empty'): Promise<TestDatabase> {
  if (backend === 'pglite') {
    const snapshot = inject('pgliteSnapshots')[kind];
    const db = await openDatabase({ databaseUrl: null, dataDir: 'memory://', snapshot: snapshot ? readFileSync(snapshot) : undefined });
    return { db, drop: () => db.close() };
  }
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
  const name = `lixiao_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${templateDatabaseName(kind, inject('testRun'))}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: '' });
  return {
    db,
    async drop() {
      await db.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(sql: string) {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL! });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** One backend's copy of the demo database for a describe block: opened before its tests, dropped after them. */
export function useDemoDatabase(backend: Backend): { readonly db: Database } {
  let opened: TestDatabase | undefined;
  beforeAll(async () => {
    opened = await openTestDatabase(backend, 'demo');
  });
  afterAll(async () => {
    await opened?.drop();
  });
  return {
    get db() {
      if (!opened) throw new Error('the demo database is opened in beforeAll');
      return opened.db;
    },
  };
}

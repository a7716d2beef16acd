import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlDriver, SqlSession } from './driver.js';

/**
 * Applies the committed SQL migrations in prisma/migrations the way
 * `prisma migrate deploy` does, so `prisma migrate status` agrees wherever the
 * schema engine exists: same `_prisma_migrations` table, same sha256 checksums,
 * same advisory lock key.
 */

export const MIGRATIONS_DIR = new URL('../../prisma/migrations/', import.meta.url);

/** The key `prisma migrate` locks with, so the CLI and the server never migrate at once. */
const PRISMA_ADVISORY_LOCK_KEY = 72707369;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  script: string;
  checksum: string;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export function readMigrations(dir: URL | string = MIGRATIONS_DIR): MigrationFile[] {
  const root = typeof dir === 'string' ? dir : dir.pathname;
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const script = readFileSync(join(root, name, 'migration.sql'), 'utf8');
      return { name, script, checksum: createHash('sha256').update(script).digest('hex') };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

/**
 * Applies every pending migration in one transaction under the advisory lock:
 * either all of them land and are recorded, or none. Refuses to run when an
 * applied migration's file changed, went missing, or a previous run failed.
 */
export async function applyMigrations(driver: SqlDriver, migrations = readMigrations()): Promise<MigrationReport> {
  return driver.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
    await tx.exec(CREATE_MIGRATIONS_TABLE);
    const rows = await tx.query<AppliedRow>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at');
    const applied = checkHistory(rows, migrations);
    const pending = migrations.filter((m) => !applied.has(m.name));
    for (const migration of pending) await applyOne(tx, migration);
    return { applied: pending.map((m) => m.name), alreadyApplied: applied.size };
  });
}

function checkHistory(rows: AppliedRow[], migrations: MigrationFile[]): Set<string> {
  const byName = new Map(migrations.map((m) => [m.name, m]));
  const applied = new Set<string>();
  for (const row of rows) {
    if (row.rolled_back_at) continue;
    if (!row.finished_at) {
      throw new MigrationError(
        `Migration ${row.migration_name} failed earlier and is not resolved; fix the database and run \`prisma migrate resolve\`. / 迁移 ${row.migration_name} 曾执行失败，请先处理数据库。`,
      );
    }
    const file = byName.get(row.migration_name);
    if (!file) {
      throw new MigrationError(
        `The database has migration ${row.migration_name}, which this server does not know: it is older than the database. / 数据库包含本服务未知的迁移 ${row.migration_name}，请升级服务。`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `Migration ${row.migration_name} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${file.checksum.slice(0, 12)}… on disk). Restore the original file and add a new migration instead. / 迁移 ${row.migration_name} 在执行后被修改，请恢复原文件并新建迁移。`,
      );
    }
    applied.add(row.migration_name);
  }
  return applied;
}

async function applyOne(tx: SqlSession, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  await tx.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)', [
    id,
    migration.checksum,
    migration.name,
  ]);
  try {
    await tx.exec(migration.script);
  } catch (error) {
    throw new MigrationError(`Migration ${migration.name} failed / 迁移执行失败: ${(error as Error).message}`);
  }
  await tx.query('UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1', [id]);
}

/** For /readyz: true when every migration on disk is recorded as finished. */
export async function migrationsUpToDate(driver: SqlDriver, migrations = readMigrations()): Promise<boolean> {
  const rows = await driver.query<{ migration_name: string }>(
    'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  const done = new Set(rows.map((r) => r.migration_name));
  return migrations.every((m) => done.has(m.name));
}

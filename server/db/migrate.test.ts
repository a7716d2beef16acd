import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, appendFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../testing/databases.js';
import { applyMigrations, MIGRATIONS_DIR, MigrationError, readMigrations } from './migrate.js';

describe.each(BACKENDS)('migrations on %s', (backend) => {
  let test: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    test = await openTestDatabase(backend);
    dir = mkdtempSync(join(tmpdir(), 'lixiao-migrations-'));
    cpSync(MIGRATIONS_DIR.pathname, dir, { recursive: true });
  });
  afterEach(async () => {
    await test.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies every migration to a fresh database and records it as prisma migrate does', async () => {
    const files = readMigrations(dir);
    const report = await applyMigrations(test.db.sql, files);
    expect(report.applied).toEqual(files.map((f) => f.name));
    const rows = await test.db.sql.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations"',
    );
    expect(rows).toHaveLength(files.length);
    for (const file of files) {
      const row = rows.find((r) => r.migration_name === file.name)!;
      expect(row.checksum).toBe(createHash('sha256').update(file.script).digest('hex'));
      expect(row.finished_at).not.toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
    expect(await test.db.prisma.student.count()).toBe(0);
  });

  it('is a no-op on an up-to-date database', async () => {
    await applyMigrations(test.db.sql, readMigrations(dir));
    const second = await applyMigrations(test.db.sql, readMigrations(dir));
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(readMigrations(dir).length);
    const rows = await test.db.sql.query<{ count: number }>('SELECT count(*)::int AS count FROM "_prisma_migrations"');
    expect(rows[0]?.count).toBe(readMigrations(dir).length);
  });

  it('applies only the new migration when one is added', async () => {
    await applyMigrations(test.db.sql, readMigrations(dir));
    mkdirSync(join(dir, '29990101000000_add_note'));
    writeFileSync(
      join(dir, '29990101000000_add_note', 'migration.sql'),
      'ALTER TABLE "Student" ADD COLUMN "note" TEXT;\nCREATE INDEX "Student_note_idx" ON "Student"("note");\n',
    );
    const report = await applyMigrations(test.db.sql, readMigrations(dir));
    expect(report.applied).toEqual(['29990101000000_add_note']);
    const columns = await test.db.sql.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'Student' AND column_name = 'note'`,
    );
    expect(columns).toHaveLength(1);
  });

  it('refuses to start when an applied migration file was changed', async () => {
    await applyMigrations(test.db.sql, readMigrations(dir));
    const [first] = readMigrations(dir);
    appendFileSync(join(dir, first!.name, 'migration.sql'), '\n-- edited after the fact\n');
    await expect(applyMigrations(test.db.sql, readMigrations(dir))).rejects.toThrow(MigrationError);
    await expect(applyMigrations(test.db.sql, readMigrations(dir))).rejects.toThrow(/was changed after it was applied/);
  });

  it('rolls back everything when a pending migration fails, leaving nothing half-applied', async () => {
    await applyMigrations(test.db.sql, readMigrations(dir));
    mkdirSync(join(dir, '29990101000000_broken'));
    writeFileSync(join(dir, '29990101000000_broken', 'migration.sql'), 'CREATE TABLE "Half" (id int);\nTHIS IS NOT SQL;\n');
    await expect(applyMigrations(test.db.sql, readMigrations(dir))).rejects.toThrow(/29990101000000_broken/);
    const tables = await test.db.sql.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'Half'`);
    expect(tables).toHaveLength(0);
    const recorded = await test.db.sql.query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '29990101000000_broken'`);
    expect(recorded).toHaveLength(0);
  });

  it('refuses a database that has a migration this server does not know', async () => {
    await applyMigrations(test.db.sql, readMigrations(dir));
    await test.db.sql.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ('x', 'y', '29990101000000_future', now(), 1)`,
    );
    await expect(applyMigrations(test.db.sql, readMigrations(dir))).rejects.toThrow(/does not know/);
  });
});

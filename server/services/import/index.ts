import type { Database } from '../../db/client.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { mapTable } from './columns.js';
import { hasErrors, problem, type ImportProblem } from './problems.js';
import { readTable } from './read.js';
import type { Importer, ImportPlan, ImportReport } from './report.js';
import { staffImporter } from './staff.js';
import { studentImporter } from './students.js';

export { IMPORT_PROBLEM_CATALOGUE, IMPORT_PROBLEM_CODES, formatProblem, type ImportProblem, type ImportProblemCode } from './problems.js';
export { IMPORT_FORMATS, type ImportFormat, type TextEncoding } from './read.js';
export type { ImportReport } from './report.js';
export { STUDENT_COLUMNS } from './students.js';
export { STAFF_COLUMNS } from './staff.js';

/**
 * Student and staff imports (CSV in UTF-8 or GBK, or XLSX). A dry run validates
 * against the database and writes nothing. An apply validates, and if no row
 * has an error writes everything in one transaction: new accounts, updates of
 * existing ones, new students' clearance items by the rules, and an audit row.
 */

export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 200_000;
/** Imports run one at a time (pg_advisory_xact_lock): they read, then write, the same accounts. */
const IMPORT_LOCK_KEY = 7_203_001;

export interface ImportOptions {
  dryRun: boolean;
  /** The administrator's staff id, for the audit row. */
  actorId: string | null;
  fileName?: string | null;
}

/** An upload (read as it streams: spooled to disk, it is never in memory whole) or bytes at hand. */
export type ImportFile = Blob | Uint8Array;

export function importStudents(db: Database, file: ImportFile, options: ImportOptions): Promise<ImportReport> {
  return runImport(studentImporter, db, file, options);
}

export function importStaff(db: Database, file: ImportFile, options: ImportOptions): Promise<ImportReport> {
  return runImport(staffImporter, db, file, options);
}

function sortProblems(problems: ImportProblem[]): ImportProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.row - b.p.row || a.i - b.i)
    .map(({ p }) => p);
}

async function runImport<K extends string, L, C, U, P>(
  importer: Importer<K, L, C, U, P>,
  db: Database,
  file: ImportFile,
  options: ImportOptions,
): Promise<ImportReport> {
  let report: ImportReport = {
    kind: importer.kind,
    dryRun: options.dryRun,
    applied: false,
    format: null,
    encoding: null,
    totalRows: 0,
    validRows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    itemsCreated: 0,
    problems: [],
  };
  const done = (changes: Partial<ImportReport>): ImportReport => {
    report = { ...report, ...changes };
    return { ...report, problems: sortProblems(report.problems) };
  };
  const fromPlan = (plan: ImportPlan<C, U>): Partial<ImportReport> => ({
    problems: plan.problems,
    // A file-level error (a missing column, say) makes every row unusable.
    validRows: plan.problems.some((p) => p.row === 0 && p.severity === 'ERROR') ? 0 : plan.validRows,
    created: plan.creates.length,
    updated: plan.updates.length,
    unchanged: plan.unchanged,
  });

  const size = file instanceof Uint8Array ? file.length : file.size;
  if (size > MAX_IMPORT_BYTES) return done({ problems: [problem('FILE_TOO_LARGE', { row: 0 }, { maxMegabytes: MAX_IMPORT_BYTES / 1024 / 1024 })] });
  const read = await readTable(file, MAX_IMPORT_ROWS);
  if (!read.ok) return done({ format: read.format, encoding: read.encoding, problems: read.problems });
  const { table } = read;
  report = { ...report, format: table.format, encoding: table.encoding };
  if (table.rows.length === 0) return done({ problems: [problem('FILE_EMPTY', { row: 0 })] });

  const mapped = mapTable(table.rows, importer.columns);
  report.totalRows = mapped.records.length;
  if (mapped.records.length === 0) return done({ problems: [...mapped.problems, problem('NO_DATA_ROWS', { row: 0 })] });
  if (mapped.records.length > MAX_IMPORT_ROWS) return done({ problems: [problem('TOO_MANY_ROWS', { row: 0 }, { maxRows: MAX_IMPORT_ROWS })] });

  const plan = importer.validate(mapped, await importer.load(db.prisma, mapped));
  if (options.dryRun) return done({ ...fromPlan(plan), itemsCreated: await importer.predictItems(db.prisma, plan) });
  if (hasErrors(plan.problems)) return done({ ...fromPlan(plan), created: 0, updated: 0, unchanged: 0 });

  // Hashing needs no database: it starts now, on the thread pool, and is awaited only when logins are written.
  const preparing = importer.prepare(plan);
  preparing.catch(() => undefined);
  try {
    return await db.prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${IMPORT_LOCK_KEY})`);
        // Validate again under the lock: another import or edit may have run since.
        const fresh = importer.validate(mapped, await importer.load(tx, mapped));
        if (hasErrors(fresh.problems)) return done({ ...fromPlan(fresh), created: 0, updated: 0, unchanged: 0 });
        const { itemsCreated } = await importer.write(tx, fresh, async () => importer.prepare(fresh, await preparing), new Date());
        const result = done({ ...fromPlan(fresh), itemsCreated, applied: true });
        await tx.adminAction.create({
          data: {
            actorId: options.actorId,
            kind: `IMPORT_${importer.kind}`,
            payload: {
              fileName: options.fileName ?? null,
              format: result.format,
              encoding: result.encoding,
              totalRows: result.totalRows,
              created: result.created,
              updated: result.updated,
              unchanged: result.unchanged,
              itemsCreated: result.itemsCreated,
              warnings: result.problems.length,
            } satisfies Prisma.InputJsonObject,
          },
        });
        return result;
      },
      { timeout: 600_000, maxWait: 60_000 },
    );
  } catch (error) {
    // A unique key taken by a writer that does not take the import lock.
    if (isUniqueViolation(error)) {
      return done({ ...fromPlan(plan), created: 0, updated: 0, unchanged: 0, problems: [...plan.problems, problem('CONCURRENT_CHANGE', { row: 0 })] });
    }
    throw error;
  }
}

/** P2002 from Prisma's own queries; from raw statements a driver adapter error of that kind. */
function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } } } | null;
  const cause = e?.meta?.driverAdapterError?.cause;
  return e?.code === 'P2002' || cause?.kind === 'UniqueConstraintViolation' || cause?.originalCode === '23505';
}

import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import type { ColumnSpec, MappedTable } from './columns.js';
import type { ImportProblem } from './problems.js';
import type { ImportFormat, TextEncoding } from './read.js';

export type Db = PrismaClient | Prisma.TransactionClient;

export type ImportKind = 'STUDENTS' | 'STAFF';

export interface ImportReport {
  kind: ImportKind;
  dryRun: boolean;
  /** True only when the file was written (an apply without errors). */
  applied: boolean;
  format: ImportFormat | null;
  encoding: TextEncoding | null;
  /** Data rows (non-empty rows below the header). */
  totalRows: number;
  /** Rows without an error of their own; 0 when the file as a whole has an error. */
  validRows: number;
  /** Applied: what was written. Dry run: what an apply would write for the valid rows. */
  created: number;
  updated: number;
  unchanged: number;
  itemsCreated: number;
  /** Sorted by row; every problem, errors and warnings. */
  problems: ImportProblem[];
}

/** What validating a file against the database decided, row by row. */
export interface ImportPlan<Create, Update> {
  problems: ImportProblem[];
  validRows: number;
  creates: Create[];
  updates: Update[];
  unchanged: number;
}

/** One kind of import (students, staff): its columns, lookups, validation and writes. */
export interface Importer<K extends string, Lookups, Create, Update, Prepared> {
  kind: ImportKind;
  columns: readonly ColumnSpec<K>[];
  /** Everything validation needs from the database, in a few batched queries. */
  load(db: Db, table: MappedTable<K>): Promise<Lookups>;
  validate(table: MappedTable<K>, lookups: Lookups): ImportPlan<Create, Update>;
  /** Dry run: how many clearance items an apply would create. */
  predictItems(db: Db, plan: ImportPlan<Create, Update>): Promise<number>;
  /** Slow work that needs no database (password hashing); `previous` is reused where it still fits. */
  prepare(plan: ImportPlan<Create, Update>, previous?: Prepared): Promise<Prepared>;
  /** `prepared` is awaited only when needed, so hashing overlaps the writes that come before. */
  write(tx: Prisma.TransactionClient, plan: ImportPlan<Create, Update>, prepared: () => Promise<Prepared>, now: Date): Promise<{ itemsCreated: number }>;
}

export function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Runs `fn` over `items` with at most `limit` in flight, results in order. For
 * password hashing: scrypt runs on libuv's small thread pool, and flooding it
 * would starve everything else that uses the pool (file and DNS work, logins).
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** `findMany` with a long `in` list, split so no statement carries too many bind values. */
export async function findInChunks<T>(values: readonly string[], query: (chunk: string[]) => Promise<T[]>, size = 5000): Promise<T[]> {
  const out: T[] = [];
  for (const chunk of chunks([...new Set(values)], size)) out.push(...(await query(chunk)));
  return out;
}

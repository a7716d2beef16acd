import { problem, type ImportProblem } from './problems.js';

/** What a file turns into before anything knows about students or staff: rows of text cells. */

export const IMPORT_FORMATS = ['CSV_UTF8', 'CSV_GBK', 'XLSX'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** `UTF-8`, `UTF-8 BOM` or `GBK` for CSV; null for XLSX (not a text file). */
export type TextEncoding = 'UTF-8' | 'UTF-8 BOM' | 'GBK';

export interface TableRow {
  /** The row number a spreadsheet shows (1-based; for CSV the record number). */
  row: number;
  cells: string[];
  /** Cell indexes whose value is a number that lost digits (Excel keeps 15 significant digits). */
  lossy: Set<number>;
}

export interface Table {
  format: ImportFormat;
  encoding: TextEncoding | null;
  /** Rows with at least one non-empty cell, in file order. Cells are not trimmed yet. */
  rows: TableRow[];
}

export type ReadResult = { ok: true; table: Table } | { ok: false; format: ImportFormat | null; encoding: TextEncoding | null; problems: ImportProblem[] };

/** Rows above the data a table may have: title rows and the header (the header is looked for in the first 10 rows). */
export const HEADER_ALLOWANCE = 10;

/** `maxRows` counts the header allowance; the problem names the data rows allowed. */
export function tooManyRows(format: ImportFormat, encoding: TextEncoding | null, maxRows: number): ReadResult {
  return { ok: false, format, encoding, problems: [problem('TOO_MANY_ROWS', { row: 0 }, { maxRows: maxRows - HEADER_ALLOWANCE })] };
}

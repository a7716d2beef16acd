import { problem, type ImportProblem } from './problems.js';
import { HEADER_ALLOWANCE, type TableRow } from './read.js';

/**
 * Column headers: Chinese or English, matched loosely (case, spaces, `_`/`-`,
 * a trailing `*` required marker and a parenthesised note such as `（必填）`
 * are ignored), and cell values trimmed of ASCII and full-width whitespace.
 */

export interface ColumnSpec<K extends string> {
  key: K;
  /** The header in the template we document, shown when the column is missing. */
  zh: string;
  en: string;
  /** Other accepted spellings, besides `zh` and `en`. */
  aliases?: string[];
  required: boolean;
}

export interface MappedColumn {
  index: number;
  /** The header as the file writes it. */
  header: string;
}

export interface ImportRecord<K extends string> {
  row: number;
  /** Trimmed cell values of the mapped columns; '' when empty. */
  values: Record<K, string>;
  /** Mapped columns whose values lost digits in Excel. */
  lossy: Set<K>;
  /** Mapped columns whose values contain U+FFFD (undecodable bytes) or text PostgreSQL cannot store (NUL, a lone surrogate). */
  garbled: Set<K>;
}

export interface MappedTable<K extends string> {
  columns: Map<K, MappedColumn>;
  records: ImportRecord<K>[];
  problems: ImportProblem[];
}

const EDGE_SPACE = /^[\s\u200B]+|[\s\u200B]+$/g;

/** Trims ASCII and Unicode whitespace, including full-width spaces (U+3000), NBSP, BOM and zero-width spaces. */
export function cleanCell(value: string | undefined): string {
  return (value ?? '').replace(EDGE_SPACE, '');
}

export function normalizeHeader(header: string): string {
  return cleanCell(header)
    .normalize('NFKC') // full-width letters, digits and brackets to ASCII
    .replace(/\(.*\)$/, '')
    .replace(/[*＊]+/g, '')
    .replace(/[\s_\-.:：]+/g, '')
    .toLowerCase();
}

function aliasIndex<K extends string>(specs: readonly ColumnSpec<K>[]): Map<string, ColumnSpec<K>> {
  const index = new Map<string, ColumnSpec<K>>();
  for (const spec of specs) {
    for (const name of [spec.zh, spec.en, ...(spec.aliases ?? [])]) index.set(normalizeHeader(name), spec);
  }
  return index;
}

export function columnLabel(spec: ColumnSpec<string>): { zh: string; en: string } {
  return { zh: spec.zh, en: `${spec.en} (${spec.zh})` };
}

/** How many of a row's cells name a known column. */
function knownHeaders<K extends string>(row: TableRow, index: Map<string, ColumnSpec<K>>): number {
  return new Set(row.cells.map((cell) => index.get(normalizeHeader(cell))?.key).filter(Boolean)).size;
}

/**
 * Finds the header (the first of the first ten rows naming at least two known
 * columns, so a title row above it is skipped; else the first row), maps the
 * columns and turns every later row into a record.
 */
export function mapTable<K extends string>(rows: readonly TableRow[], specs: readonly ColumnSpec<K>[]): MappedTable<K> {
  const index = aliasIndex(specs);
  const problems: ImportProblem[] = [];
  const headerAt = Math.max(
    0,
    rows.slice(0, HEADER_ALLOWANCE).findIndex((row) => knownHeaders(row, index) >= 2),
  );
  const headerRow = rows[headerAt];
  const columns = new Map<K, MappedColumn>();
  if (!headerRow) return { columns, records: [], problems };

  headerRow.cells.forEach((cell, i) => {
    const header = cleanCell(cell);
    if (!header) return;
    const spec = index.get(normalizeHeader(header));
    if (!spec) {
      problems.push(problem('UNKNOWN_COLUMN', { row: headerRow.row, column: header }));
      return;
    }
    if (columns.has(spec.key)) {
      problems.push(problem('DUPLICATE_COLUMN', { row: headerRow.row, column: header, field: spec.key }));
      return;
    }
    columns.set(spec.key, { index: i, header });
  });
  for (const spec of specs) {
    if (spec.required && !columns.has(spec.key)) {
      problems.push(problem('MISSING_COLUMN', { row: 0, column: spec.zh, field: spec.key }, { column: columnLabel(spec) }));
    }
  }

  const records = rows.slice(headerAt + 1).map((row): ImportRecord<K> => {
    const values = {} as Record<K, string>;
    const lossy = new Set<K>();
    const garbled = new Set<K>();
    for (const spec of specs) {
      const column = columns.get(spec.key);
      const value = column ? cleanCell(row.cells[column.index]) : '';
      values[spec.key] = value;
      if (column && row.lossy.has(column.index)) lossy.add(spec.key);
      if (UNSTORABLE.test(value)) garbled.add(spec.key);
    }
    return { row: row.row, values, lossy, garbled };
  });
  return { columns, records, problems };
}

/** Checked here, on every row, so the dry run reports what the apply would fail on (a NUL anywhere, not only in the first 4 KiB). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what PostgreSQL text cannot store
const UNSTORABLE = /[\uFFFD\u0000]|\p{Cs}/u;

/** The header to name in a problem about a column: the file's own, else the documented one. */
export function headerOf<K extends string>(columns: Map<K, MappedColumn>, spec: ColumnSpec<K>): string {
  return columns.get(spec.key)?.header ?? spec.zh;
}

/** Text length in characters as people count them (code points, so 𠮷 is one). */
export function textLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** A lookup key for names and codes: NFKC, no whitespace, case-insensitive. */
export function lookupKey(value: string): string {
  return value.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}

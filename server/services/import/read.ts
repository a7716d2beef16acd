import { CsvError, parse } from 'csv-parse/sync';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { problem, type ImportProblem } from './problems.js';

/**
 * Turns an uploaded file into rows of text cells: CSV in UTF-8 (with or without
 * a BOM) or GBK as Excel writes it on Chinese Windows, or an .xlsx workbook
 * (its first non-empty sheet). Nothing here knows about students or staff.
 */

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

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const OLE2_MAGIC = [0xd0, 0xcf, 0x11, 0xe0];
const UTF8_BOM = [0xef, 0xbb, 0xbf];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((byte, i) => bytes[i] === byte);
}

/** Scientific notation as Excel writes large numbers into CSV (e.g. `4.20111E+17`): the digits are gone. */
const SCIENTIFIC = /^[+-]?\d+(?:\.\d+)?E\+?\d+$/i;

export function detectText(bytes: Uint8Array): { text: string; format: ImportFormat; encoding: TextEncoding } {
  if (startsWith(bytes, UTF8_BOM)) {
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), format: 'CSV_UTF8', encoding: 'UTF-8 BOM' };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), format: 'CSV_UTF8', encoding: 'UTF-8' };
  } catch {
    // GB18030 is a superset of GBK (CP936, what Excel writes on Chinese Windows) and decodes it identically.
    return { text: iconv.decode(bytes, 'gb18030'), format: 'CSV_GBK', encoding: 'GBK' };
  }
}

/** Rows above the data a table may have: title rows and the header (the header is looked for in the first 10 rows). */
export const HEADER_ALLOWANCE = 10;

/** `maxDataRows`: a workbook is read no further than this many rows below its header. */
export async function readTable(bytes: Uint8Array, maxDataRows = Number.POSITIVE_INFINITY): Promise<ReadResult> {
  if (bytes.length === 0) return { ok: false, format: null, encoding: null, problems: [problem('FILE_EMPTY', { row: 0 })] };
  if (startsWith(bytes, ZIP_MAGIC)) return readXlsx(bytes, maxDataRows + HEADER_ALLOWANCE);
  const unsupported = (detail: { zh: string; en: string }): ReadResult => ({
    ok: false,
    format: null,
    encoding: null,
    problems: [problem('UNSUPPORTED_FORMAT', { row: 0 }, { detail })],
  });
  if (startsWith(bytes, OLE2_MAGIC)) {
    return unsupported({ zh: '（Excel 97-2003 .xls：请在 Excel 中另存为 .xlsx）', en: ' (Excel 97-2003 .xls: save it as .xlsx in Excel)' });
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return unsupported({ zh: '（UTF-16“Unicode 文本”：请另存为“CSV UTF-8”）', en: ' (UTF-16 "Unicode text": save it as "CSV UTF-8")' });
  }
  if (bytes.subarray(0, 4096).includes(0)) return unsupported({ zh: '', en: '' });
  return readCsv(bytes);
}

function readCsv(bytes: Uint8Array): ReadResult {
  const { text, format, encoding } = detectText(bytes);
  let records: string[][];
  try {
    records = parse(text, {
      delimiter: guessDelimiter(text),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = (error as CsvError & { lines?: number }).lines;
    return {
      ok: false,
      format,
      encoding,
      problems: [
        problem(
          'UNREADABLE_FILE',
          { row: 0 },
          {
            detail: {
              zh: `CSV 格式错误（第 ${line ?? '?'} 行附近，可能有未闭合的引号）。`,
              en: `malformed CSV near line ${line ?? '?'} (an unclosed quote?).`,
            },
          },
        ),
      ],
    };
  }
  const rows: TableRow[] = [];
  records.forEach((cells, index) => {
    if (!cells.some((cell) => cell.trim() !== '')) return;
    const lossy = new Set<number>();
    cells.forEach((cell, i) => {
      if (SCIENTIFIC.test(cell.trim())) lossy.add(i);
    });
    rows.push({ row: index + 1, cells, lossy });
  });
  return { ok: true, table: { format, encoding, rows } };
}

/** Comma unless the first line clearly uses tabs or semicolons (Excel's other CSV flavours). */
function guessDelimiter(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const count = (char: string) => firstLine.split(char).length - 1;
  const [best] = [',', '\t', ';'].map((char) => ({ char, n: count(char) })).sort((a, b) => b.n - a.n);
  return best && best.n > 0 ? best.char : ',';
}

/**
 * Streamed, row by row: a sheet is read only up to `maxRows` non-empty rows, so a workbook of a
 * million rows costs no more than one at the limit (the full workbook model would hold them all).
 */
async function readXlsx(bytes: Uint8Array, maxRows: number): Promise<ReadResult> {
  const unreadable: ReadResult = {
    ok: false,
    format: 'XLSX',
    encoding: null,
    problems: [problem('UNREADABLE_FILE', { row: 0 }, { detail: { zh: '不是有效的 Excel .xlsx 文件。', en: 'not a valid Excel .xlsx workbook.' } })],
  };
  const input = Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]);
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  const rows: TableRow[] = [];
  let sheets = 0;
  try {
    for await (const sheet of workbook) {
      sheets += 1;
      for await (const row of sheet) {
        const tableRow = xlsxRow(row.values as ExcelJS.CellValue[], row.number);
        if (!tableRow) continue;
        rows.push(tableRow);
        if (rows.length > maxRows) return tooManyRows(maxRows);
      }
      // The first sheet with data is the table.
      if (rows.length > 0) break;
    }
  } catch {
    return unreadable;
  }
  if (sheets === 0) return unreadable;
  return { ok: true, table: { format: 'XLSX', encoding: null, rows } };
}

function xlsxRow(values: ExcelJS.CellValue[], rowNumber: number): TableRow | null {
  const cells: string[] = [];
  const lossy = new Set<number>();
  for (let column = 1; column < values.length; column++) {
    const { text, lossy: lost } = cellText(values[column]);
    cells[column - 1] = text;
    if (lost) lossy.add(column - 1);
  }
  for (let i = 0; i < cells.length; i++) cells[i] ??= '';
  return cells.some((cell) => cell.trim() !== '') ? { row: rowNumber, cells, lossy } : null;
}

function tooManyRows(maxRows: number): ReadResult {
  return { ok: false, format: 'XLSX', encoding: null, problems: [problem('TOO_MANY_ROWS', { row: 0 }, { maxRows: maxRows - HEADER_ALLOWANCE })] };
}

/**
 * A cell's value as text. Whole numbers print without `.0` (a 学号 typed into a
 * General cell is a number); numbers of 16 or more digits are flagged, because
 * Excel kept only 15 significant digits of them.
 */
export function cellText(value: ExcelJS.CellValue): { text: string; lossy: boolean } {
  if (value === null || value === undefined) return { text: '', lossy: false };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { text: String(value), lossy: false };
    if (Number.isInteger(value)) return { text: BigInt(value).toString(), lossy: Math.abs(value) >= 1e15 };
    return { text: String(value), lossy: false };
  }
  if (typeof value === 'string') return { text: value, lossy: false };
  if (typeof value === 'boolean') return { text: value ? 'TRUE' : 'FALSE', lossy: false };
  if (value instanceof Date) return { text: value.toISOString().slice(0, 10), lossy: false };
  if ('richText' in value) return { text: value.richText.map((run) => run.text).join(''), lossy: false };
  if ('error' in value) return { text: String(value.error), lossy: false };
  if ('hyperlink' in value) {
    const text = value.text as unknown;
    return cellText(typeof text === 'string' || (typeof text === 'object' && text !== null) ? (text as ExcelJS.CellValue) : '');
  }
  if ('result' in value) return cellText((value.result ?? null) as ExcelJS.CellValue);
  if ('formula' in value || 'sharedFormula' in value) return { text: '', lossy: false };
  return { text: String(value), lossy: false };
}

import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { problem } from './problems.js';
import { readCsv } from './read-csv.js';
import { HEADER_ALLOWANCE, tooManyRows, type ReadResult, type TableRow } from './table.js';

/**
 * Turns an uploaded file into rows of text cells: CSV in UTF-8 (with or without
 * a BOM) or GBK as Excel writes it on Chinese Windows, or an .xlsx workbook
 * (its first non-empty sheet). Both are read as they stream. Nothing here knows
 * about students or staff.
 */

export { HEADER_ALLOWANCE, IMPORT_FORMATS, type ImportFormat, type ReadResult, type Table, type TableRow, type TextEncoding } from './table.js';

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const OLE2_MAGIC = [0xd0, 0xcf, 0x11, 0xe0];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((byte, i) => bytes[i] === byte);
}

/** `maxDataRows`: a file is read no further than this many rows below its header. */
export async function readTable(source: Blob | Uint8Array, maxDataRows = Number.POSITIVE_INFINITY): Promise<ReadResult> {
  const file = source instanceof Uint8Array ? new Blob([source as Uint8Array<ArrayBuffer>]) : source;
  if (file.size === 0) return { ok: false, format: null, encoding: null, problems: [problem('FILE_EMPTY', { row: 0 })] };
  const head = new Uint8Array(await file.slice(0, 4096).arrayBuffer());
  const maxRows = maxDataRows + HEADER_ALLOWANCE;
  if (startsWith(head, ZIP_MAGIC)) return readXlsx(file, maxRows);
  const unsupported = (detail: { zh: string; en: string }): ReadResult => ({
    ok: false,
    format: null,
    encoding: null,
    problems: [problem('UNSUPPORTED_FORMAT', { row: 0 }, { detail })],
  });
  if (startsWith(head, OLE2_MAGIC)) {
    return unsupported({ zh: '（Excel 97-2003 .xls：请在 Excel 中另存为 .xlsx）', en: ' (Excel 97-2003 .xls: save it as .xlsx in Excel)' });
  }
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    return unsupported({ zh: '（UTF-16“Unicode 文本”：请另存为“CSV UTF-8”）', en: ' (UTF-16 "Unicode text": save it as "CSV UTF-8")' });
  }
  if (head.includes(0)) return unsupported({ zh: '', en: '' });
  return readCsv(file, head, maxRows);
}

/**
 * Streamed, row by row: a sheet is read only up to `maxRows` non-empty rows, so a workbook of a
 * million rows costs no more than one at the limit (the full workbook model would hold them all).
 */
async function readXlsx(file: Blob, maxRows: number): Promise<ReadResult> {
  const unreadable: ReadResult = {
    ok: false,
    format: 'XLSX',
    encoding: null,
    problems: [problem('UNREADABLE_FILE', { row: 0 }, { detail: { zh: '不是有效的 Excel .xlsx 文件。', en: 'not a valid Excel .xlsx workbook.' } })],
  };
  const input = Readable.fromWeb(file.stream() as Parameters<typeof Readable.fromWeb>[0]);
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
        if (rows.length > maxRows) return tooManyRows('XLSX', null, maxRows);
      }
      // The first sheet with data is the table.
      if (rows.length > 0) break;
    }
  } catch {
    return unreadable;
  } finally {
    input.destroy();
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

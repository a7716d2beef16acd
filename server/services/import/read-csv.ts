import { CsvError, parse } from 'csv-parse';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { problem } from './problems.js';
import { tooManyRows, type ReadResult, type TableRow, type TextEncoding } from './table.js';

/**
 * CSV read as it streams: the file's bytes are decoded and parsed chunk by chunk, and only the
 * rows are kept (an upload is spooled to disk, so a 200,000-row file never sits in memory whole).
 * Reading stops once the table holds more than `maxRows` rows.
 */

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** Scientific notation as Excel writes large numbers into CSV (e.g. `4.20111E+17`): the digits are gone. */
const SCIENTIFIC = /^[+-]?\d+(?:\.\d+)?E\+?\d+$/i;

/** The file is not UTF-8: read it again as GBK. */
class NotUtf8 extends Error {}

interface TextDecoding {
  encoding: TextEncoding;
  write(chunk: Uint8Array): string;
  end(): string;
}

function decoding(encoding: TextEncoding): TextDecoding {
  if (encoding === 'GBK') {
    // GB18030 is a superset of GBK (CP936, what Excel writes on Chinese Windows) and decodes it identically.
    const decoder = iconv.getDecoder('gb18030');
    return { encoding, write: (chunk) => decoder.write(Buffer.from(chunk)), end: () => decoder.end() ?? '' };
  }
  // A leading BOM is consumed by the decoder; without one, any invalid sequence means GBK.
  const decoder = new TextDecoder('utf-8', { fatal: encoding === 'UTF-8' });
  const decode = (chunk?: Uint8Array) => {
    try {
      return decoder.decode(chunk, { stream: chunk !== undefined });
    } catch {
      throw new NotUtf8();
    }
  };
  return { encoding, write: decode, end: () => decode() };
}

async function* decodedText(file: Blob, text: TextDecoding): AsyncGenerator<string> {
  for await (const chunk of file.stream() as unknown as AsyncIterable<Uint8Array>) {
    const decoded = text.write(chunk);
    if (decoded) yield decoded;
  }
  const rest = text.end();
  if (rest) yield rest;
}

async function isUtf8(file: Blob): Promise<boolean> {
  try {
    for await (const _ of decodedText(file, decoding('UTF-8')));
    return true;
  } catch (error) {
    if (error instanceof NotUtf8) return false;
    throw error;
  }
}

export async function readCsv(file: Blob, head: Uint8Array, maxRows: number): Promise<ReadResult> {
  const delimiter = guessDelimiter(head);
  if (UTF8_BOM.every((byte, i) => head[i] === byte)) return parseRows(file, decoding('UTF-8 BOM'), delimiter, maxRows);
  const utf8 = await parseRows(file, decoding('UTF-8'), delimiter, maxRows).catch((error: unknown) => {
    if (error instanceof NotUtf8) return null;
    throw error;
  });
  return utf8 ?? parseRows(file, decoding('GBK'), delimiter, maxRows);
}

async function parseRows(file: Blob, text: TextDecoding, delimiter: string, maxRows: number): Promise<ReadResult> {
  const format = text.encoding === 'GBK' ? 'CSV_GBK' : 'CSV_UTF8';
  const { encoding } = text;
  const source = Readable.from(decodedText(file, text));
  const parser = parse({ delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: false });
  source.on('error', (error) => parser.destroy(error));
  const rows: TableRow[] = [];
  let record = 0;
  try {
    for await (const cells of source.pipe(parser) as AsyncIterable<string[]>) {
      record += 1;
      if (!cells.some((cell) => cell.trim() !== '')) continue;
      const lossy = new Set<number>();
      cells.forEach((cell, i) => {
        if (SCIENTIFIC.test(cell.trim())) lossy.add(i);
      });
      rows.push({ row: record, cells, lossy });
      if (rows.length > maxRows) return tooManyRows(format, encoding, maxRows);
    }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // The whole file decides the encoding, as it would have before a parse error stopped the reading.
    if (encoding === 'UTF-8' && !(await isUtf8(file))) throw new NotUtf8();
    return unreadable(format, encoding, (error as CsvError & { lines?: number }).lines);
  } finally {
    source.destroy();
  }
  return { ok: true, table: { format, encoding, rows } };
}

function unreadable(format: 'CSV_UTF8' | 'CSV_GBK', encoding: TextEncoding, line: number | undefined): ReadResult {
  const detail = {
    zh: `CSV 格式错误（第 ${line ?? '?'} 行附近，可能有未闭合的引号）。`,
    en: `malformed CSV near line ${line ?? '?'} (an unclosed quote?).`,
  };
  return { ok: false, format, encoding, problems: [problem('UNREADABLE_FILE', { row: 0 }, { detail })] };
}

/**
 * Comma unless the first line clearly uses tabs or semicolons (Excel's other CSV flavours).
 * Counted on the bytes: the three are ASCII, the same in UTF-8 and GBK.
 */
function guessDelimiter(head: Uint8Array): string {
  const newline = head.indexOf(0x0a);
  const firstLine = head.subarray(0, newline === -1 ? head.length : newline);
  const count = (char: string) => firstLine.filter((byte) => byte === char.charCodeAt(0)).length;
  const [best] = [',', '\t', ';'].map((char) => ({ char, n: count(char) })).sort((a, b) => b.n - a.n);
  return best && best.n > 0 ? best.char : ',';
}

/** Files the CLI reads and writes: the stored token, CSV lists (UTF-8 or GBK), downloads. */
import { chmodSync, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { LixiaoError } from '../errors.js';
import type { SummaryDownload } from '../exports.js';
import type { ItemRefInput, SyncResultInput, SyncResultStatus } from '../generated/graphql.js';
import { DataError } from './errors.js';
import type { Messages } from './messages.js';

export interface StoredToken {
  url: string;
  username?: string;
  accessToken: string;
  accessTokenExpiresAt?: string;
  refreshToken?: string;
  refreshTokenExpiresAt?: string;
}

export function tokenFile(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'lixiao', 'token.json');
}

export function readStoredToken(env: NodeJS.ProcessEnv): StoredToken | null {
  const file = tokenFile(env);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StoredToken;
  } catch {
    return null;
  }
}

export function writeStoredToken(env: NodeJS.ProcessEnv, token: StoredToken) {
  const file = tokenFile(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(token, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Text of a CSV file: UTF-8 (a BOM is dropped), else GBK as Excel saves it on Chinese Windows. */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('gbk').decode(bytes);
  }
}

/** RFC 4180 CSV: quoted cells, doubled quotes, CRLF or LF; blank lines skipped. Each row keeps its line number. */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const endRow = () => {
    cells.push(cell);
    if (cells.some((value) => value.trim() !== '')) rows.push({ line: rowLine, cells: cells.map((value) => value.trim()) });
    cells = [];
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line++;
        cell += char;
      }
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      cells.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else cell += char;
  }
  if (cell !== '' || cells.length > 0) endRow();
  return rows;
}

export function itemRefs(text: string, t: Messages): ItemRefInput[] {
  const rows = parseCsv(text);
  if (rows.length === 0) throw new DataError(t.emptyFile);
  let idColumn = 0;
  let versionColumn = 1;
  const header = rows[0]!.cells.map((cell) => cell.toLowerCase());
  if (!/^\d+$/.test(rows[0]!.cells[1] ?? '')) {
    idColumn = header.findIndex((cell) => cell === 'id' || cell === 'itemid');
    versionColumn = header.findIndex((cell) => cell === 'version' || cell === 'expectedversion');
    if (idColumn < 0 || versionColumn < 0) throw new DataError(t.badRow(rows[0]!.line, t.rows.idVersionColumns));
    rows.shift();
  }
  return rows.map(({ line, cells }) => {
    const id = cells[idColumn] ?? '';
    const version = Number(cells[versionColumn]);
    if (!id || !Number.isInteger(version)) throw new DataError(t.badRow(line, t.rows.idVersion));
    return { id, expectedVersion: version };
  });
}

const SYNC_COLUMNS: Record<string, keyof SyncResultInput> = {
  studentnumber: 'studentNumber',
  学号: 'studentNumber',
  status: 'status',
  结果: 'status',
  observedat: 'observedAt',
  时间: 'observedAt',
  reason: 'reason',
  原因: 'reason',
  externalref: 'externalRef',
  itemcode: 'itemCode',
};

export function syncResults(text: string, t: Messages): SyncResultInput[] {
  const rows = parseCsv(text);
  if (rows.length < 2) throw new DataError(t.emptyFile);
  const columns = rows[0]!.cells.map((cell) => SYNC_COLUMNS[cell.replace(/[\s_]/g, '').toLowerCase()] ?? SYNC_COLUMNS[cell]);
  for (const required of ['studentNumber', 'status', 'observedAt'] as const) {
    if (!columns.includes(required)) throw new DataError(t.badRow(rows[0]!.line, t.rows.missingColumn(required)));
  }
  return rows.slice(1).map(({ line, cells }) => {
    const result: Record<string, string> = {};
    columns.forEach((field, index) => {
      if (field && cells[index]) result[field] = cells[index]!;
    });
    const status = result.status?.toUpperCase();
    if (status !== 'APPROVED' && status !== 'REJECTED') throw new DataError(t.badRow(line, t.rows.status(result.status ?? '')));
    const observed = new Date(result.observedAt ?? '');
    if (Number.isNaN(observed.getTime())) throw new DataError(t.badRow(line, t.rows.dateTime(result.observedAt ?? '')));
    return {
      studentNumber: result.studentNumber ?? '',
      status: status as SyncResultStatus,
      observedAt: observed.toISOString(),
      ...(result.reason ? { reason: result.reason } : {}),
      ...(result.externalRef ? { externalRef: result.externalRef } : {}),
      ...(result.itemCode ? { itemCode: result.itemCode } : {}),
    };
  });
}

/**
 * Streams a download to a file (through `<file>.part`, renamed when complete, so a broken
 * download never looks like a finished one) or to stdout; returns the byte count.
 */
export async function saveDownload(download: SummaryDownload, target: { file: string } | { stream: NodeJS.WritableStream }, t: Messages): Promise<number> {
  let bytes = 0;
  const counted = async function* (source: AsyncIterable<Uint8Array>) {
    for await (const chunk of source) {
      bytes += chunk.length;
      yield chunk;
    }
  };
  const source = Readable.fromWeb(download.body as NodeReadableStream<Uint8Array>);
  const partial = 'file' in target ? `${target.file}.part` : null;
  try {
    if (partial) {
      await pipeline(source, counted, createWriteStream(partial));
      renameSync(partial, (target as { file: string }).file);
    } else {
      await pipeline(source, counted, (target as { stream: NodeJS.WritableStream }).stream, { end: false });
    }
  } catch (error) {
    if (partial) rmSync(partial, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    // A local file problem is the user's; a stream that stops midway is the network's or the server's.
    if (code && /^E[A-Z]+$/.test(code) && code !== 'ECONNRESET' && code !== 'EPIPE') throw new DataError(`${partial ?? 'stdout'}: ${code}`);
    throw new LixiaoError('NETWORK_ERROR', t.downloadBroken((error as Error)?.message ?? String(error)), { cause: error });
  }
  return bytes;
}

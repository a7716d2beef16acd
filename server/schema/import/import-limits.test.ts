import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_IMPORT_ROWS } from '../../services/import/index.js';
import { STUDENT_HEADER_ZH, studentRows, utf8Csv, type Cell } from '../../testing/import-files.js';
import { BACKENDS } from '../../testing/databases.js';
import { openDemoServer } from '../../testing/demo.js';
import type { TestServer } from '../../testing/server.js';

const MUTATION = `mutation ($file: File!, $dryRun: Boolean) {
  importStudents(file: $file, dryRun: $dryRun) {
    __typename
    ... on MutationImportStudentsSuccess { data { dryRun applied totalRows validRows errorCount problems { row code severity } } }
    ... on Error { code message }
  }
}`;

async function importStudents(server: TestServer, token: string, bytes: Uint8Array, name: string, dryRun: boolean) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: MUTATION, variables: { file: null, dryRun } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([bytes as Uint8Array<ArrayBuffer>]), name);
  const response = await fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-graphql-yoga-csrf': '1' }, body: form });
  const body = await response.json();
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data.importStudents.data as {
    dryRun: boolean;
    applied: boolean;
    totalRows: number;
    validRows: number;
    errorCount: number;
    problems: { row: number; code: string }[];
  };
}

/**
 * A workbook of `count` rows stored without compression, whose last row is
 * then broken (not XML any more), far enough below the limit to lie in another chunk of the
 * sheet: only a reader that stops at the row limit never sees it.
 */
async function oversizedWorkbookWithBrokenTail(count: number): Promise<Uint8Array> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: false, useSharedStrings: false, zip: { store: true } });
  const sheet = workbook.addWorksheet('毕业生');
  sheet.addRow([...STUDENT_HEADER_ZH]).commit();
  // One short numeric cell a row keeps the stored file under the upload limit; the rows only need counting.
  for (let row = 1; row < count; row++) sheet.addRow([row]).commit();
  sheet.addRow(['TAIL-MARKER-TAIL-MARKER']).commit();
  sheet.commit();
  await workbook.commit();
  const bytes = Buffer.concat(chunks);
  const marker = bytes.indexOf('TAIL-MARKER-TAIL-MARKER');
  expect(marker).toBeGreaterThan(0);
  bytes.write('<<<</</</</<</</</<<<<<', marker, 'latin1');
  fixStoredEntryChecksum(bytes, 'xl/worksheets/sheet1.xml');
  return new Uint8Array(bytes);
}

/** Rewrites a stored (uncompressed) zip entry's CRC-32 after its bytes were edited, so the archive itself stays valid. */
function fixStoredEntryChecksum(zip: Buffer, name: string) {
  const central = zip.indexOf(Buffer.concat([Buffer.from([0x50, 0x4b, 0x01, 0x02])]), zip.lastIndexOf(Buffer.from(name)) - 46);
  expect(zip.toString('latin1', central + 46, central + 46 + name.length)).toBe(name);
  const size = zip.readUInt32LE(central + 20);
  const local = zip.readUInt32LE(central + 42);
  const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const crc = crc32(zip.subarray(dataStart, dataStart + size));
  zip.writeUInt32LE(crc, central + 16);
  // Streamed archives put the CRC in a data descriptor after the data (general purpose flag bit 3).
  if (zip.readUInt16LE(local + 6) & 0x08) {
    const descriptor = zip.readUInt32LE(dataStart + size) === 0x08074b50 ? dataStart + size + 4 : dataStart + size;
    zip.writeUInt32LE(crc, descriptor);
  } else {
    zip.writeUInt32LE(crc, local + 14);
  }
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe.each(BACKENDS)('imports: bounded, and the dry run tells the truth (%s)', (backend) => {
  let server: TestServer;
  let admin: string;
  beforeAll(async () => {
    const opened = await openDemoServer({ backend });
    server = opened.server;
    admin = await opened.api.staff('admin');
  });
  afterAll(() => server?.close());

  it('a NUL after byte 4096 is an error of its row in the dry run, and the apply refuses the same file without failing', async () => {
    const rows: Cell[][] = studentRows(80, 'N');
    rows[70]![1] = '王\u0000芳';
    const bytes = utf8Csv([[...STUDENT_HEADER_ZH], ...rows]);
    expect(new TextEncoder().encode('\u0000').length).toBe(1);
    expect(Buffer.from(bytes).indexOf(0)).toBeGreaterThan(4096);

    const dryRun = await importStudents(server, admin, bytes, 'nul.csv', true);
    expect(dryRun.errorCount).toBeGreaterThan(0);
    expect(dryRun.problems.filter((p) => p.code === 'INVALID_CHARACTERS').map((p) => p.row)).toEqual([72]);
    const students = await server.db.prisma.student.count();
    const apply = await importStudents(server, admin, bytes, 'nul.csv', false);
    expect(apply).toMatchObject({ applied: false, errorCount: dryRun.errorCount, validRows: dryRun.validRows });
    expect(await server.db.prisma.student.count()).toBe(students);
  });

  it(`reads a ${MAX_IMPORT_ROWS.toLocaleString('en')}-row CSV as it arrives, and keeps no spooled file after answering`, async () => {
    const spooled = async () => (await readdir(tmpdir())).filter((name) => name.startsWith('lixiao-upload-')).length;
    const before = await spooled();
    const bytes = utf8Csv([[...STUDENT_HEADER_ZH], ...studentRows(MAX_IMPORT_ROWS, '5020')]);
    const report = await importStudents(server, admin, bytes, 'all-graduates.csv', true);
    expect(report).toMatchObject({ dryRun: true, applied: false, totalRows: MAX_IMPORT_ROWS, validRows: MAX_IMPORT_ROWS, errorCount: 0 });
    expect(await spooled()).toBe(before);
  }, 300_000);

  it('stops reading a CSV at the row limit: a broken quote below it is never parsed', async () => {
    const rows: Cell[][] = Array.from({ length: MAX_IMPORT_ROWS + 100 }, (_, i) => [String(i + 1)]);
    const text = new TextDecoder().decode(utf8Csv([[...STUDENT_HEADER_ZH], ...rows]));
    const report = await importStudents(server, admin, new TextEncoder().encode(`${text}"unclosed,quote\n`), 'too-many.csv', true);
    expect(report.problems.map((p) => p.code)).toEqual(['TOO_MANY_ROWS']);
  });

  it(`stops reading an XLSX sheet at the row limit (${MAX_IMPORT_ROWS.toLocaleString('en')} rows) instead of parsing it whole`, async () => {
    const bytes = await oversizedWorkbookWithBrokenTail(MAX_IMPORT_ROWS + 10_000);
    const report = await importStudents(server, admin, bytes, 'too-many.xlsx', true);
    expect(report.problems.map((p) => p.code)).toEqual(['TOO_MANY_ROWS']);
  }, 120_000);
});

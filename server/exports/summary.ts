import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import ExcelJS from 'exceljs';
import { adminScopeOf, collegeCondition, collegeOfRequest } from '../auth/policy/admin-scope.js';
import { authenticate, bearerToken } from '../auth/viewer.js';
import type { Services } from '../services/runtime.js';
import { Prisma } from '../generated/prisma/client.js';
import type { LocalizedText, StudentCategory } from '../domain/index.js';
import { formatMessage, inLocale, pickLocale, type ErrorCode, type ErrorParams } from '../i18n/index.js';

/**
 * The summary list (汇总统计名单): every graduate of a cohort in the viewer's scope,
 * cleared or not, with their outstanding items, by college. Streamed page by page
 * (CSV with a BOM so Excel reads the Chinese, or XLSX), so 10,000+ rows never sit
 * in memory. GET /exports/summary.csv?cohort=2020[&college=CODE] with a Bearer token.
 */

export const EXPORT_PATH = /^\/exports\/summary\.(csv|xlsx)(\?.*)?$/;
const PAGE = 1000;

const HEADER = ['学号', '姓名', '培养单位', '类别', '校区', '离校状态', '离校时间', '未完成事项'];
const CATEGORY: Record<StudentCategory, string> = { UNDERGRADUATE: '本科生', POSTGRADUATE_DUAL: '双证研究生', POSTGRADUATE_SINGLE: '单证研究生' };

interface SummaryRow {
  number: string;
  name: string;
  college: string;
  collegeCode: string;
  category: StudentCategory;
  campus: string;
  clearedAt: Date | null;
  outstanding: string;
}

export async function handleSummaryExport(req: IncomingMessage, res: ServerResponse, services: Services): Promise<void> {
  const locale = pickLocale(req.headers['accept-language']);
  const fail = (status: number, code: ErrorCode, params: ErrorParams = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ errors: [{ message: formatMessage(code, locale, params), extensions: { code } }] }));
  };
  const [, format] = EXPORT_PATH.exec(req.url ?? '')!;
  const query = new URL(req.url ?? '', 'http://localhost').searchParams;
  const { viewer, failure } = await authenticate(services, bearerToken(req.headers.authorization));
  if (!viewer) return fail(401, failure ?? 'UNAUTHENTICATED');
  const scope = adminScopeOf(viewer);
  if (!scope) return fail(403, 'FORBIDDEN');

  const params = exportParams(query);
  if ('invalid' in params) return fail(400, 'INVALID_INPUT', { detail: inLocale(params.invalid, locale) });
  const { year, collegeCode } = params;
  const { prisma } = services.db;
  const cohort = await prisma.cohort.findUnique({ where: { year } });
  if (!cohort) return fail(404, 'NOT_FOUND');
  const college = collegeCode ? await prisma.college.findUnique({ where: { code: collegeCode } }) : null;
  if (collegeCode && !college) return fail(404, 'NOT_FOUND');
  const collegeId = collegeOfRequest(scope, college?.id ?? null);
  if (collegeId === false) return fail(403, 'FORBIDDEN');

  const filename = `汇总统计名单-${year}${collegeCode ? `-${collegeCode}` : ''}.${format}`;
  res.writeHead(200, {
    'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'content-disposition': `attachment; filename="summary-${year}.${format}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
    'cache-control': 'no-store',
  });
  // A failure once the download has started can only cut it short: the caller (app.ts) logs it and ends the connection.
  const pages = summaryPages(prisma, cohort.id, collegeId);
  if (format === 'csv') await writeCsv(res, pages);
  else await writeXlsx(res, pages);
}

/** Cohort years are stored as 32-bit integers; college codes are short identifiers. */
const YEAR = /^[0-9]{4}$/;
const COLLEGE_CODE = /^[A-Za-z0-9_-]{1,64}$/;

/** Checked before any query, so a value the database cannot take never reaches it. */
function exportParams(query: URLSearchParams): { year: number; collegeCode: string | null } | { invalid: LocalizedText } {
  const year = query.get('cohort') ?? '';
  if (!YEAR.test(year)) return { invalid: { zh: 'cohort 须为四位年份，如 2020', en: 'cohort must be a four-digit year such as 2020' } };
  const collegeCode = query.get('college') || null;
  if (collegeCode !== null && !COLLEGE_CODE.test(collegeCode)) {
    return {
      invalid: { zh: 'college 须为培养单位代码（字母、数字、_ 或 -，至多 64 个）', en: 'college must be a college code (letters, digits, _ or -, at most 64)' },
    };
  }
  return { year: Number(year), collegeCode };
}

async function* summaryPages(prisma: Services['db']['prisma'], cohortId: string, collegeId: string | null): AsyncGenerator<SummaryRow[]> {
  let after: { code: string; number: string } | null = null;
  for (;;) {
    const rows: SummaryRow[] = await prisma.$queryRaw<SummaryRow[]>`
      SELECT s.number, s.name, c."nameZh" AS college, c.code AS "collegeCode", s.category::text AS category, cp."nameZh" AS campus, s."clearedAt",
             COALESCE(string_agg(t."nameZh", '、' ORDER BY t.sequence) FILTER (WHERE i.status IN ('PENDING', 'REJECTED', 'LOCKED')), '') AS outstanding
      FROM "Student" s
      JOIN "College" c ON c.id = s."collegeId"
      JOIN "Campus" cp ON cp.id = s."campusId"
      LEFT JOIN "ClearanceItem" i ON i."studentId" = s.id AND i."cohortId" = s."cohortId"
      LEFT JOIN "ItemTemplate" t ON t.id = i."templateId"
      WHERE s."cohortId" = ${cohortId}::uuid
        AND ${collegeCondition(collegeId, Prisma.sql`s."collegeId"`)}
        ${after ? Prisma.sql`AND (c.code, s.number) > (${after.code}, ${after.number})` : Prisma.empty}
      GROUP BY s.id, c.id, cp.id
      ORDER BY c.code, s.number
      LIMIT ${PAGE}`;
    if (rows.length === 0) return;
    yield rows;
    const last = rows.at(-1)!;
    after = { code: last.collegeCode, number: last.number };
    if (rows.length < PAGE) return;
  }
}

function cells(row: SummaryRow): string[] {
  return [
    row.number,
    row.name,
    row.college,
    CATEGORY[row.category],
    row.campus,
    row.clearedAt ? '已离校' : '未离校',
    row.clearedAt ? row.clearedAt.toISOString() : '',
    row.outstanding,
  ];
}

/** RFC 4180 quoting; a leading = + - @ gets an apostrophe so Excel never runs it as a formula. */
function csvLine(values: string[]): string {
  const field = (raw: string) => {
    const value = /^[=+\-@]/.test(raw) ? `'${raw}` : raw;
    return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
  };
  return `${values.map(field).join(',')}\r\n`;
}

async function write(res: ServerResponse, chunk: string) {
  if (!res.write(chunk)) await once(res, 'drain');
}

async function writeCsv(res: ServerResponse, pages: AsyncGenerator<SummaryRow[]>) {
  await write(res, `\uFEFF${csvLine(HEADER)}`);
  for await (const rows of pages) await write(res, rows.map((row) => csvLine(cells(row))).join(''));
  res.end();
}

async function writeXlsx(res: ServerResponse, pages: AsyncGenerator<SummaryRow[]>) {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: res, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet('汇总统计名单');
  sheet.addRow(HEADER).commit();
  for await (const rows of pages) {
    for (const row of rows) sheet.addRow(cells(row)).commit();
  }
  sheet.commit();
  await workbook.commit();
}

import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/server.js';

/** Adds `count` graduates to cohort 2020 in one statement, each with a pending LIBRARY item. */
async function addGraduates(server: TestServer, count: number) {
  await server.db.sql.query(
    `WITH cohort AS (SELECT id FROM "Cohort" WHERE year = 2020),
          colleges AS (SELECT id, row_number() OVER (ORDER BY code) - 1 AS n, count(*) OVER () AS total FROM "College"),
          campus AS (SELECT id FROM "Campus" ORDER BY code LIMIT 1),
          made AS (
            INSERT INTO "Student" (id, number, name, category, "cohortId", "collegeId", "campusId", "updatedAt")
            SELECT gen_random_uuid(), 'B' || lpad(g::text, 6, '0'), '批量' || g, 'UNDERGRADUATE', (SELECT id FROM cohort),
                   (SELECT id FROM colleges WHERE n = g % total), (SELECT id FROM campus), now()
            FROM generate_series(1, $1) g, (SELECT count(*) AS total FROM "College") t
            RETURNING id, "cohortId")
     INSERT INTO "ClearanceItem" (id, "studentId", "templateId", "cohortId", status, "updatedAt")
     SELECT gen_random_uuid(), made.id, (SELECT id FROM "ItemTemplate" WHERE code = 'LIBRARY' AND "cohortId" = made."cohortId"), made."cohortId", 'PENDING', now()
     FROM made`,
    [count],
  );
}

describe('summary export (汇总统计名单)', () => {
  let server: TestServer;
  let admin: string;
  let graduates: number;
  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    await addGraduates(server, 10_000);
    admin = await server.login('admin', 'Lixiao@2020');
    const cohort = await server.db.prisma.cohort.findUniqueOrThrow({ where: { year: 2020 } });
    graduates = await server.db.prisma.student.count({ where: { cohortId: cohort.id } });
  });
  afterAll(async () => {
    await server?.close();
  });

  const download = (path: string, token?: string) => fetch(`${server.origin}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('streams every graduate as CSV with a BOM, Chinese headers and outstanding items', async () => {
    const started = performance.now();
    const response = await download('/exports/summary.csv?cohort=2020', admin);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toContain(encodeURIComponent('汇总统计名单-2020.csv'));
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder()
      .decode(bytes)
      .replace(/^\uFEFF/, '')
      .split('\r\n')
      .filter(Boolean);
    console.log(`CSV of ${graduates} graduates: ${bytes.length} bytes in ${Math.round(performance.now() - started)} ms`);
    expect(lines[0]).toBe('学号,姓名,培养单位,类别,校区,离校状态,离校时间,未完成事项');
    expect(lines).toHaveLength(graduates + 1);
    expect(graduates).toBeGreaterThanOrEqual(10_000);
    const batch = lines.find((line) => line.startsWith('B000001,'))!;
    expect(batch.split(',')).toEqual(['B000001', '批量1', expect.any(String), '本科生', expect.any(String), '未离校', '', '图书馆']);
    const numbers = lines.slice(1).map((line) => line.split(',')[0]);
    expect(new Set(numbers).size).toBe(graduates);
  });

  it('streams the same list as a valid XLSX workbook', async () => {
    const response = await download('/exports/summary.xlsx?cohort=2020', admin);
    expect(response.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await response.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('汇总统计名单')!;
    expect(sheet.rowCount).toBe(graduates + 1);
    expect(sheet.getRow(1).values).toEqual([undefined, '学号', '姓名', '培养单位', '类别', '校区', '离校状态', '离校时间', '未完成事项']);
  });

  it('gives a college admin their own college only, and nothing to anyone else', async () => {
    const collegeAdmin = await server.login('xgz-computer-science', 'Lixiao@2020');
    const own = await download('/exports/summary.csv?cohort=2020', collegeAdmin);
    const rows = (await own.text()).split('\r\n').filter(Boolean).slice(1);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.split(',')[2] === '计算机学院')).toBe(true);
    expect((await download('/exports/summary.csv?cohort=2020&college=EARTH_SCIENCES', collegeAdmin)).status).toBe(403);
    const reviewer = await server.login('library', 'Lixiao@2020');
    expect((await download('/exports/summary.csv?cohort=2020', reviewer)).status).toBe(403);
    const anonymous = await download('/exports/summary.csv?cohort=2020');
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await download('/exports/summary.csv?cohort=1999', admin)).status).toBe(404);
  });
});

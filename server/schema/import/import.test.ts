import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSheet } from '../../domain/index.js';
import { loadCohortTemplates, toDomainTemplate } from '../../services/rules.js';
import {
  gbkCsv,
  nationalId,
  serialEndingInX,
  STUDENT_HEADER_EN,
  STUDENT_HEADER_ZH,
  studentRows,
  utf8BomCsv,
  utf8Csv,
  xlsx,
  type Cell,
} from '../../testing/import-files.js';
import { BACKENDS } from '../../testing/databases.js';
import { graphql } from '../../testing/generated/index.js';
import { failure, success } from '../../testing/request.js';
import { startTestServer, type TestServer } from '../../testing/server.js';

const LOGIN = graphql(`
  mutation ImportLogin($u: String!, $p: String!) {
    login(username: $u, password: $p) { __typename ... on MutationLoginSuccess { data { accessToken mustChangePassword } } ... on Error { code } }
  }
`);

const REPORT = `dryRun applied format encoding totalRows validRows created updated unchanged itemsCreated errorCount warningCount problemsTruncated
  problems { row column field code severity message }`;

const MUTATION = (name: 'importStudents' | 'importStaff') => `mutation ($file: File!, $dryRun: Boolean) {
  ${name}(file: $file, dryRun: $dryRun) {
    __typename
    ... on ${name === 'importStudents' ? 'MutationImportStudentsSuccess' : 'MutationImportStaffSuccess'} { data { ${REPORT} } }
    ... on Error { code message }
  }
}`;

interface Problem {
  row: number;
  column: string | null;
  field: string | null;
  code: string;
  severity: 'ERROR' | 'WARNING';
  message: string;
}

interface Report {
  dryRun: boolean;
  applied: boolean;
  format: string | null;
  encoding: string | null;
  totalRows: number;
  validRows: number;
  created: number;
  updated: number;
  unchanged: number;
  itemsCreated: number;
  errorCount: number;
  warningCount: number;
  problemsTruncated: boolean;
  problems: Problem[];
}

let server: TestServer;
let adminToken: string;

/** A GraphQL multipart request (operations, map, file part), built by hand as the spec describes. */
async function upload(
  mutation: 'importStudents' | 'importStaff',
  bytes: Uint8Array,
  options: { name?: string; dryRun?: boolean | null; token?: string; headers?: Record<string, string> } = {},
) {
  const form = new FormData();
  const variables: Record<string, unknown> = { file: null };
  if (options.dryRun !== undefined) variables.dryRun = options.dryRun;
  form.append('operations', JSON.stringify({ query: MUTATION(mutation), variables }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([bytes as Uint8Array<ArrayBuffer>]), options.name ?? 'students.csv');
  const response = await fetch(server.url, {
    method: 'POST',
    // Multipart is a "simple" request a browser may send cross-site: yoga's CSRF prevention asks for this header.
    headers: { authorization: `Bearer ${options.token ?? adminToken}`, 'x-graphql-yoga-csrf': '1', ...options.headers },
    body: form,
  });
  return (await response.json()) as { data?: Record<string, any>; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function importFile(mutation: 'importStudents' | 'importStaff', bytes: Uint8Array, options: Parameters<typeof upload>[2] = {}): Promise<Report> {
  const body = await upload(mutation, bytes, options);
  const result = body.data?.[mutation];
  if (!result?.data) throw new Error(`${mutation} failed: ${JSON.stringify(body)}`);
  return result.data as Report;
}

const counts = async () => ({
  students: await server.db.prisma.student.count(),
  credentials: await server.db.prisma.credential.count(),
  items: await server.db.prisma.clearanceItem.count(),
  events: await server.db.prisma.clearanceEvent.count(),
  reviewers: await server.db.prisma.reviewer.count(),
  audits: await server.db.prisma.adminAction.count(),
});

const HEADER = [...STUDENT_HEADER_ZH] as Cell[];
const byCode = (report: Report, code: string) => report.problems.filter((p) => p.code === code);

async function loginSession(username: string, password: string) {
  const result = await server.gql(LOGIN, { u: username, p: password });
  return result.data?.login;
}

/** How many items the rules give these rows' students (the expectation, computed independently of the import). */
async function expectedItems(numbers: string[]) {
  const cohort = await server.db.prisma.cohort.findUniqueOrThrow({ where: { year: 2020 } });
  const templates = (await loadCohortTemplates(server.db.prisma, cohort.id)).rows.map(toDomainTemplate);
  const students = await server.db.prisma.student.findMany({
    where: { number: { in: numbers } },
    include: { college: true, campus: true },
  });
  return students.reduce(
    (total, s) =>
      total +
      planSheet({ category: s.category, collegeCode: s.college.code, campusCode: s.campus.code, dormitory: s.dormitory, deferred: false }, templates).length,
    0,
  );
}

describe.each(BACKENDS)('imports on %s', (backend) => {
  beforeAll(async () => {
    server = await startTestServer({ backend, demo: true });
    adminToken = await server.login('admin', 'Lixiao@2020');
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('importStaff', () => {
    const STAFF_HEADER: Cell[] = ['工号', '姓名', '角色', '部门', '培养单位', '校区', '初始密码'];

    it('creates and updates staff from a GBK CSV; new accounts must change their password', async () => {
      const file = gbkCsv([
        STAFF_HEADER,
        ['t9001', '钱老师', '导师', '', '地学院', '', 'Init@9001'],
        ['lib2', '图书馆二号', '部门审核员', '图书馆', '', '', 'Init@lib2'],
        ['dorm2', '南望山宿管', '退宿审核员、培养单位管理员', 'DORM_OFFICE', '计算机学院', '南望山', 'Init@dorm2'],
        ['library', '图书馆审核员（新）', 'DEPARTMENT_REVIEWER', '', '', '', 'ignored'],
      ]);
      const before = await counts();
      const dry = await importFile('importStaff', file, { name: 'staff.csv' });
      expect(dry).toMatchObject({ dryRun: true, applied: false, format: 'CSV_GBK', totalRows: 4, validRows: 4, created: 3, updated: 1, errorCount: 0 });
      expect(await counts()).toEqual(before);

      const applied = await importFile('importStaff', file, { dryRun: false });
      expect(applied).toMatchObject({ applied: true, created: 3, updated: 1, itemsCreated: 0, errorCount: 0 });
      expect(applied.problems.map((p) => [p.row, p.column, p.code])).toEqual([[5, '初始密码', 'PASSWORD_IGNORED']]);
      const after = await counts();
      expect(after.reviewers - before.reviewers).toBe(3);
      expect(after.credentials - before.credentials).toBe(3);

      const staff = await server.db.prisma.reviewer.findMany({
        where: { username: { in: ['t9001', 'lib2', 'dorm2', 'library'] } },
        include: { department: true, college: true, campus: true, credential: true },
        orderBy: { username: 'asc' },
      });
      expect(
        staff.map((r) => [
          r.username,
          r.name,
          [...r.roles].sort(),
          r.department?.code ?? null,
          r.college?.code ?? null,
          r.campus?.code ?? null,
          r.credential?.mustChangePassword,
        ]),
      ).toEqual([
        ['dorm2', '南望山宿管', ['CAMPUS_REVIEWER', 'COLLEGE_ADMIN'], 'DORM_OFFICE', 'COMPUTER_SCIENCE', 'NANWANGSHAN', true],
        ['lib2', '图书馆二号', ['DEPARTMENT_REVIEWER'], 'LIBRARY', null, null, true],
        ['library', '图书馆审核员（新）', ['DEPARTMENT_REVIEWER'], 'LIBRARY', null, null, false],
        ['t9001', '钱老师', ['SUPERVISOR'], null, 'EARTH_SCIENCES', null, true],
      ]);
      // The existing account kept its password.
      expect((await loginSession('library', 'Lixiao@2020'))?.__typename).toBe('MutationLoginSuccess');
      const session = await loginSession('t9001', 'Init@9001');
      expect(success(session).mustChangePassword).toBe(true);
      expect(failure(await loginSession('t9001', 'Wrong@9001')).code).toBe('INVALID_CREDENTIALS');

      // The new supervisor can be named in a student file right away.
      const students = await importFile(
        'importStudents',
        utf8Csv([HEADER, ['2020970001', '孙研', nationalId(1001), '单证研究生', '地学院', '南望山校区', 't9001', '', '', '']]),
        { dryRun: false },
      );
      expect(students).toMatchObject({ applied: true, created: 1, errorCount: 0 });
      const student = await server.db.prisma.student.findUniqueOrThrow({ where: { number: '2020970001' }, include: { firstSupervisor: true } });
      expect(student.firstSupervisor?.username).toBe('t9001');
    });

    it('reports bad staff rows and writes nothing', async () => {
      const studentNumber = (await server.db.prisma.student.findFirstOrThrow({ orderBy: { number: 'asc' } })).number;
      const file = utf8Csv([
        STAFF_HEADER,
        ['ok1', '好人', '导师', '', '', '', 'Init@ok1'], // row 2: valid
        ['bad1', '角色错', '门卫', '', '', '', 'Init@bad1'], // row 3
        ['bad2', '对接', 'INTEGRATION', '图书馆', '', '', 'Init@bad2'], // row 4
        ['bad3', '缺部门', '部门审核员', '', '', '', 'Init@bad3'], // row 5
        [studentNumber, '撞学号', '导师', '', '', '', 'Init@bad4'], // row 6
        ['ok1', '重复', '导师', '', '', '', 'Init@ok1'], // row 7
        ['bad5', '密码短', '导师', '', '', '', '123'], // row 8
        ['bad6', '无密码', '导师', '', '', '', ''], // row 9
        ['library-sync', '对接账号', '部门审核员', '图书馆', '', '', ''], // row 10
        ['bad 7', '空格', '导师', '不存在的部门', '', '', 'Init@bad7'], // row 11
      ]);
      const before = await counts();
      for (const dryRun of [true, false]) {
        const report = await importFile('importStaff', file, { dryRun });
        expect(report).toMatchObject({ applied: false, totalRows: 10, validRows: 1 });
        expect(report.problems.filter((p) => p.severity === 'ERROR').map((p) => [p.row, p.column, p.code])).toEqual([
          [3, '角色', 'UNKNOWN_ROLE'],
          [4, '角色', 'ROLE_NOT_IMPORTABLE'],
          [5, '部门', 'SCOPE_REQUIRED'],
          [6, '工号', 'USERNAME_TAKEN_BY_STUDENT'],
          [7, '工号', 'DUPLICATE_IN_FILE'],
          [8, '初始密码', 'INVALID_PASSWORD'],
          [9, '初始密码', 'REQUIRED'],
          [10, '工号', 'ACCOUNT_NOT_IMPORTABLE'],
          [11, '工号', 'INVALID_USERNAME'],
          [11, '部门', 'UNKNOWN_DEPARTMENT'],
        ]);
        expect(report.problems.find((p) => p.code === 'SCOPE_REQUIRED')!.message).toBe('角色“DEPARTMENT_REVIEWER”须填写“部门”。');
        // Passwords are never echoed back.
        expect(JSON.stringify(report)).not.toContain('Init@');
      }
      expect(await counts()).toEqual(before);
    });
  });

  describe('importStudents', () => {
    it('imports a GBK CSV as Excel exports it: dry run writes nothing, apply creates students, logins and items', async () => {
      const xSerial = serialEndingInX(500);
      const rows: Cell[][] = [
        HEADER,
        ['2020910001', ' 王伟 ', nationalId(501), '本科生', '计算机学院', '南望山校区', '', '', '在校住宿', '2020届'],
        ['2020910002', '欧阳娜娜', nationalId(xSerial).toLowerCase(), '双证研究生', '地学院', 'FUTURE_CITY', 't0011', 't0012', '未住校已退宿', ''],
        ['2020910003', '李静\u3000', nationalId(503), '单证', 'ARTS_COMMUNICATION', '未来城', 't0001', '', 'OFF_CAMPUS_NOT_CHECKED_OUT', ''],
      ];
      const file = gbkCsv(rows);
      const before = await counts();

      const dry = await importFile('importStudents', file, { name: '毕业生.csv' });
      expect(dry).toMatchObject({
        dryRun: true,
        applied: false,
        format: 'CSV_GBK',
        encoding: 'GBK',
        totalRows: 3,
        validRows: 3,
        created: 3,
        updated: 0,
        errorCount: 0,
      });
      expect(dry.itemsCreated).toBeGreaterThan(0);
      expect(await counts()).toEqual(before);

      const applied = await importFile('importStudents', file, { dryRun: false });
      expect(applied).toMatchObject({ dryRun: false, applied: true, format: 'CSV_GBK', created: 3, updated: 0, errorCount: 0, itemsCreated: dry.itemsCreated });
      const numbers = ['2020910001', '2020910002', '2020910003'];
      expect(applied.itemsCreated).toBe(await expectedItems(numbers));
      const after = await counts();
      expect(after.students - before.students).toBe(3);
      expect(after.credentials - before.credentials).toBe(3);
      expect(after.items - before.items).toBe(applied.itemsCreated);
      expect(after.events - before.events).toBe(applied.itemsCreated);
      expect(after.audits - before.audits).toBe(1);

      const students = await server.db.prisma.student.findMany({
        where: { number: { in: numbers } },
        include: { college: true, campus: true, cohort: true, firstSupervisor: true, secondSupervisor: true, credential: true },
        orderBy: { number: 'asc' },
      });
      expect(
        students.map((s) => [
          s.number,
          s.name,
          s.category,
          s.college.code,
          s.campus.code,
          s.dormitory,
          s.cohort.year,
          s.firstSupervisor?.username ?? null,
          s.secondSupervisor?.username ?? null,
        ]),
      ).toEqual([
        ['2020910001', '王伟', 'UNDERGRADUATE', 'COMPUTER_SCIENCE', 'NANWANGSHAN', 'ON_CAMPUS', 2020, null, null],
        ['2020910002', '欧阳娜娜', 'POSTGRADUATE_DUAL', 'EARTH_SCIENCES', 'FUTURE_CITY', 'OFF_CAMPUS_CHECKED_OUT', 2020, 't0011', 't0012'],
        ['2020910003', '李静', 'POSTGRADUATE_SINGLE', 'ARTS_COMMUNICATION', 'FUTURE_CITY', 'OFF_CAMPUS_NOT_CHECKED_OUT', 2020, 't0001', null],
      ]);
      // The ID number is never stored: only a keyed hash of its last 6 characters.
      for (const s of students) expect(s.credential!.passwordHash).toMatch(/^hmac-sha256\$/);
      const audit = await server.db.prisma.adminAction.findFirstOrThrow({ where: { kind: 'IMPORT_STUDENTS' }, orderBy: { createdAt: 'desc' } });
      expect(JSON.stringify(audit.payload)).not.toContain(nationalId(501));

      // The student logs in with the last 6 characters of the ID number (a lowercase x counts as X) and must change it.
      const session = await loginSession('2020910002', nationalId(xSerial).slice(-6));
      expect(session?.__typename).toBe('MutationLoginSuccess');
      expect(success(session).mustChangePassword).toBe(true);
      expect(nationalId(xSerial).slice(-6)).toMatch(/X$/);

      // Importing the same file again changes nothing.
      const again = await importFile('importStudents', file, { dryRun: false });
      expect(again).toMatchObject({ applied: true, created: 0, updated: 0, unchanged: 3, itemsCreated: 0 });
      expect((await counts()).items).toBe(after.items);
    });

    it('updates an existing student without touching their login or items, with a warning', async () => {
      const number = '2020910001';
      const student = await server.db.prisma.student.findUniqueOrThrow({ where: { number }, include: { credential: true, items: { orderBy: { id: 'asc' } } } });
      const file = utf8Csv([HEADER, [number, '王伟伟', '', '本科', '计算机学院', '未来城校区', '', '', '未住校已退宿', '2021']]);
      const dry = await importFile('importStudents', file);
      expect(dry).toMatchObject({ applied: false, created: 0, updated: 1, errorCount: 0 });
      const applied = await importFile('importStudents', file, { dryRun: false });
      expect(applied).toMatchObject({ applied: true, created: 0, updated: 1, itemsCreated: 0 });
      expect(applied.problems.map((p) => [p.row, p.code, p.severity])).toEqual([
        [2, 'COHORT_NOT_CHANGED', 'WARNING'],
        [2, 'RULES_NOT_RECOMPUTED', 'WARNING'],
      ]);
      expect(byCode(applied, 'RULES_NOT_RECOMPUTED')[0]!.message).toContain('校区、住宿情况');
      const after = await server.db.prisma.student.findUniqueOrThrow({
        where: { number },
        include: { credential: true, items: { orderBy: { id: 'asc' } }, campus: true, cohort: true },
      });
      expect([after.name, after.campus.code, after.dormitory, after.cohort.year]).toEqual(['王伟伟', 'FUTURE_CITY', 'OFF_CAMPUS_CHECKED_OUT', 2020]);
      expect(after.credential).toEqual(student.credential);
      // The items keep every decision field; only the review queue's copies of the student's facts follow the move.
      const decisionFields = (items: typeof student.items) =>
        items.map(({ studentCampusId: _campus, studentCollegeId: _college, studentCategory: _category, reviewScopeId: _scope, ...rest }) => rest);
      expect(decisionFields(after.items)).toEqual(decisionFields(student.items));
      expect(after.items.every((item) => item.studentCampusId === after.campusId)).toBe(true);
      expect(after.updatedAt.getTime()).toBeGreaterThan(student.updatedAt.getTime());
      expect(Math.abs(after.updatedAt.getTime() - Date.now())).toBeLessThan(60_000);
    });

    it('reads UTF-8 with a BOM and English headers', async () => {
      const file = utf8BomCsv([
        [...STUDENT_HEADER_EN],
        ['2020920001', 'Zhang San', nationalId(601), 'UNDERGRADUATE', 'School of Computer Science', 'NANWANGSHAN', '', '', 'ON_CAMPUS', '2020'],
        ['2020920002', '张三丰', nationalId(602), 'POSTGRADUATE_SINGLE', 'GEMMOLOGY', 'Future City Campus', 't0017', '', '', ''],
      ]);
      const report = await importFile('importStudents', file, { dryRun: false });
      expect(report).toMatchObject({ applied: true, format: 'CSV_UTF8', encoding: 'UTF-8 BOM', totalRows: 2, created: 2, errorCount: 0 });
      expect(report.itemsCreated).toBe(await expectedItems(['2020920001', '2020920002']));
      const session = await loginSession('2020920001', nationalId(601).slice(-6));
      expect(success(session).mustChangePassword).toBe(true);
    });

    it('reads XLSX with numeric student numbers (no ".0") and refuses ID numbers Excel stored as numbers', async () => {
      const good = await xlsx([
        HEADER,
        [2020930001, '赵敏', nationalId(701), '本科生', '外语学院', '南望山校区', null, null, '在校住宿', 2020],
        [2020930002, '周芳', nationalId(702), '双证研究生', '珠宝学院', '南望山校区', 't0017', null, null, null],
      ]);
      const report = await importFile('importStudents', good, { dryRun: false, name: 'students.xlsx' });
      expect(report).toMatchObject({ applied: true, format: 'XLSX', encoding: null, created: 2, errorCount: 0 });
      const created = await server.db.prisma.student.findMany({ where: { number: { startsWith: '202093' } }, orderBy: { number: 'asc' } });
      expect(created.map((s) => s.number)).toEqual(['2020930001', '2020930002']);

      const lossy = await xlsx([HEADER, [2020930003, '吴静', Number(`${nationalId(703).slice(0, 17)}1`), '本科生', '外语学院', '南望山校区']]);
      const refused = await importFile('importStudents', lossy, { dryRun: false });
      expect(refused).toMatchObject({ applied: false, created: 0 });
      expect(refused.problems.map((p) => [p.row, p.column, p.code])).toEqual([[2, '身份证号', 'NUMBER_PRECISION_LOST']]);
      expect(await server.db.prisma.student.count({ where: { number: '2020930003' } })).toBe(0);
    });

    it('reports every bad row with row and column, and writes nothing on dry run or apply', async () => {
      const rows: Cell[][] = [
        HEADER,
        ['2020940001', '好学生', nationalId(801), '本科生', '计算机学院', '南望山校区', '', '', '', ''], // row 2: valid
        ['', '没学号', nationalId(802), '本科生', '计算机学院', '南望山校区', '', '', '', ''], // row 3
        ['2020940003', '', nationalId(803), '博士生', '不存在学院', '东校区', '', '', '住家里', '1999'], // row 4
        ['2020940001', '重复', nationalId(804), '本科生', '地学院', '南望山校区', '', '', '', ''], // row 5
        ['2020940005', '证号错', '12345', '本科生', '地学院', '南望山校区', '', '', '', ''], // row 6
        ['2020940006', '名'.repeat(51), nationalId(806), '本科生', '地学院', '南望山校区', '', '', '', ''], // row 7
        ['2020940007', '导师错', nationalId(807), '双证研究生', '地学院', '南望山校区', 'nobody', 'library', '', ''], // row 8
        ['2020-94', '学号错', nationalId(808), '单证研究生', '地学院', '南望山校区', '', 't0001', '', ''], // row 9
        ['admin', '撞名', nationalId(809), '本科生', '地学院', '南望山校区', 't0001', '', '', ''], // row 10
      ];
      const file = gbkCsv(rows);
      const before = await counts();
      for (const dryRun of [true, false]) {
        const report = await importFile('importStudents', file, { dryRun });
        expect(report).toMatchObject({ dryRun, applied: false, totalRows: 9, validRows: 1 });
        if (!dryRun) expect(report).toMatchObject({ created: 0, updated: 0, itemsCreated: 0 });
        const errors = report.problems.filter((p) => p.severity === 'ERROR').map((p) => [p.row, p.column, p.code]);
        expect(errors).toEqual([
          [3, '学号', 'REQUIRED'],
          [4, '姓名', 'REQUIRED'],
          [4, '类别', 'UNKNOWN_CATEGORY'],
          [4, '培养单位', 'UNKNOWN_COLLEGE'],
          [4, '校区', 'UNKNOWN_CAMPUS'],
          [4, '住宿', 'UNKNOWN_DORMITORY'],
          [4, '届', 'UNKNOWN_COHORT'],
          [5, '学号', 'DUPLICATE_IN_FILE'],
          [6, '身份证号', 'INVALID_NATIONAL_ID'],
          [7, '姓名', 'TEXT_TOO_LONG'],
          [8, '导师', 'UNKNOWN_SUPERVISOR'],
          [8, '第二导师', 'UNKNOWN_SUPERVISOR'],
          [9, '学号', 'INVALID_STUDENT_NUMBER'],
          [9, '第二导师', 'SECOND_SUPERVISOR_WITHOUT_FIRST'],
          [10, '学号', 'NUMBER_TAKEN_BY_STAFF'],
        ]);
        expect(report.errorCount).toBe(errors.length);
        expect(byCode(report, 'DUPLICATE_IN_FILE')[0]!.message).toBe('“学号”的值“2020940001”与第 2 行重复。');
        expect(byCode(report, 'SUPERVISOR_IGNORED').map((p) => p.row)).toEqual([10]);
        for (const p of report.problems) expect(p.message).not.toMatch(/\{\w+\}/);
      }
      expect(await counts()).toEqual(before);
      expect(await server.db.prisma.student.count({ where: { number: { startsWith: '202094' } } })).toBe(0);
    });

    it('reports a missing column once, at row 0', async () => {
      const file = utf8Csv([
        ['学号', '姓名', '类别', '培养单位', '校区', '备注'],
        ['2020950001', '甲', '本科生', '地学院', '南望山校区', ''],
        ['2020950002', '乙', '本科生', '地学院', '南望山校区', ''],
      ]);
      const report = await importFile('importStudents', file, { dryRun: false });
      expect(report).toMatchObject({ applied: false, totalRows: 2, validRows: 0, created: 0 });
      expect(report.problems.map((p) => [p.row, p.column, p.code, p.severity])).toEqual([
        [0, '身份证号', 'MISSING_COLUMN', 'ERROR'],
        [1, '备注', 'UNKNOWN_COLUMN', 'WARNING'],
      ]);
    });

    it('answers in English with Accept-Language: en', async () => {
      const file = utf8Csv([HEADER, ['2020960001', '甲', nationalId(901), 'PhD', '地学院', '南望山校区', '', '', '', '']]);
      const report = await importFile('importStudents', file, { headers: { 'accept-language': 'en-US,en;q=0.9' } });
      expect(report.problems.map((p) => p.message)).toEqual([
        'Unknown category "PhD": use UNDERGRADUATE (本科生), POSTGRADUATE_DUAL (双证研究生) or POSTGRADUATE_SINGLE (单证研究生).',
      ]);
      const zh = await importFile('importStudents', file);
      expect(zh.problems[0]!.message).toBe('无法识别的类别“PhD”：应为 本科生、双证研究生 或 单证研究生。');
    });

    it('rejects unreadable files with a file-level problem', async () => {
      const report = await importFile('importStudents', new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), { name: 'old.xls' });
      expect(report).toMatchObject({ applied: false, format: null, totalRows: 0 });
      expect(report.problems.map((p) => [p.row, p.code])).toEqual([[0, 'UNSUPPORTED_FORMAT']]);
    });

    it('is for university admins only', async () => {
      const token = await server.login('library', 'Lixiao@2020');
      for (const mutation of ['importStudents', 'importStaff'] as const) {
        const body = await upload(mutation, utf8Csv([HEADER]), { token, dryRun: true });
        const code = body.data?.[mutation]?.code ?? body.errors?.[0]?.extensions?.code;
        expect(code).toBe('FORBIDDEN');
      }
    });

    it('applies a 10,000-row file in one transaction', { timeout: 240_000 }, async () => {
      const rows = studentRows(10_000, '3020');
      const file = utf8BomCsv([HEADER, ...rows]);
      const before = await counts();
      const started = performance.now();
      const report = await importFile('importStudents', file, { dryRun: false, name: 'big.csv' });
      const seconds = (performance.now() - started) / 1000;
      console.log(`10,000-row student import applied in ${seconds.toFixed(1)} s (${report.itemsCreated} items)`);
      expect(report).toMatchObject({ applied: true, totalRows: 10_000, validRows: 10_000, created: 10_000, errorCount: 0 });
      const after = await counts();
      expect(after.students - before.students).toBe(10_000);
      expect(after.credentials - before.credentials).toBe(10_000);
      expect(await server.db.prisma.student.count({ where: { number: { startsWith: '3020' } } })).toBe(10_000);
      expect(after.items - before.items).toBe(report.itemsCreated);
      expect(await server.db.prisma.clearanceItem.count({ where: { student: { number: { startsWith: '3020' } } } })).toBe(report.itemsCreated);
      expect(report.itemsCreated).toBe(await expectedItems(rows.map((r) => String(r[0]))));
      // Typically 25–45 s on a busy 2-core machine (password hashing and the ~90,000 items dominate). The bound only
      // catches a return to per-cell inserts (createMany took 150 s and more here) without flaking under parallel suites.
      expect(seconds).toBeLessThan(120);
    });
  });
});

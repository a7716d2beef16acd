import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { cleanCell, mapTable, normalizeHeader } from './columns.js';
import { gbkCsv, nationalId, utf8BomCsv, utf8Csv, xlsx } from '../../testing/import-files.js';
import { formatProblem } from './problems.js';
import { cellText, readTable } from './read.js';
import { STUDENT_COLUMNS } from './students.js';
import { nationalIdChecksumValid, nationalIdFormatValid, parseCategory, parseCohortYear, parseDormitory, parseRole, splitList } from './values.js';

const rows = [
  ['学号', '姓名', '培养单位'],
  ['2016010001', '王伟', '计算机学院'],
  ['2016010002', '欧阳娜', '地学院'],
];

describe('readTable', () => {
  it('reads GBK CSV as Excel writes it', async () => {
    const bytes = gbkCsv(rows);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const result = await readTable(bytes);
    expect(result.ok && result.table.format).toBe('CSV_GBK');
    expect(result.ok && result.table.encoding).toBe('GBK');
    expect(result.ok && result.table.rows.map((r) => r.cells)).toEqual(rows);
  });

  it('reads UTF-8 with and without a BOM', async () => {
    const bom = await readTable(utf8BomCsv(rows));
    expect(bom.ok && [bom.table.format, bom.table.encoding]).toEqual(['CSV_UTF8', 'UTF-8 BOM']);
    expect(bom.ok && bom.table.rows[0]!.cells[0]).toBe('学号');
    const plain = await readTable(utf8Csv(rows));
    expect(plain.ok && [plain.table.format, plain.table.encoding]).toEqual(['CSV_UTF8', 'UTF-8']);
  });

  it('numbers rows as a spreadsheet does, skipping empty ones, and keeps quoted commas and newlines', async () => {
    const text = '学号,姓名\r\n1,"王,伟"\r\n,\r\n\r\n2,"多\r\n行"\r\n';
    const result = await readTable(new TextEncoder().encode(text));
    expect(result.ok && result.table.rows.map((r) => [r.row, r.cells])).toEqual([
      [1, ['学号', '姓名']],
      [2, ['1', '王,伟']],
      [5, ['2', '多\r\n行']],
    ]);
  });

  it('guesses tab and semicolon delimiters', async () => {
    const result = await readTable(new TextEncoder().encode('学号\t姓名\n1\t王伟\n'));
    expect(result.ok && result.table.rows[1]!.cells).toEqual(['1', '王伟']);
  });

  it('reads XLSX numbers without ".0" and flags digits Excel lost', async () => {
    const result = await readTable(
      await xlsx([
        ['学号', '身份证号', '届'],
        // biome-ignore lint/correctness/noPrecisionLoss: Excel stores an 18-digit ID number as a number and loses its last digits, which is what this refuses
        [2016010001, 420111199701010012, 2020],
      ]),
    );
    expect(result.ok && result.table.format).toBe('XLSX');
    expect(result.ok && result.table.encoding).toBeNull();
    const row = result.ok ? result.table.rows[1]! : null;
    expect(row?.cells).toEqual(['2016010001', expect.stringMatching(/^\d{18}$/), '2020']);
    expect([...(row?.lossy ?? [])]).toEqual([1]);
  });

  it('flags scientific notation in CSV (Excel wrote an ID number as a number)', async () => {
    const result = await readTable(utf8Csv([['身份证号'], ['4.20111E+17']]));
    expect(result.ok && [...result.table.rows[1]!.lossy]).toEqual([0]);
  });

  it('rejects empty, .xls, UTF-16 and broken files with one file-level problem', async () => {
    const codes = async (bytes: Uint8Array) => {
      const result = await readTable(bytes);
      return result.ok ? [] : result.problems.map((p) => [p.row, p.code]);
    };
    expect(await codes(new Uint8Array())).toEqual([[0, 'FILE_EMPTY']]);
    expect(await codes(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0, 0]))).toEqual([[0, 'UNSUPPORTED_FORMAT']]);
    expect(await codes(new Uint8Array(iconv.encode('\ufeff学号\t姓名', 'utf16le')))).toEqual([[0, 'UNSUPPORTED_FORMAT']]);
    expect(await codes(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]))).toEqual([[0, 'UNREADABLE_FILE']]);
    expect(await codes(new TextEncoder().encode('a,b\n"1,2\n'))).toEqual([[0, 'UNREADABLE_FILE']]);
  });

  it('converts rich text, formulas, dates and booleans', () => {
    expect(cellText({ richText: [{ text: '王' }, { text: '伟' }] })).toEqual({ text: '王伟', lossy: false });
    expect(cellText({ formula: 'A1', result: 2016010001 })).toEqual({ text: '2016010001', lossy: false });
    expect(cellText(new Date(Date.UTC(2020, 5, 30)))).toEqual({ text: '2020-06-30', lossy: false });
    expect(cellText(true).text).toBe('TRUE');
    expect(cellText(12.5).text).toBe('12.5');
  });
});

describe('columns', () => {
  it('trims ASCII, full-width and zero-width spaces', () => {
    expect(cleanCell('\u3000 王伟\u00a0\u200b\t')).toBe('王伟');
    expect(cleanCell('王 伟')).toBe('王 伟');
  });

  it('matches Chinese and English headers loosely', () => {
    expect(normalizeHeader(' 学号* ')).toBe('学号');
    expect(normalizeHeader('身份证号（必填）')).toBe('身份证号');
    expect(normalizeHeader('National_ID')).toBe('nationalid');
    const table = mapTable(
      [
        { row: 1, cells: ['2020届毕业生名单'], lossy: new Set() },
        { row: 2, cells: ['Number', '姓名', 'NATIONAL ID', '类别*', '学院', 'Campus', '备注'], lossy: new Set() },
        { row: 3, cells: [' 1 ', '王伟', 'x', '本科', '地学院', '南望山', 'n/a'], lossy: new Set() },
      ],
      STUDENT_COLUMNS,
    );
    expect([...table.columns.keys()]).toEqual(['number', 'name', 'nationalId', 'category', 'college', 'campus']);
    expect(table.records[0]!.values.number).toBe('1');
    expect(table.records[0]!.row).toBe(3);
    expect(table.problems.map((p) => [p.row, p.code, p.column])).toEqual([[2, 'UNKNOWN_COLUMN', '备注']]);
  });

  it('reports each missing required column once, at row 0', () => {
    const table = mapTable(
      [
        { row: 1, cells: ['学号', '姓名'], lossy: new Set() },
        { row: 2, cells: ['1', '王伟'], lossy: new Set() },
      ],
      STUDENT_COLUMNS,
    );
    expect(table.problems.map((p) => [p.row, p.code, p.field])).toEqual([
      [0, 'MISSING_COLUMN', 'nationalId'],
      [0, 'MISSING_COLUMN', 'category'],
      [0, 'MISSING_COLUMN', 'college'],
      [0, 'MISSING_COLUMN', 'campus'],
    ]);
    expect(formatProblem(table.problems[0]!, 'zh-CN')).toBe('缺少必需的列“身份证号”。');
    expect(formatProblem(table.problems[0]!, 'en')).toBe('The required column "nationalId (身份证号)" is missing.');
  });
});

describe('values', () => {
  it('national ID: 18 characters ending in a digit or X, or 15 digits; check character', () => {
    const id = nationalId(3);
    expect(nationalIdFormatValid(id)).toBe(true);
    expect(nationalIdChecksumValid(id)).toBe(true);
    expect(nationalIdFormatValid('42011119970101001x')).toBe(true);
    expect(nationalIdFormatValid('420111970101001')).toBe(true);
    expect(nationalIdFormatValid('4201111997010100')).toBe(false);
    expect(nationalIdFormatValid('42011119970101001Y')).toBe(false);
    const wrong = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
    expect(nationalIdChecksumValid(wrong)).toBe(false);
  });

  it('labels and enum names', () => {
    expect(['本科生', '本科', 'undergraduate', '双证', '单证研究生'].map(parseCategory)).toEqual([
      'UNDERGRADUATE',
      'UNDERGRADUATE',
      'UNDERGRADUATE',
      'POSTGRADUATE_DUAL',
      'POSTGRADUATE_SINGLE',
    ]);
    expect(parseCategory('博士')).toBeNull();
    expect(['在校住宿', '未住校已退宿', 'off_campus_not_checked_out'].map(parseDormitory)).toEqual([
      'ON_CAMPUS',
      'OFF_CAMPUS_CHECKED_OUT',
      'OFF_CAMPUS_NOT_CHECKED_OUT',
    ]);
    expect(splitList('部门审核员、 导师，COLLEGE_ADMIN').map(parseRole)).toEqual(['DEPARTMENT_REVIEWER', 'SUPERVISOR', 'COLLEGE_ADMIN']);
    expect(['2020', '2020届', '２０２１', '20'].map(parseCohortYear)).toEqual([2020, 2020, 2021, null]);
  });
});

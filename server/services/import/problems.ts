import type { LocalizedText } from '../../domain/index.js';
import { fillTemplate, inLocale, type Locale } from '../../i18n/index.js';

/**
 * Every problem an import can report, with its severity and both messages.
 * ERROR blocks the whole file (nothing is written); WARNING is informational.
 * `{name}` placeholders are filled from the problem's params.
 */
export const IMPORT_PROBLEM_CATALOGUE = {
  // The file as a whole (row 0).
  FILE_EMPTY: { severity: 'ERROR', zh: '文件为空。', en: 'The file is empty.' },
  FILE_TOO_LARGE: { severity: 'ERROR', zh: '文件过大：不能超过 {maxMegabytes} MB。', en: 'The file is too large: at most {maxMegabytes} MB.' },
  UNSUPPORTED_FORMAT: {
    severity: 'ERROR',
    zh: '无法识别的文件格式{detail}：请上传 CSV（UTF-8 或 GBK 编码）或 Excel .xlsx 文件。',
    en: 'Unrecognised file format{detail}: upload a CSV file (UTF-8 or GBK) or an Excel .xlsx workbook.',
  },
  UNREADABLE_FILE: { severity: 'ERROR', zh: '文件无法读取：{detail}', en: 'The file cannot be read: {detail}' },
  NO_DATA_ROWS: { severity: 'ERROR', zh: '文件中除表头外没有数据行。', en: 'The file has no data rows below the header.' },
  TOO_MANY_ROWS: { severity: 'ERROR', zh: '数据行过多：一次最多导入 {maxRows} 行。', en: 'Too many rows: at most {maxRows} per import.' },
  MISSING_COLUMN: { severity: 'ERROR', zh: '缺少必需的列“{column}”。', en: 'The required column "{column}" is missing.' },
  DUPLICATE_COLUMN: { severity: 'ERROR', zh: '列“{column}”出现了不止一次。', en: 'The column "{column}" appears more than once.' },
  UNKNOWN_COLUMN: { severity: 'WARNING', zh: '无法识别的列“{column}”，已忽略。', en: 'Unknown column "{column}": ignored.' },
  CONCURRENT_CHANGE: {
    severity: 'ERROR',
    zh: '校验之后，同一批账号被其他操作修改，本次未写入任何数据：请重新导入。',
    en: 'The same accounts were changed by another operation after validation; nothing was written: import again.',
  },

  // One cell or row.
  REQUIRED: { severity: 'ERROR', zh: '“{column}”不能为空。', en: '"{column}" must not be empty.' },
  INVALID_CHARACTERS: {
    severity: 'ERROR',
    zh: '“{column}”含有无法识别或无法保存的字符（如空字符 U+0000）：文件编码可能既不是 UTF-8 也不是 GBK。',
    en: '"{column}" contains unreadable or unstorable characters (such as NUL, U+0000): the file may be neither UTF-8 nor GBK.',
  },
  NUMBER_PRECISION_LOST: {
    severity: 'ERROR',
    zh: '“{column}”在 Excel 中被存成了数字，部分数字已丢失：请将该列设为“文本”格式后重新填写。',
    en: '"{column}" was stored as a number in Excel and lost digits: format the column as Text and enter the values again.',
  },
  TEXT_TOO_LONG: { severity: 'ERROR', zh: '“{column}”不能超过 {max} 个字符。', en: '"{column}" must be at most {max} characters.' },
  DUPLICATE_IN_FILE: { severity: 'ERROR', zh: '“{column}”的值“{value}”与第 {firstRow} 行重复。', en: '"{column}" value "{value}" repeats row {firstRow}.' },
  INVALID_STUDENT_NUMBER: {
    severity: 'ERROR',
    zh: '学号“{value}”格式不正确：只能包含字母和数字，最多 {max} 个字符。',
    en: 'Student number "{value}" is not valid: letters and digits only, at most {max} characters.',
  },
  INVALID_NATIONAL_ID: {
    severity: 'ERROR',
    zh: '身份证号格式不正确：应为 18 位（最后一位可以是 X）或 15 位数字。',
    en: 'The national ID number is not valid: 18 characters (the last may be X) or 15 digits.',
  },
  NATIONAL_ID_CHECKSUM: {
    severity: 'WARNING',
    zh: '身份证号的校验位不符，请核对：初始密码取其后 6 位。',
    en: "The national ID number's check character does not match: please verify it, the initial password is its last 6 characters.",
  },
  UNKNOWN_CATEGORY: {
    severity: 'ERROR',
    zh: '无法识别的类别“{value}”：应为 本科生、双证研究生 或 单证研究生。',
    en: 'Unknown category "{value}": use UNDERGRADUATE (本科生), POSTGRADUATE_DUAL (双证研究生) or POSTGRADUATE_SINGLE (单证研究生).',
  },
  UNKNOWN_COLLEGE: { severity: 'ERROR', zh: '找不到培养单位“{value}”（可填名称或代码）。', en: 'Unknown college "{value}" (use its name or code).' },
  UNKNOWN_CAMPUS: { severity: 'ERROR', zh: '找不到校区“{value}”（可填名称或代码）。', en: 'Unknown campus "{value}" (use its name or code).' },
  UNKNOWN_DEPARTMENT: { severity: 'ERROR', zh: '找不到部门“{value}”（可填名称或代码）。', en: 'Unknown department "{value}" (use its name or code).' },
  UNKNOWN_DORMITORY: {
    severity: 'ERROR',
    zh: '无法识别的住宿情况“{value}”：应为 在校住宿、未住校已退宿 或 未住校未退宿。',
    en: 'Unknown dormitory state "{value}": use ON_CAMPUS (在校住宿), OFF_CAMPUS_CHECKED_OUT (未住校已退宿) or OFF_CAMPUS_NOT_CHECKED_OUT (未住校未退宿).',
  },
  UNKNOWN_COHORT: { severity: 'ERROR', zh: '找不到“{value}”届。', en: 'There is no cohort "{value}".' },
  NO_COHORT: {
    severity: 'ERROR',
    zh: '尚未配置任何带离校事项的届别，无法确定学生所属届别：请先配置规则，或填写“届”列。',
    en: "No cohort has clearance items yet, so the students' cohort is unknown: configure the rules first or fill in the cohort column.",
  },
  COHORT_WITHOUT_TEMPLATES: {
    severity: 'WARNING',
    zh: '{value}届尚未配置离校事项：导入的学生暂时没有离校单。',
    en: 'Cohort {value} has no clearance items configured yet: the imported students get no sheet for now.',
  },
  UNKNOWN_SUPERVISOR: {
    severity: 'ERROR',
    zh: '找不到工号为“{value}”的导师（须为已有的、具有导师角色的教职工账号）。',
    en: 'No supervisor with username "{value}" (it must be an existing staff account with the SUPERVISOR role).',
  },
  SUPERVISOR_IGNORED: {
    severity: 'WARNING',
    zh: '本科生不设导师审核，已忽略“{value}”。',
    en: 'Undergraduates have no supervisor review: "{value}" was ignored.',
  },
  SECOND_SUPERVISOR_WITHOUT_FIRST: {
    severity: 'ERROR',
    zh: '填写了第二导师，但没有填写导师。',
    en: 'A second supervisor is given without a first supervisor.',
  },
  SAME_SUPERVISOR: { severity: 'ERROR', zh: '第二导师与导师不能是同一人。', en: 'The second supervisor must differ from the first.' },
  NO_SUPERVISOR: {
    severity: 'WARNING',
    zh: '研究生未填写导师：“导师毕业条件审核”在设置导师之前无人可以审核。',
    en: 'Postgraduate without a supervisor: nobody can review the supervisor item until one is set.',
  },
  NUMBER_TAKEN_BY_STAFF: {
    severity: 'ERROR',
    zh: '学号“{value}”已被教职工账号用作登录名。',
    en: 'Student number "{value}" is already a staff account\'s login name.',
  },
  COHORT_NOT_CHANGED: {
    severity: 'WARNING',
    zh: '该学生已属于{current}届，导入不会更改届别（转入其他届请使用延期毕业）。',
    en: 'The student already belongs to cohort {current}; an import does not move students between cohorts (use a deferral).',
  },
  RULES_NOT_RECOMPUTED: {
    severity: 'WARNING',
    zh: '已有学生的{fields}已更新，但其离校事项保持不变：按新信息重新计算事项是单独的操作。',
    en: "This existing student's {fields} changed, but their clearance items were left as they are: recomputing items by the rules is a separate operation.",
  },

  // Staff.
  INVALID_USERNAME: {
    severity: 'ERROR',
    zh: '工号“{value}”格式不正确：只能包含字母、数字和 . _ - @，最多 {max} 个字符。',
    en: 'Username "{value}" is not valid: letters, digits and . _ - @ only, at most {max} characters.',
  },
  USERNAME_TAKEN_BY_STUDENT: { severity: 'ERROR', zh: '工号“{value}”已是学生的学号。', en: 'Username "{value}" is already a student number.' },
  UNKNOWN_ROLE: {
    severity: 'ERROR',
    zh: '无法识别的角色“{value}”：可填 部门审核员、培养单位审核员、校区审核员、导师、培养单位管理员、校级管理员，或对应的英文名称。',
    en: 'Unknown role "{value}": use DEPARTMENT_REVIEWER, COLLEGE_REVIEWER, CAMPUS_REVIEWER, SUPERVISOR, COLLEGE_ADMIN or UNIVERSITY_ADMIN (or their Chinese labels).',
  },
  ROLE_NOT_IMPORTABLE: {
    severity: 'ERROR',
    zh: '角色“{value}”不能通过导入设置：数据对接账号使用 API 令牌。',
    en: 'The role "{value}" cannot be imported: department systems use API tokens.',
  },
  ACCOUNT_NOT_IMPORTABLE: {
    severity: 'ERROR',
    zh: '“{value}”是数据对接账号，不能通过导入修改。',
    en: '"{value}" is a department-system account and cannot be changed by an import.',
  },
  SCOPE_REQUIRED: { severity: 'ERROR', zh: '角色“{role}”须填写“{column}”。', en: 'The role {role} needs "{column}".' },
  INVALID_PASSWORD: {
    severity: 'ERROR',
    zh: '初始密码须为 {min}–{max} 个字符。',
    en: 'The initial password needs {min}–{max} characters.',
  },
  PASSWORD_IGNORED: {
    severity: 'WARNING',
    zh: '该账号已存在，其密码保持不变（已忽略初始密码）。',
    en: 'This account already exists; its password was left unchanged (the initial password was ignored).',
  },
} as const satisfies Record<string, LocalizedText & { severity: ImportSeverity }>;

export type ImportSeverity = 'ERROR' | 'WARNING';
export type ImportProblemCode = keyof typeof IMPORT_PROBLEM_CATALOGUE;
export const IMPORT_PROBLEM_CODES = Object.keys(IMPORT_PROBLEM_CATALOGUE) as ImportProblemCode[];

/** A parameter is plain, or text that differs by language (a column or field label). */
export type ProblemParam = string | number | LocalizedText;

export interface ImportProblem {
  /** The row as a spreadsheet shows it (the header is usually row 1); 0 for the file as a whole. */
  row: number;
  /** The column's header as written in the file (or the expected header, for a missing column). */
  column: string | null;
  /** The canonical field name (e.g. `number`, `nationalId`), null for file-level problems. */
  field: string | null;
  code: ImportProblemCode;
  severity: ImportSeverity;
  params: Record<string, ProblemParam>;
}

export function problem(
  code: ImportProblemCode,
  at: { row: number; column?: string | null; field?: string | null },
  params: Record<string, ProblemParam> = {},
): ImportProblem {
  return {
    row: at.row,
    column: at.column ?? null,
    field: at.field ?? null,
    code,
    severity: IMPORT_PROBLEM_CATALOGUE[code].severity,
    params: { column: at.column ?? '', ...params },
  };
}

export function formatProblem(entry: Pick<ImportProblem, 'code' | 'params'>, locale: Locale): string {
  return fillTemplate(inLocale(IMPORT_PROBLEM_CATALOGUE[entry.code], locale), (name) => {
    const value = entry.params[name];
    return typeof value === 'object' ? inLocale(value, locale) : value;
  });
}

export function hasErrors(problems: readonly ImportProblem[]): boolean {
  return problems.some((p) => p.severity === 'ERROR');
}

/**
 * The import columns as the server reads them (schema.graphql: importStudents / importStaff): the Chinese
 * header, its English equivalent (either is accepted), whether it is required, and what goes in it.
 */
export interface TemplateColumn {
  zh: string;
  en: string;
  required: boolean;
  aboutEn: string;
  aboutZh: string;
}

export const STUDENT_TEMPLATE: readonly TemplateColumn[] = [
  { zh: '学号', en: 'number', required: true, aboutEn: 'student number (the login)', aboutZh: '学号（登录账号）' },
  { zh: '姓名', en: 'name', required: true, aboutEn: 'full name', aboutZh: '姓名' },
  {
    zh: '身份证号',
    en: 'nationalId',
    required: true,
    aboutEn: 'national ID; its last 6 characters are the initial password',
    aboutZh: '身份证号；后 6 位为初始密码',
  },
  {
    zh: '类别',
    en: 'category',
    required: true,
    aboutEn: 'UNDERGRADUATE, POSTGRADUATE_DUAL or POSTGRADUATE_SINGLE (or 本科生/双证研究生/单证研究生)',
    aboutZh: '本科生、双证研究生或单证研究生（或 UNDERGRADUATE 等）',
  },
  { zh: '培养单位', en: 'college', required: true, aboutEn: 'college code or name', aboutZh: '培养单位代码或名称' },
  { zh: '校区', en: 'campus', required: true, aboutEn: 'campus code or name', aboutZh: '校区代码或名称' },
  { zh: '导师', en: 'firstSupervisor', required: false, aboutEn: "supervisor's staff username (postgraduates)", aboutZh: '导师工号（研究生）' },
  { zh: '第二导师', en: 'secondSupervisor', required: false, aboutEn: "second supervisor's staff username", aboutZh: '第二导师工号' },
  {
    zh: '住宿',
    en: 'dormitory',
    required: false,
    aboutEn: 'ON_CAMPUS (default), OFF_CAMPUS_CHECKED_OUT or OFF_CAMPUS_NOT_CHECKED_OUT',
    aboutZh: '住宿情况：ON_CAMPUS（默认）、OFF_CAMPUS_CHECKED_OUT 或 OFF_CAMPUS_NOT_CHECKED_OUT',
  },
  {
    zh: '届',
    en: 'cohort',
    required: false,
    aboutEn: 'cohort year (default: the newest cohort with clearance items)',
    aboutZh: '届别（默认：最新的已配置离校事项的届）',
  },
];

export const STAFF_TEMPLATE: readonly TemplateColumn[] = [
  { zh: '工号', en: 'username', required: true, aboutEn: 'staff username (the login)', aboutZh: '工号（登录账号）' },
  { zh: '姓名', en: 'name', required: true, aboutEn: 'full name', aboutZh: '姓名' },
  {
    zh: '角色',
    en: 'roles',
    required: true,
    aboutEn: 'StaffRole names or Chinese labels, separated by , or 、',
    aboutZh: '角色（StaffRole 名称或中文名称，用逗号或顿号分隔）',
  },
  { zh: '部门', en: 'department', required: false, aboutEn: 'department code (reviewers)', aboutZh: '部门代码（审核员）' },
  { zh: '培养单位', en: 'college', required: false, aboutEn: 'college code or name (college roles)', aboutZh: '培养单位代码或名称（学院角色）' },
  { zh: '校区', en: 'campus', required: false, aboutEn: 'campus code or name (dormitory reviewers)', aboutZh: '校区代码或名称（退宿审核员）' },
  {
    zh: '初始密码',
    en: 'password',
    required: false,
    aboutEn: 'initial password, required for new accounts (changed at first login)',
    aboutZh: '初始密码（新账号必填，首次登录须修改）',
  },
];

export const TEMPLATES = { students: STUDENT_TEMPLATE, staff: STAFF_TEMPLATE } as const;
export type TemplateKind = keyof typeof TEMPLATES;

/** The header row in the CLI's language, as CSV with a BOM so Excel opens the Chinese. */
export function templateCsv(kind: TemplateKind, lang: 'en' | 'zh'): string {
  return `\uFEFF${TEMPLATES[kind].map((column) => column[lang]).join(',')}\r\n`;
}

import { DORMITORY_STATES, STUDENT_CATEGORIES, type DormitoryState, type StudentCategory } from '../../domain/index.js';
import { StaffRole } from '../../generated/prisma/enums.js';
import { lookupKey } from './columns.js';

/** Cell vocabularies: enum names (any case) and their Chinese labels. */

function vocabulary<T extends string>(names: readonly T[], labels: Record<string, T>): Map<string, T> {
  const map = new Map<string, T>();
  for (const name of names) map.set(lookupKey(name), name);
  for (const [label, name] of Object.entries(labels)) map.set(lookupKey(label), name);
  return map;
}

const CATEGORIES = vocabulary<StudentCategory>(STUDENT_CATEGORIES, {
  本科生: 'UNDERGRADUATE',
  本科: 'UNDERGRADUATE',
  双证研究生: 'POSTGRADUATE_DUAL',
  双证: 'POSTGRADUATE_DUAL',
  单证研究生: 'POSTGRADUATE_SINGLE',
  单证: 'POSTGRADUATE_SINGLE',
});

const DORMITORIES = vocabulary<DormitoryState>(DORMITORY_STATES, {
  在校住宿: 'ON_CAMPUS',
  未住校已退宿: 'OFF_CAMPUS_CHECKED_OUT',
  未住校未退宿: 'OFF_CAMPUS_NOT_CHECKED_OUT',
});

/** Chinese labels as the README and the notice name the roles. */
const ROLES = vocabulary<StaffRole>(Object.values(StaffRole), {
  部门审核员: 'DEPARTMENT_REVIEWER',
  离校点操作员: 'DEPARTMENT_REVIEWER',
  培养单位审核员: 'COLLEGE_REVIEWER',
  学院审核员: 'COLLEGE_REVIEWER',
  校区审核员: 'CAMPUS_REVIEWER',
  退宿审核员: 'CAMPUS_REVIEWER',
  导师: 'SUPERVISOR',
  培养单位管理员: 'COLLEGE_ADMIN',
  培养单位节点管理员: 'COLLEGE_ADMIN',
  学院管理员: 'COLLEGE_ADMIN',
  校级管理员: 'UNIVERSITY_ADMIN',
  学校管理员: 'UNIVERSITY_ADMIN',
  数据对接: 'INTEGRATION',
});

export const parseCategory = (value: string): StudentCategory | null => CATEGORIES.get(lookupKey(value)) ?? null;
export const parseDormitory = (value: string): DormitoryState | null => DORMITORIES.get(lookupKey(value)) ?? null;
export const parseRole = (value: string): StaffRole | null => ROLES.get(lookupKey(value)) ?? null;

/** Roles are separated by commas (ASCII or full-width), 、, semicolons, `/` or `|`. */
export function splitList(value: string): string[] {
  return value
    .split(/[,，、;；/|]+/)
    .map((part) => part.trim())
    .filter(Boolean);
}

/** `2020`, `2020届` or `2020级` → 2020. */
export function parseCohortYear(value: string): number | null {
  const match = /^(\d{4})\s*[届级]?$/.exec(value.normalize('NFKC').trim());
  return match ? Number(match[1]) : null;
}

const ID_18 = /^\d{17}[\dXx]$/;
const ID_15 = /^\d{15}$/;
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** Format of a resident ID number: 18 characters, the last a digit or X (any case); or the old 15 digits. */
export function nationalIdFormatValid(id: string): boolean {
  return ID_18.test(id) || ID_15.test(id);
}

/** GB 11643 check character of an 18-character number; 15-digit numbers have none. */
export function nationalIdChecksumValid(id: string): boolean {
  if (!ID_18.test(id)) return true;
  const sum = ID_WEIGHTS.reduce((total, weight, i) => total + Number(id[i]) * weight, 0);
  return '10X98765432'[sum % 11] === id[17]!.toUpperCase();
}

/**
 * Reference rows (colleges, campuses, departments) found by code or by name in
 * either language; a campus also without its 校区 suffix (南望山 = 南望山校区).
 */
export class ReferenceIndex<T extends { id: string; code: string; nameZh: string; nameEn: string }> {
  private readonly byKey = new Map<string, T>();
  readonly byId = new Map<string, T>();

  constructor(rows: readonly T[], extraNames: (row: T) => string[] = () => []) {
    // Codes first, so a name never shadows another row's code.
    for (const row of rows) this.byId.set(row.id, row);
    for (const row of rows) this.add(row.code, row);
    for (const row of rows) for (const name of [row.nameZh, row.nameEn, ...extraNames(row)]) this.add(name, row);
  }

  private add(name: string, row: T) {
    const key = lookupKey(name);
    if (key && !this.byKey.has(key)) this.byKey.set(key, row);
  }

  find(value: string): T | null {
    return this.byKey.get(lookupKey(value)) ?? null;
  }
}

export const campusAliases = (campus: { nameZh: string }) => (campus.nameZh.endsWith('校区') ? [campus.nameZh.slice(0, -2)] : []);

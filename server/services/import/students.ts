import { hashInitialPassword, initialPasswordFromNationalId, MAX_LOGIN_NAME_LENGTH } from '../../auth/password.js';
import { planSheet, type DormitoryState, type LocalizedText, type StudentCategory } from '../../domain/index.js';
import type { Prisma, StaffRole } from '../../generated/prisma/client.js';
import { loadCohortTemplates, shareCohortRules, toDomainTemplate, type TemplateRow } from '../rules.js';
import { uuidv7 } from '../ids.js';
import { createSheets, type NewSheetStudent } from '../sheets.js';
import { insertStudentCredentials, insertStudents, updateStudents, type NewStudentRow } from './bulk.js';
import { headerOf, textLength, type ColumnSpec, type MappedTable } from './columns.js';
import { hasErrors, problem, type ImportProblem, type ImportProblemCode, type ProblemParam } from './problems.js';
import { chunks, findInChunks, mapConcurrently, type Db, type Importer, type ImportPlan } from './report.js';
import { campusAliases, nationalIdChecksumValid, nationalIdFormatValid, parseCategory, parseCohortYear, parseDormitory, ReferenceIndex } from './values.js';

export type StudentField =
  | 'number'
  | 'name'
  | 'nationalId'
  | 'category'
  | 'college'
  | 'campus'
  | 'firstSupervisor'
  | 'secondSupervisor'
  | 'dormitory'
  | 'cohort';

export const STUDENT_COLUMNS: readonly ColumnSpec<StudentField>[] = [
  { key: 'number', zh: '学号', en: 'number', aliases: ['studentNumber', 'studentNo'], required: true },
  { key: 'name', zh: '姓名', en: 'name', aliases: ['studentName'], required: true },
  {
    key: 'nationalId',
    zh: '身份证号',
    en: 'nationalId',
    aliases: ['身份证号码', '身份证', '证件号码', 'nationalIdNumber', 'idNumber', 'idCard'],
    required: true,
  },
  { key: 'category', zh: '类别', en: 'category', aliases: ['学生类别', '学生类型'], required: true },
  { key: 'college', zh: '培养单位', en: 'college', aliases: ['学院', '院系', 'trainingUnit'], required: true },
  { key: 'campus', zh: '校区', en: 'campus', required: true },
  { key: 'firstSupervisor', zh: '导师', en: 'firstSupervisor', aliases: ['第一导师', '导师工号', 'supervisor'], required: false },
  { key: 'secondSupervisor', zh: '第二导师', en: 'secondSupervisor', aliases: ['第二导师工号'], required: false },
  { key: 'dormitory', zh: '住宿', en: 'dormitory', aliases: ['住宿情况', '住宿状态'], required: false },
  { key: 'cohort', zh: '届', en: 'cohort', aliases: ['届别', 'cohortYear'], required: false },
];

const SPEC = new Map(STUDENT_COLUMNS.map((spec) => [spec.key, spec]));
const MAX_NAME_LENGTH = 50;
const STUDENT_NUMBER = new RegExp(`^[A-Za-z0-9]{1,${MAX_LOGIN_NAME_LENGTH}}$`);
/** New students per batch: their rows, then their items (about 9 each) and events, each in one statement. */
const WRITE_CHUNK = 2500;
/** Updated students or new logins per statement (one bind value per column, so only memory limits it). */
const UPDATE_CHUNK = 5000;
/** Hashes in flight at once: enough to keep libuv's thread pool (4 threads by default) busy. */
const HASH_CONCURRENCY = 16;

/** Fields whose change would change which items a student has (recomputing them is a separate operation). */
const RULE_FIELDS = {
  category: { zh: '类别', en: 'category' },
  college: { zh: '培养单位', en: 'college' },
  campus: { zh: '校区', en: 'campus' },
  dormitory: { zh: '住宿情况', en: 'dormitory' },
} as const;

interface Reference {
  id: string;
  code: string;
  nameZh: string;
  nameEn: string;
}

interface CohortRow {
  id: string;
  year: number;
  templates: number;
}

/** A stored student has exactly the columns a new one is written with. */
type ExistingStudent = NewStudentRow;

export interface StudentLookups {
  colleges: ReferenceIndex<Reference>;
  campuses: ReferenceIndex<Reference>;
  cohorts: Map<number, CohortRow>;
  cohortsById: Map<string, CohortRow>;
  /** The newest cohort that has templates: where students go when the file names none. */
  defaultCohort: CohortRow | null;
  existing: Map<string, ExistingStudent>;
  /** Staff accounts named as supervisors, or whose username equals a student number of the file. */
  staff: Map<string, { id: string; roles: StaffRole[]; active: boolean }>;
}

/** The student's row as it will be written. */
interface StudentValues {
  number: string;
  name: string;
  category: StudentCategory;
  collegeId: string;
  collegeCode: string;
  campusId: string;
  campusCode: string;
  dormitory: DormitoryState;
  firstSupervisorId: string | null;
  secondSupervisorId: string | null;
}

export interface StudentCreate extends StudentValues {
  row: number;
  nationalId: string;
  cohortId: string;
}

export interface StudentUpdate extends StudentValues {
  row: number;
  id: string;
}

type StudentPlan = ImportPlan<StudentCreate, StudentUpdate>;
/** Password hashes by student number and ID number. */
type Hashes = Map<string, string>;
const hashKey = (s: { number: string; nationalId: string }) => `${s.number}\u0000${s.nationalId}`;

async function load(db: Db, table: MappedTable<StudentField>): Promise<StudentLookups> {
  const numbers = table.records.map((r) => r.values.number).filter(Boolean);
  const supervisorNames = table.records.flatMap((r) => [r.values.firstSupervisor, r.values.secondSupervisor]).filter(Boolean);
  const [colleges, campuses, cohorts, existing, staff] = await Promise.all([
    db.college.findMany(),
    db.campus.findMany(),
    db.cohort.findMany({ select: { id: true, year: true, _count: { select: { templates: true } } } }),
    findInChunks(numbers, (chunk) =>
      db.student.findMany({
        where: { number: { in: chunk } },
        select: {
          id: true,
          number: true,
          name: true,
          category: true,
          cohortId: true,
          collegeId: true,
          campusId: true,
          dormitory: true,
          firstSupervisorId: true,
          secondSupervisorId: true,
        },
      }),
    ),
    findInChunks([...numbers, ...supervisorNames], (chunk) =>
      db.reviewer.findMany({ where: { username: { in: chunk } }, select: { id: true, username: true, roles: true, active: true } }),
    ),
  ]);
  const cohortRows = cohorts.map((c) => ({ id: c.id, year: c.year, templates: c._count.templates }));
  return {
    colleges: new ReferenceIndex(colleges),
    campuses: new ReferenceIndex(campuses, campusAliases),
    cohorts: new Map(cohortRows.map((c) => [c.year, c])),
    cohortsById: new Map(cohortRows.map((c) => [c.id, c])),
    defaultCohort: cohortRows.filter((c) => c.templates > 0).sort((a, b) => b.year - a.year)[0] ?? null,
    existing: new Map(existing.map((s) => [s.number, s])),
    staff: new Map(staff.map((s) => [s.username, s])),
  };
}

function validate(table: MappedTable<StudentField>, lookups: StudentLookups): StudentPlan {
  const problems: ImportProblem[] = [...table.problems];
  const plan: StudentPlan = { problems, validRows: 0, creates: [], updates: [], unchanged: 0 };
  const firstRowOf = new Map<string, number>();
  const warnedCohorts = new Set<string>();
  let missingCohort = false;

  for (const record of table.records) {
    const rowProblems: ImportProblem[] = [];
    const report = (code: ImportProblemCode, key: StudentField, params: Record<string, ProblemParam> = {}) =>
      rowProblems.push(problem(code, { row: record.row, column: headerOf(table.columns, SPEC.get(key)!), field: key }, params));
    /** Reports a problem where a lookup found nothing: the field has no value. */
    const refused = (...reported: Parameters<typeof report>): null => {
      report(...reported);
      return null;
    };
    const v = record.values;
    for (const key of record.lossy) report('NUMBER_PRECISION_LOST', key);
    for (const key of record.garbled) if (!record.lossy.has(key)) report('INVALID_CHARACTERS', key);
    /** A column that is in the file and whose cell can be read. */
    const usable = (key: StudentField) => table.columns.has(key) && !record.lossy.has(key) && !record.garbled.has(key);
    const required = (key: StudentField) => {
      if (usable(key) && !v[key]) report('REQUIRED', key);
      return usable(key) && v[key] !== '';
    };

    let number: string | null = null;
    if (required('number')) {
      if (!STUDENT_NUMBER.test(v.number)) report('INVALID_STUDENT_NUMBER', 'number', { value: v.number, max: MAX_LOGIN_NAME_LENGTH });
      else {
        const firstRow = firstRowOf.get(v.number);
        if (firstRow !== undefined) report('DUPLICATE_IN_FILE', 'number', { value: v.number, firstRow });
        else firstRowOf.set(v.number, record.row);
        if (lookups.staff.has(v.number)) report('NUMBER_TAKEN_BY_STAFF', 'number', { value: v.number });
        number = v.number;
      }
    }
    const existing = number ? lookups.existing.get(number) : undefined;

    if (required('name') && textLength(v.name) > MAX_NAME_LENGTH) report('TEXT_TOO_LONG', 'name', { max: MAX_NAME_LENGTH });

    // Only a new student's ID number is used (for the initial password); an existing student's login is left alone.
    if (!existing && required('nationalId')) {
      if (!nationalIdFormatValid(v.nationalId)) report('INVALID_NATIONAL_ID', 'nationalId');
      else if (!nationalIdChecksumValid(v.nationalId)) report('NATIONAL_ID_CHECKSUM', 'nationalId');
    }

    const category = required('category') ? (parseCategory(v.category) ?? refused('UNKNOWN_CATEGORY', 'category', { value: v.category })) : null;
    const college = required('college') ? (lookups.colleges.find(v.college) ?? refused('UNKNOWN_COLLEGE', 'college', { value: v.college })) : null;
    const campus = required('campus') ? (lookups.campuses.find(v.campus) ?? refused('UNKNOWN_CAMPUS', 'campus', { value: v.campus })) : null;

    let dormitory: DormitoryState | null = existing?.dormitory ?? 'ON_CAMPUS';
    if (usable('dormitory') && v.dormitory) {
      dormitory = parseDormitory(v.dormitory);
      if (!dormitory) report('UNKNOWN_DORMITORY', 'dormitory', { value: v.dormitory });
    }

    let cohort: CohortRow | null = null;
    if (usable('cohort') && v.cohort) {
      const year = parseCohortYear(v.cohort);
      cohort = year === null ? null : (lookups.cohorts.get(year) ?? null);
      if (!cohort) report('UNKNOWN_COHORT', 'cohort', { value: v.cohort });
      else if (existing && existing.cohortId !== cohort.id) {
        report('COHORT_NOT_CHANGED', 'cohort', { current: lookups.cohortsById.get(existing.cohortId)?.year ?? '?' });
      }
    } else if (!existing) {
      cohort = lookups.defaultCohort;
      if (!cohort) missingCohort = true;
    }
    if (!existing && cohort && cohort.templates === 0 && !warnedCohorts.has(cohort.id)) {
      warnedCohorts.add(cohort.id);
      report('COHORT_WITHOUT_TEMPLATES', 'cohort', { value: cohort.year });
    }

    // Supervisors: postgraduates only. An empty cell keeps an existing student's supervisor.
    let firstSupervisorId: string | null = null;
    let secondSupervisorId: string | null = null;
    if (category === 'UNDERGRADUATE') {
      for (const key of ['firstSupervisor', 'secondSupervisor'] as const) {
        if (usable(key) && v[key]) report('SUPERVISOR_IGNORED', key, { value: v[key] });
      }
    } else if (category) {
      let supervisorError = false;
      const resolve = (key: 'firstSupervisor' | 'secondSupervisor', kept: string | null): string | null => {
        if (!usable(key) || !v[key]) return kept;
        const staff = lookups.staff.get(v[key]);
        if (!staff?.active || !staff.roles.includes('SUPERVISOR')) {
          report('UNKNOWN_SUPERVISOR', key, { value: v[key] });
          supervisorError = true;
          return null;
        }
        return staff.id;
      };
      firstSupervisorId = resolve('firstSupervisor', existing?.firstSupervisorId ?? null);
      secondSupervisorId = resolve('secondSupervisor', existing?.secondSupervisorId ?? null);
      if (!supervisorError) {
        if (secondSupervisorId && !firstSupervisorId) report('SECOND_SUPERVISOR_WITHOUT_FIRST', 'secondSupervisor');
        else if (secondSupervisorId && secondSupervisorId === firstSupervisorId) report('SAME_SUPERVISOR', 'secondSupervisor');
        else if (!firstSupervisorId) report('NO_SUPERVISOR', 'firstSupervisor');
      }
    }

    const rowHasError = hasErrors(rowProblems);
    if (!rowHasError && number && category && college && campus && dormitory && table.columns.has('name')) {
      const values: StudentValues = {
        number,
        name: v.name,
        category,
        collegeId: college.id,
        collegeCode: college.code,
        campusId: campus.id,
        campusCode: campus.code,
        dormitory,
        firstSupervisorId,
        secondSupervisorId,
      };
      if (existing) {
        const changedRules = (
          [
            ['category', existing.category !== values.category],
            ['college', existing.collegeId !== values.collegeId],
            ['campus', existing.campusId !== values.campusId],
            ['dormitory', existing.dormitory !== values.dormitory],
          ] as const
        )
          .filter(([, changed]) => changed)
          .map(([field]) => RULE_FIELDS[field]);
        const changed =
          changedRules.length > 0 ||
          existing.name !== values.name ||
          existing.firstSupervisorId !== values.firstSupervisorId ||
          existing.secondSupervisorId !== values.secondSupervisorId;
        if (changedRules.length > 0) {
          rowProblems.push(problem('RULES_NOT_RECOMPUTED', { row: record.row }, { fields: joinLabels(changedRules) }));
        }
        if (changed) plan.updates.push({ ...values, row: record.row, id: existing.id });
        else plan.unchanged++;
      } else if (cohort) {
        plan.creates.push({ ...values, row: record.row, nationalId: v.nationalId, cohortId: cohort.id });
      }
    }
    if (!rowHasError) plan.validRows++;
    problems.push(...rowProblems);
  }
  if (missingCohort) problems.push(problem('NO_COHORT', { row: 0, column: SPEC.get('cohort')!.zh, field: 'cohort' }));
  return plan;
}

function joinLabels(labels: readonly LocalizedText[]): LocalizedText {
  return { zh: labels.map((l) => l.zh).join('、'), en: labels.map((l) => l.en).join(', ') };
}

async function templatesByCohort(db: Db, cohortIds: Iterable<string>): Promise<Map<string, TemplateRow[]>> {
  const out = new Map<string, TemplateRow[]>();
  for (const cohortId of new Set(cohortIds)) out.set(cohortId, (await loadCohortTemplates(db, cohortId)).rows);
  return out;
}

function facts(student: StudentCreate) {
  return {
    category: student.category,
    collegeCode: student.collegeCode,
    campusCode: student.campusCode,
    dormitory: student.dormitory,
    deferred: false,
  };
}

async function predictItems(db: Db, plan: StudentPlan): Promise<number> {
  const templates = await templatesByCohort(
    db,
    plan.creates.map((s) => s.cohortId),
  );
  const domain = new Map([...templates].map(([cohortId, rows]) => [cohortId, rows.map(toDomainTemplate)]));
  return plan.creates.reduce((total, student) => total + planSheet(facts(student), domain.get(student.cohortId)!).length, 0);
}

async function prepare(plan: StudentPlan, previous?: Hashes): Promise<Hashes> {
  const hashes: Hashes = new Map();
  const missing: StudentCreate[] = [];
  for (const student of plan.creates) {
    const known = previous?.get(hashKey(student));
    if (known) hashes.set(hashKey(student), known);
    else missing.push(student);
  }
  const computed = await mapConcurrently(missing, HASH_CONCURRENCY, (student) => hashInitialPassword(initialPasswordFromNationalId(student.nationalId)));
  missing.forEach((student, i) => hashes.set(hashKey(student), computed[i]!));
  return hashes;
}

/**
 * New students chunk by chunk (rows, then their items by the rules: what
 * createSheets writes), then changed students, then logins:
 * passwords are hashed on the thread pool meanwhile and awaited only here.
 */
async function write(tx: Prisma.TransactionClient, plan: StudentPlan, hashes: () => Promise<Hashes>, now: Date): Promise<{ itemsCreated: number }> {
  await shareCohortRules(
    tx,
    plan.creates.map((s) => s.cohortId),
  );
  const templates = await templatesByCohort(
    tx,
    plan.creates.map((s) => s.cohortId),
  );
  const idOf = new Map<string, string>();
  let itemsCreated = 0;
  for (const chunk of chunks(plan.creates, WRITE_CHUNK)) {
    const rows = chunk.map((s) => ({ ...s, id: uuidv7(now.getTime()) }));
    await insertStudents(tx, rows, now);
    const byCohort = new Map<string, NewSheetStudent[]>();
    for (const row of rows) {
      idOf.set(row.number, row.id);
      const group = byCohort.get(row.cohortId) ?? [];
      group.push({ id: row.id, cohortId: row.cohortId, facts: facts(row) });
      byCohort.set(row.cohortId, group);
    }
    for (const [cohortId, students] of byCohort) itemsCreated += await createSheets(tx, students, templates.get(cohortId)!, now);
  }
  for (const chunk of chunks(plan.updates, UPDATE_CHUNK)) await updateStudents(tx, chunk, now);
  const ready = await hashes();
  for (const chunk of chunks(plan.creates, UPDATE_CHUNK)) {
    await insertStudentCredentials(
      tx,
      chunk.map((s) => ({ studentId: idOf.get(s.number)!, passwordHash: ready.get(hashKey(s))! })),
      now,
    );
  }
  return { itemsCreated };
}

export const studentImporter: Importer<StudentField, StudentLookups, StudentCreate, StudentUpdate, Hashes> = {
  kind: 'STUDENTS',
  columns: STUDENT_COLUMNS,
  load,
  validate,
  predictItems,
  prepare,
  write,
};

import { hashInitialPassword, MAX_LOGIN_NAME_LENGTH, MAX_PASSWORD_LENGTH } from '../../auth/password.js';
import type { Prisma, StaffRole } from '../../generated/prisma/client.js';
import { headerOf, textLength, type ColumnSpec, type MappedTable } from './columns.js';
import { hasErrors, problem, type ImportProblem, type ImportProblemCode, type ProblemParam } from './problems.js';
import { chunks, findInChunks, mapConcurrently, type Db, type Importer, type ImportPlan } from './report.js';
import { campusAliases, parseRole, ReferenceIndex, splitList } from './values.js';

export type StaffField = 'username' | 'name' | 'roles' | 'department' | 'college' | 'campus' | 'password';

export const STAFF_COLUMNS: readonly ColumnSpec<StaffField>[] = [
  { key: 'username', zh: '工号', en: 'username', aliases: ['用户名', '账号', '登录名', 'staffNumber', 'staffNo'], required: true },
  { key: 'name', zh: '姓名', en: 'name', required: true },
  { key: 'roles', zh: '角色', en: 'roles', aliases: ['role'], required: true },
  { key: 'department', zh: '部门', en: 'department', aliases: ['部门代码', '离校点'], required: false },
  { key: 'college', zh: '培养单位', en: 'college', aliases: ['学院', '院系', 'trainingUnit'], required: false },
  { key: 'campus', zh: '校区', en: 'campus', required: false },
  { key: 'password', zh: '初始密码', en: 'password', aliases: ['密码', 'initialPassword'], required: false },
];

const SPEC = new Map(STAFF_COLUMNS.map((spec) => [spec.key, spec]));
const MAX_NAME_LENGTH = 50;
const MIN_INITIAL_PASSWORD = 6;
const USERNAME = new RegExp(`^[A-Za-z0-9._@-]{1,${MAX_LOGIN_NAME_LENGTH}}$`);
const HASH_CONCURRENCY = 16;

/** Which scope each role needs to mean anything (see auth/access.ts). */
const ROLE_SCOPE: Partial<Record<StaffRole, ('department' | 'college' | 'campus')[]>> = {
  DEPARTMENT_REVIEWER: ['department'],
  COLLEGE_REVIEWER: ['department', 'college'],
  CAMPUS_REVIEWER: ['department', 'campus'],
  COLLEGE_ADMIN: ['college'],
};

interface Reference {
  id: string;
  code: string;
  nameZh: string;
  nameEn: string;
}

interface ExistingStaff {
  id: string;
  username: string;
  name: string;
  roles: StaffRole[];
  departmentId: string | null;
  collegeId: string | null;
  campusId: string | null;
  apiTokenHash: string | null;
}

export interface StaffLookups {
  departments: ReferenceIndex<Reference>;
  colleges: ReferenceIndex<Reference>;
  campuses: ReferenceIndex<Reference>;
  existing: Map<string, ExistingStaff>;
  studentNumbers: Set<string>;
}

interface StaffValues {
  username: string;
  name: string;
  roles: StaffRole[];
  departmentId: string | null;
  collegeId: string | null;
  campusId: string | null;
}

export interface StaffCreate extends StaffValues {
  row: number;
  password: string;
}

export interface StaffUpdate extends StaffValues {
  row: number;
  id: string;
}

type StaffPlan = ImportPlan<StaffCreate, StaffUpdate>;
/** Password hashes by username and password. */
type Hashes = Map<string, string>;
const hashKey = (s: StaffCreate) => `${s.username}\u0000${s.password}`;

async function load(db: Db, table: MappedTable<StaffField>): Promise<StaffLookups> {
  const usernames = table.records.map((r) => r.values.username).filter(Boolean);
  const [departments, colleges, campuses, existing, students] = await Promise.all([
    db.department.findMany(),
    db.college.findMany(),
    db.campus.findMany(),
    findInChunks(usernames, (chunk) =>
      db.reviewer.findMany({
        where: { username: { in: chunk } },
        select: { id: true, username: true, name: true, roles: true, departmentId: true, collegeId: true, campusId: true, apiTokenHash: true },
      }),
    ),
    findInChunks(usernames, (chunk) => db.student.findMany({ where: { number: { in: chunk } }, select: { number: true } })),
  ]);
  return {
    departments: new ReferenceIndex(departments),
    colleges: new ReferenceIndex(colleges),
    campuses: new ReferenceIndex(campuses, campusAliases),
    existing: new Map(existing.map((s) => [s.username, s])),
    studentNumbers: new Set(students.map((s) => s.number)),
  };
}

function validate(table: MappedTable<StaffField>, lookups: StaffLookups): StaffPlan {
  const problems: ImportProblem[] = [...table.problems];
  const plan: StaffPlan = { problems, validRows: 0, creates: [], updates: [], unchanged: 0 };
  const firstRowOf = new Map<string, number>();
  let passwordColumnNeeded = false;

  for (const record of table.records) {
    const rowProblems: ImportProblem[] = [];
    const at = (key: StaffField) => ({ row: record.row, column: headerOf(table.columns, SPEC.get(key)!), field: key });
    const report = (code: ImportProblemCode, key: StaffField, params: Record<string, ProblemParam> = {}) => rowProblems.push(problem(code, at(key), params));
    const v = record.values;
    for (const key of record.lossy) report('NUMBER_PRECISION_LOST', key);
    for (const key of record.garbled) if (!record.lossy.has(key)) report('INVALID_CHARACTERS', key);
    const usable = (key: StaffField) => table.columns.has(key) && !record.lossy.has(key) && !record.garbled.has(key);
    const required = (key: StaffField) => {
      if (usable(key) && !v[key]) report('REQUIRED', key);
      return usable(key) && v[key] !== '';
    };

    let username: string | null = null;
    if (required('username')) {
      if (!USERNAME.test(v.username)) report('INVALID_USERNAME', 'username', { value: v.username, max: MAX_LOGIN_NAME_LENGTH });
      else {
        const firstRow = firstRowOf.get(v.username);
        if (firstRow !== undefined) report('DUPLICATE_IN_FILE', 'username', { value: v.username, firstRow });
        else firstRowOf.set(v.username, record.row);
        if (lookups.studentNumbers.has(v.username)) report('USERNAME_TAKEN_BY_STUDENT', 'username', { value: v.username });
        username = v.username;
      }
    }
    const existing = username ? lookups.existing.get(username) : undefined;
    if (existing && (existing.apiTokenHash || existing.roles.includes('INTEGRATION'))) {
      report('ACCOUNT_NOT_IMPORTABLE', 'username', { value: existing.username });
    }

    if (required('name') && textLength(v.name) > MAX_NAME_LENGTH) report('TEXT_TOO_LONG', 'name', { max: MAX_NAME_LENGTH });

    let roles: StaffRole[] | null = null;
    if (required('roles')) {
      const parsed = new Set<StaffRole>();
      for (const part of splitList(v.roles)) {
        const role = parseRole(part);
        if (!role) report('UNKNOWN_ROLE', 'roles', { value: part });
        else if (role === 'INTEGRATION') report('ROLE_NOT_IMPORTABLE', 'roles', { value: part });
        else parsed.add(role);
      }
      if (parsed.size > 0) roles = [...parsed];
      else if (!hasErrors(rowProblems)) report('REQUIRED', 'roles');
    }

    // An empty cell keeps an existing account's value.
    const reference = (key: 'department' | 'college' | 'campus', index: ReferenceIndex<Reference>, unknown: ImportProblemCode, kept: string | null) => {
      if (!usable(key) || !v[key]) return { id: kept, ok: true };
      const row = index.find(v[key]);
      if (!row) report(unknown, key, { value: v[key] });
      return { id: row?.id ?? null, ok: row !== null };
    };
    const scope = {
      department: reference('department', lookups.departments, 'UNKNOWN_DEPARTMENT', existing?.departmentId ?? null),
      college: reference('college', lookups.colleges, 'UNKNOWN_COLLEGE', existing?.collegeId ?? null),
      campus: reference('campus', lookups.campuses, 'UNKNOWN_CAMPUS', existing?.campusId ?? null),
    };
    for (const role of roles ?? []) {
      for (const key of ROLE_SCOPE[role] ?? []) {
        if (scope[key].ok && !scope[key].id) {
          const spec = SPEC.get(key)!;
          report('SCOPE_REQUIRED', key, { role, column: { zh: spec.zh, en: `${spec.en} (${spec.zh})` } });
        }
      }
    }

    let password = '';
    if (!existing) {
      if (!table.columns.has('password')) passwordColumnNeeded = true;
      else if (required('password')) {
        const length = textLength(v.password);
        if (length < MIN_INITIAL_PASSWORD || length > MAX_PASSWORD_LENGTH) {
          report('INVALID_PASSWORD', 'password', { min: MIN_INITIAL_PASSWORD, max: MAX_PASSWORD_LENGTH });
        }
        password = v.password;
      }
    } else if (usable('password') && v.password) {
      report('PASSWORD_IGNORED', 'password');
    }

    const rowHasError = hasErrors(rowProblems);
    if (!rowHasError && username && roles && table.columns.has('name')) {
      const values: StaffValues = {
        username,
        name: v.name,
        roles,
        departmentId: scope.department.id,
        collegeId: scope.college.id,
        campusId: scope.campus.id,
      };
      if (existing) {
        const changed =
          existing.name !== values.name ||
          existing.departmentId !== values.departmentId ||
          existing.collegeId !== values.collegeId ||
          existing.campusId !== values.campusId ||
          [...existing.roles].sort().join() !== [...values.roles].sort().join();
        if (changed) plan.updates.push({ ...values, row: record.row, id: existing.id });
        else plan.unchanged++;
      } else if (password) {
        plan.creates.push({ ...values, row: record.row, password });
      }
    }
    if (!rowHasError) plan.validRows++;
    problems.push(...rowProblems);
  }
  if (passwordColumnNeeded) {
    const spec = SPEC.get('password')!;
    problems.push(problem('MISSING_COLUMN', { row: 0, column: spec.zh, field: 'password' }, { column: { zh: spec.zh, en: `${spec.en} (${spec.zh})` } }));
  }
  return plan;
}

async function prepare(plan: StaffPlan, previous?: Hashes): Promise<Hashes> {
  const hashes: Hashes = new Map();
  const missing = plan.creates.filter((s) => {
    const known = previous?.get(hashKey(s));
    if (known) hashes.set(hashKey(s), known);
    return !known;
  });
  // Initial passwords must be changed at first login, so they are keyed like students'. Login compares a
  // must-change password in capitals (students' ID numbers may end in x or X), and so does the hash:
  // an imported initial password is case-insensitive until the first change.
  const computed = await mapConcurrently(missing, HASH_CONCURRENCY, (s) => hashInitialPassword(s.password));
  missing.forEach((s, i) => hashes.set(hashKey(s), computed[i]!));
  return hashes;
}

async function write(tx: Prisma.TransactionClient, plan: StaffPlan, prepared: () => Promise<Hashes>): Promise<{ itemsCreated: number }> {
  const hashes = await prepared();
  for (const chunk of chunks(plan.creates, 1000)) {
    const rows = await tx.reviewer.createManyAndReturn({
      data: chunk.map(({ username, name, roles, departmentId, collegeId, campusId }) => ({ username, name, roles, departmentId, collegeId, campusId })),
      select: { id: true, username: true },
    });
    const idOf = new Map(rows.map((row) => [row.username, row.id]));
    await tx.credential.createMany({
      data: chunk.map((s) => ({ reviewerId: idOf.get(s.username)!, passwordHash: hashes.get(hashKey(s))!, mustChangePassword: true })),
    });
  }
  // Staff files are a few hundred rows: one statement per changed account is fine.
  for (const s of plan.updates) {
    await tx.reviewer.update({
      where: { id: s.id },
      data: { name: s.name, roles: s.roles, departmentId: s.departmentId, collegeId: s.collegeId, campusId: s.campusId },
    });
  }
  return { itemsCreated: 0 };
}

export const staffImporter: Importer<StaffField, StaffLookups, StaffCreate, StaffUpdate, Hashes> = {
  kind: 'STAFF',
  columns: STAFF_COLUMNS,
  load,
  validate,
  predictItems: async () => 0,
  prepare,
  write,
};

import { createHash } from 'node:crypto';
import { hashInitialPassword, hashPassword, initialPasswordFromNationalId } from '../auth/password.js';
import type { Database } from '../db/client.js';
import { loadDefaultRuleSet, type DormitoryState, type StudentCategory } from '../domain/index.js';
import type { StaffRole } from '../generated/prisma/client.js';
import { installRuleSet, loadCohortTemplates, studentFacts } from '../services/rules.js';
import { createSheets, type NewSheetStudent } from '../services/sheets.js';

/**
 * The default rule set (cohort 2020, exactly as docs/domain.md gives it) and a
 * deterministic demo cohort: the same students, staff and passwords on every machine.
 */

export const DEMO_STAFF_PASSWORD = 'Lixiao@2020';

export interface DemoLogin {
  role: string;
  username: string;
  password: string;
}

/** Installs the default rule set when the database has no cohort yet. Returns the 2020 cohort id. */
export async function installDefaultRuleSet(db: Database): Promise<{ cohortId: string; installed: boolean }> {
  const ruleSet = loadDefaultRuleSet();
  const existing = await db.prisma.cohort.findUnique({ where: { year: ruleSet.cohortYear } });
  if (existing) return { cohortId: existing.id, installed: false };
  return { cohortId: await installRuleSet(db.prisma, ruleSet), installed: true };
}

/**
 * On a database with no students: the default rule set, a next cohort for
 * deferred students, staff, supervisors and the demo students with their items.
 * Returns null when students already exist (demo data is loaded only once).
 */
export async function seedDemoData(db: Database): Promise<{ logins: DemoLogin[]; students: number } | null> {
  const { cohortId } = await installDefaultRuleSet(db);
  if ((await db.prisma.student.count()) > 0) return null;
  const { prisma } = db;
  const random = mulberry32(2020);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

  const { loginHelpZh, loginHelpEn } = await prisma.cohort.findUniqueOrThrow({ where: { id: cohortId } });
  const nextCohort = await prisma.cohort.upsert({
    where: { year: 2021 },
    create: { year: 2021, nameZh: '2021届毕业生', nameEn: 'Class of 2021', loginHelpZh, loginHelpEn },
    update: {},
  });
  const colleges = await prisma.college.findMany({ orderBy: { code: 'asc' } });
  const campuses = await prisma.campus.findMany({ orderBy: { code: 'asc' } });
  const departments = new Map((await prisma.department.findMany()).map((d) => [d.code, d]));
  const campusByCode = new Map(campuses.map((c) => [c.code, c]));

  const staffHash = await hashPassword(DEMO_STAFF_PASSWORD);
  const logins: DemoLogin[] = [];
  const createStaff = async (username: string, name: string, roles: StaffRole[], scope: { departmentCode?: string; collegeId?: string; campusId?: string }) => {
    const staff = await prisma.reviewer.create({
      data: {
        username,
        name,
        roles,
        departmentId: scope.departmentCode ? departments.get(scope.departmentCode)!.id : null,
        collegeId: scope.collegeId ?? null,
        campusId: scope.campusId ?? null,
        credential: { create: { passwordHash: staffHash, mustChangePassword: false } },
      },
    });
    return staff;
  };

  await createStaff('admin', '校级管理员', ['UNIVERSITY_ADMIN'], {});
  logins.push({ role: 'university admin 校级管理员', username: 'admin', password: DEMO_STAFF_PASSWORD });
  const universityDesks: [string, string, string][] = [
    ['library', '图书馆审核员', 'LIBRARY'],
    ['equipment', '设备科审核员', 'EQUIPMENT_SECTION'],
    ['skl', '国家重点实验室审核员', 'STATE_KEY_LAB_OFFICE'],
    ['hospital', '校医院审核员', 'SCHOOL_HOSPITAL'],
    ['finance', '财务处审核员', 'FINANCE_OFFICE'],
    ['asset', '资产管理科审核员', 'ASSET_MANAGEMENT'],
    ['career', '就业指导处审核员', 'CAREER_CENTRE'],
  ];
  for (const [username, name, departmentCode] of universityDesks) {
    await createStaff(username, name, ['DEPARTMENT_REVIEWER'], { departmentCode });
  }
  logins.push({ role: 'department reviewers 部门审核员', username: universityDesks.map(([u]) => u).join(', '), password: DEMO_STAFF_PASSWORD });
  for (const campus of campuses) {
    await createStaff(`dorm-${campus.code.toLowerCase().replaceAll('_', '-')}`, `${campus.nameZh}退宿审核员`, ['CAMPUS_REVIEWER'], {
      departmentCode: 'DORM_OFFICE',
      campusId: campus.id,
    });
  }
  logins.push({
    role: 'dormitory reviewers 退宿审核员',
    username: campuses.map((c) => `dorm-${c.code.toLowerCase().replaceAll('_', '-')}`).join(', '),
    password: DEMO_STAFF_PASSWORD,
  });

  const supervisorsByCollege = new Map<string, string[]>();
  let supervisorNumber = 0;
  for (const college of colleges) {
    const slug = college.code.toLowerCase().replaceAll('_', '-');
    await createStaff(`xgz-${slug}`, `${college.nameZh}学工组`, ['COLLEGE_REVIEWER', 'COLLEGE_ADMIN'], {
      departmentCode: 'STUDENT_WORK_GROUP',
      collegeId: college.id,
    });
    await createStaff(`yjsms-${slug}`, `${college.nameZh}研究生秘书`, ['COLLEGE_REVIEWER', 'COLLEGE_ADMIN'], {
      departmentCode: 'GRAD_SECRETARY_OFFICE',
      collegeId: college.id,
    });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      supervisorNumber++;
      const supervisor = await createStaff(
        `t${String(supervisorNumber).padStart(4, '0')}`,
        `${pick(SURNAMES)}${pick(GIVEN_NAMES)}${pick(GIVEN_NAMES)}`,
        ['SUPERVISOR'],
        { collegeId: college.id },
      );
      ids.push(supervisor.id);
    }
    supervisorsByCollege.set(college.id, ids);
  }
  logins.push({ role: 'college student-work groups 学工组', username: 'xgz-<college>, e.g. xgz-computer-science', password: DEMO_STAFF_PASSWORD });
  logins.push({ role: 'graduate secretaries 研究生秘书', username: 'yjsms-<college>, e.g. yjsms-earth-sciences', password: DEMO_STAFF_PASSWORD });
  logins.push({ role: 'supervisors 导师', username: `t0001 … t${String(supervisorNumber).padStart(4, '0')}`, password: DEMO_STAFF_PASSWORD });

  const integrationToken = `lxi_demo_${createHash('sha256').update('lixiao-demo-library-sync').digest('hex').slice(0, 32)}`;
  await prisma.reviewer.create({
    data: {
      username: 'library-sync',
      name: '图书馆系统数据对接',
      roles: ['INTEGRATION'],
      departmentId: departments.get('LIBRARY')!.id,
      apiTokenHash: createHash('sha256').update(integrationToken).digest('hex'),
    },
  });
  logins.push({ role: 'library system (API token) 图书馆数据对接', username: 'library-sync', password: integrationToken });

  const { rows: templates } = await loadCohortTemplates(prisma, cohortId);
  const plan = demoStudents(colleges, random);
  const students: NewSheetStudent[] = [];
  for (const [index, spec] of plan.entries()) {
    const college = colleges.find((c) => c.code === spec.collegeCode)!;
    const campus = campusByCode.get(spec.campusCode)!;
    const supervisors = supervisorsByCollege.get(college.id)!;
    const postgraduate = spec.category !== 'UNDERGRADUATE';
    const student = await prisma.student.create({
      data: {
        number: spec.number,
        name: spec.name,
        category: spec.category,
        cohortId: spec.deferred ? nextCohort.id : cohortId,
        collegeId: college.id,
        campusId: campus.id,
        dormitory: spec.dormitory,
        firstSupervisorId: postgraduate ? supervisors[index % 2]! : null,
        secondSupervisorId: postgraduate && index % 3 === 0 ? supervisors[(index + 1) % 2]! : null,
        credential: {
          create: { passwordHash: await hashInitialPassword(initialPasswordFromNationalId(spec.nationalId)), mustChangePassword: true },
        },
        ...(spec.deferred
          ? { deferrals: { create: { fromCohortId: cohortId, toCohortId: nextCohort.id, reason: '申请延期至2020年12月毕业，已获批准' } } }
          : {}),
      },
    });
    if (!spec.deferred) students.push({ id: student.id, cohortId, facts: studentFacts({ ...spec, college, campus }) });
  }
  await prisma.$transaction((tx) => createSheets(tx, students, templates), { timeout: 60_000 });

  const examples = [
    plan.find((s) => s.category === 'UNDERGRADUATE' && !s.deferred)!,
    plan.find((s) => s.category === 'POSTGRADUATE_DUAL' && s.collegeCode === 'EARTH_SCIENCES' && !s.deferred)!,
    plan.find((s) => s.category === 'POSTGRADUATE_SINGLE' && !s.deferred)!,
    plan.find((s) => s.deferred)!,
  ];
  for (const example of examples) {
    logins.push({
      role: `student ${CATEGORY_LABEL[example.category]}${example.deferred ? ' (deferred 已延期)' : ''}`,
      username: example.number,
      password: initialPasswordFromNationalId(example.nationalId),
    });
  }
  return { logins, students: plan.length };
}

const CATEGORY_LABEL: Record<StudentCategory, string> = {
  UNDERGRADUATE: '本科生',
  POSTGRADUATE_DUAL: '双证研究生',
  POSTGRADUATE_SINGLE: '单证研究生',
};

interface DemoStudent {
  number: string;
  name: string;
  nationalId: string;
  category: StudentCategory;
  collegeCode: string;
  campusCode: string;
  dormitory: DormitoryState;
  deferred: boolean;
}

/**
 * 28 students per college (13 colleges: 364 in all): 16 undergraduates, 7 dual- and
 * 5 single-certificate postgraduates, both campuses, every dormitory state; the
 * first two undergraduates of Computer Science are deferred.
 */
function demoStudents(colleges: { code: string }[], random: () => number): DemoStudent[] {
  const mix: [StudentCategory, number, string][] = [
    ['UNDERGRADUATE', 16, '2016'],
    ['POSTGRADUATE_DUAL', 7, '1201'],
    ['POSTGRADUATE_SINGLE', 5, '1202'],
  ];
  const dormitories: DormitoryState[] = ['ON_CAMPUS', 'ON_CAMPUS', 'ON_CAMPUS', 'OFF_CAMPUS_CHECKED_OUT', 'OFF_CAMPUS_NOT_CHECKED_OUT'];
  const students: DemoStudent[] = [];
  colleges.forEach((college, collegeIndex) => {
    for (const [category, count, prefix] of mix) {
      for (let i = 0; i < count; i++) {
        const serial = students.length;
        students.push({
          number: `${prefix}${String(collegeIndex + 1).padStart(2, '0')}${String(i + 1).padStart(3, '0')}`,
          name: `${SURNAMES[Math.floor(random() * SURNAMES.length)]}${GIVEN_NAMES[Math.floor(random() * GIVEN_NAMES.length)]}${i % 2 ? GIVEN_NAMES[Math.floor(random() * GIVEN_NAMES.length)] : ''}`,
          nationalId: nationalId(serial, random),
          category,
          collegeCode: college.code,
          campusCode: (collegeIndex + i) % 3 === 0 ? 'FUTURE_CITY' : 'NANWANGSHAN',
          dormitory: dormitories[(serial + collegeIndex) % dormitories.length]!,
          deferred: college.code === 'COMPUTER_SCIENCE' && category === 'UNDERGRADUATE' && i < 2,
        });
      }
    }
  });
  return students;
}

/** An 18-character ID number with a valid GB 11643 check character (some end in X). */
function nationalId(serial: number, random: () => number): string {
  const birth = `199${7 + (serial % 3)}${String(1 + (serial % 12)).padStart(2, '0')}${String(1 + (serial % 28)).padStart(2, '0')}`;
  const body = `420111${birth}${String(Math.floor(random() * 1000)).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((total, digit, i) => total + Number(digit) * weights[i]!, 0);
  return body + '10X98765432'[sum % 11]!;
}

function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高', '欧阳', '诸葛'];
const GIVEN_NAMES = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀',
  '霞',
  '平',
  '刚',
  '桂',
  '婷',
  '浩',
  '宇',
  '欣',
  '怡',
  '梓',
  '晨',
  '睿',
];

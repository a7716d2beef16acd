/** The bulk graduates W3 imports, and the accounts every later scenario logs in with. */
import { hashPassword, INITIAL_PASSWORD_COST } from '../../server/auth/password.js';
import { STUDENT_PASSWORD } from '../lib/context.js';
import type { Target } from '../lib/target.js';

/** GB 11643 check character, as the import validates it. */
function nationalId(serial: number): string {
  const birth = `199${7 + (serial % 3)}${String(1 + (serial % 12)).padStart(2, '0')}${String(1 + (serial % 28)).padStart(2, '0')}`;
  const body = `420111${birth}${String(serial % 1000).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((total, digit, i) => total + Number(digit) * weights[i]!, 0);
  return body + '10X98765432'[sum % 11]!;
}

export interface GeneratedStudent {
  number: string;
  name: string;
  nationalId: string;
  category: 'UNDERGRADUATE' | 'POSTGRADUATE_DUAL' | 'POSTGRADUATE_SINGLE';
  college: { id: string; code: string };
  campus: { id: string; code: string };
  supervisor: { id: string; username: string } | null;
  dormitory: 'ON_CAMPUS' | 'OFF_CAMPUS_CHECKED_OUT' | 'OFF_CAMPUS_NOT_CHECKED_OUT';
}

export async function generateStudents(target: Target, count: number): Promise<GeneratedStudent[]> {
  const { prisma } = target.db;
  const colleges = await prisma.college.findMany({ orderBy: { code: 'asc' } });
  const campuses = await prisma.campus.findMany({ orderBy: { code: 'asc' } });
  // Filtered here: `roles: { has: … }` on an enum array fails through the PGlite adapter ("malformed array literal").
  const supervisors = (await prisma.reviewer.findMany({ orderBy: { username: 'asc' } })).filter((r) => r.roles.includes('SUPERVISOR'));
  const dorms = ['ON_CAMPUS', 'ON_CAMPUS', 'ON_CAMPUS', 'OFF_CAMPUS_CHECKED_OUT', 'OFF_CAMPUS_NOT_CHECKED_OUT'] as const;
  return Array.from({ length: count }, (_, i) => {
    const college = colleges[i % colleges.length]!;
    const bucket = i % 10;
    const category = bucket < 7 ? 'UNDERGRADUATE' : bucket < 9 ? 'POSTGRADUATE_DUAL' : 'POSTGRADUATE_SINGLE';
    const supervisor = category === 'UNDERGRADUATE' ? null : supervisors.find((s) => s.collegeId === college.id)!;
    return {
      number: `B${String(i + 1).padStart(7, '0')}`,
      name: `测试学生${i + 1}`,
      nationalId: nationalId(i),
      category,
      college,
      campus: campuses[Math.floor(i / colleges.length) % campuses.length]!,
      supervisor,
      dormitory: dorms[Math.floor(i / 3) % dorms.length]!,
    } satisfies GeneratedStudent;
  });
}

export function studentsCsv(students: GeneratedStudent[]): Uint8Array {
  const lines = ['number,name,nationalId,category,college,campus,firstSupervisor,dormitory'];
  for (const s of students)
    lines.push([s.number, s.name, s.nationalId, s.category, s.college.code, s.campus.code, s.supervisor?.username ?? '', s.dormitory].join(','));
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

export async function prepareAccounts(target: Target) {
  const hash = await hashPassword(STUDENT_PASSWORD, INITIAL_PASSWORD_COST);
  await target.db.sql.query(`UPDATE "Credential" SET "passwordHash" = $1, "mustChangePassword" = false WHERE "studentId" IS NOT NULL`, [hash]);
  await target.db.sql.query(`UPDATE "Student" SET "surveyCompletedAt" = now() WHERE "surveyCompletedAt" IS NULL`);
  // Fresh statistics after the bulk load, as autovacuum would soon give them: both the server's and the baselines' plans depend on them.
  await target.db.sql.exec('ANALYZE');
}

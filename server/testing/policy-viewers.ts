import type { StaffViewer, StudentViewer, Viewer } from '../auth/viewer.js';
import type { Database } from '../db/client.js';
import type { StaffRole } from '../generated/prisma/enums.js';

/**
 * Viewers for the policy specs, over the demo data: every staff account as it is (each
 * role and scope the demo gives), role combinations and gaps it has none of, a viewer that
 * must still change its password, and two students.
 */
export async function policyViewers(db: Database): Promise<{ name: string; viewer: Viewer | null }[]> {
  const { prisma } = db;
  const accounts = await prisma.reviewer.findMany({ orderBy: { username: 'asc' } });
  const students = await prisma.student.findMany({ orderBy: { number: 'asc' }, take: 2, where: { firstSupervisorId: { not: null } } });
  const college = accounts.find((a) => a.roles.includes('COLLEGE_REVIEWER'))!;
  const campus = accounts.find((a) => a.roles.includes('CAMPUS_REVIEWER'))!;
  const supervisor = accounts.find((a) => a.roles.includes('SUPERVISOR'))!;
  const department = accounts.find((a) => a.roles.includes('DEPARTMENT_REVIEWER'))!;
  const staff = (name: string, roles: StaffRole[], scope: Partial<StaffViewer> = {}) => ({
    name,
    viewer: { ...staffViewerOf(supervisor), roles, departmentId: null, collegeId: null, campusId: null, ...scope },
  });
  return [
    { name: 'nobody', viewer: null },
    ...accounts.map((account) => ({ name: account.username, viewer: staffViewerOf(account) })),
    staff('college reviewer of no college', ['COLLEGE_REVIEWER'], { departmentId: college.departmentId }),
    staff('college reviewer of no department', ['COLLEGE_REVIEWER'], { collegeId: college.collegeId }),
    staff('campus reviewer of no campus', ['CAMPUS_REVIEWER'], { departmentId: campus.departmentId }),
    staff('college admin of no college', ['COLLEGE_ADMIN']),
    staff('supervisor and campus reviewer', ['SUPERVISOR', 'CAMPUS_REVIEWER'], { departmentId: campus.departmentId, campusId: campus.campusId }),
    staff('college and campus reviewer', ['COLLEGE_REVIEWER', 'CAMPUS_REVIEWER'], {
      departmentId: campus.departmentId,
      collegeId: college.collegeId,
      campusId: campus.campusId,
    }),
    staff('integration of a department', ['INTEGRATION'], { departmentId: department.departmentId }),
    staff('integration of no department', ['INTEGRATION']),
    staff('no roles', []),
    {
      name: 'admin before changing the password',
      viewer: { ...staffViewerOf(accounts.find((a) => a.roles.includes('UNIVERSITY_ADMIN'))!), mustChangePassword: true },
    },
    ...students.map((student) => ({ name: `student ${student.number}`, viewer: studentViewer(student.id) })),
  ];
}

/** The viewer a staff account's token gives (a password already changed, no expiry), for calling services directly. */
export function staffViewerOf(account: {
  id: string;
  roles: StaffRole[];
  departmentId: string | null;
  collegeId: string | null;
  campusId: string | null;
}): StaffViewer {
  const { id, roles, departmentId, collegeId, campusId } = account;
  return { kind: 'staff', credentialId: null, reviewerId: id, roles, departmentId, collegeId, campusId, mustChangePassword: false, tokenExpiresAt: null };
}

function studentViewer(studentId: string): StudentViewer {
  return { kind: 'student', credentialId: studentId, studentId, mustChangePassword: false, tokenExpiresAt: new Date(0) };
}

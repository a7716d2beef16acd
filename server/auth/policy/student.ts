import type { Prisma } from '../../generated/prisma/client.js';
import type { StaffViewer, Viewer } from '../viewer.js';

/**
 * Who may see a student's record and sheet: the student; university admins and
 * university-wide department reviewers and integrations; college staff of the
 * student's college; campus staff of the student's campus; their supervisors.
 * The rule exists once, as grants; the predicate and the `where` both read them.
 */

/** The facts about a student that decide which staff may see them. */
export interface StudentScopeFacts {
  id: string;
  collegeId: string;
  campusId: string;
  firstSupervisorId: string | null;
  secondSupervisorId: string | null;
}

/** Load it with a student (or an item's student) to decide visibility without a query of its own. */
export const STUDENT_SCOPE_SELECT = {
  id: true,
  collegeId: true,
  campusId: true,
  firstSupervisorId: true,
  secondSupervisorId: true,
} as const satisfies Record<keyof StudentScopeFacts, true> & Prisma.StudentSelect;

type StudentGrant =
  | { kind: 'everyone' }
  | { kind: 'college'; collegeId: string }
  | { kind: 'campus'; campusId: string }
  | { kind: 'supervised'; reviewerId: string };

/** The students a staff account sees, as a union of grants its roles give it. */
function staffGrants(viewer: StaffViewer): StudentGrant[] {
  const { roles } = viewer;
  if (roles.includes('UNIVERSITY_ADMIN') || roles.includes('DEPARTMENT_REVIEWER') || roles.includes('INTEGRATION')) return [{ kind: 'everyone' }];
  const grants: StudentGrant[] = [];
  if ((roles.includes('COLLEGE_REVIEWER') || roles.includes('COLLEGE_ADMIN')) && viewer.collegeId)
    grants.push({ kind: 'college', collegeId: viewer.collegeId });
  if (roles.includes('CAMPUS_REVIEWER') && viewer.campusId) grants.push({ kind: 'campus', campusId: viewer.campusId });
  if (roles.includes('SUPERVISOR')) grants.push({ kind: 'supervised', reviewerId: viewer.reviewerId });
  return grants;
}

function grantCovers(grant: StudentGrant, student: StudentScopeFacts): boolean {
  switch (grant.kind) {
    case 'everyone':
      return true;
    case 'college':
      return student.collegeId === grant.collegeId;
    case 'campus':
      return student.campusId === grant.campusId;
    case 'supervised':
      return student.firstSupervisorId === grant.reviewerId || student.secondSupervisorId === grant.reviewerId;
  }
}

function grantWhere(grant: StudentGrant): Prisma.StudentWhereInput[] {
  switch (grant.kind) {
    case 'everyone':
      return [{}];
    case 'college':
      return [{ collegeId: grant.collegeId }];
    case 'campus':
      return [{ campusId: grant.campusId }];
    case 'supervised':
      return [{ firstSupervisorId: grant.reviewerId }, { secondSupervisorId: grant.reviewerId }];
  }
}

export function canSeeStudent(viewer: Viewer | null, student: StudentScopeFacts): boolean {
  if (!viewer || viewer.mustChangePassword) return false;
  if (viewer.kind === 'student') return viewer.studentId === student.id;
  return staffGrants(viewer).some((grant) => grantCovers(grant, student));
}

/** canSeeStudent as a database filter, for lists. Null: none at all (skip the query). */
export function visibleStudentsWhere(viewer: Viewer | null): Prisma.StudentWhereInput | null {
  if (!viewer || viewer.mustChangePassword) return null;
  if (viewer.kind === 'student') return { id: viewer.studentId };
  const grants = staffGrants(viewer);
  if (grants.some((grant) => grant.kind === 'everyone')) return {};
  return grants.length ? { OR: grants.flatMap(grantWhere) } : null;
}

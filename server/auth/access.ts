import type { Viewer } from './viewer.js';

/** The facts about a student that decide which staff may see them. */
export interface StudentScopeFacts {
  id: string;
  collegeId: string;
  campusId: string;
  firstSupervisorId: string | null;
  secondSupervisorId: string | null;
}

/**
 * Who may see a student's record and sheet: the student; university admins and
 * university-wide department reviewers and integrations; college staff of the
 * student's college; campus staff of the student's campus; their supervisors.
 */
export function canSeeStudent(viewer: Viewer | null, student: StudentScopeFacts): boolean {
  if (!viewer || viewer.mustChangePassword) return false;
  if (viewer.kind === 'student') return viewer.studentId === student.id;
  const { roles } = viewer;
  if (roles.includes('UNIVERSITY_ADMIN') || roles.includes('DEPARTMENT_REVIEWER') || roles.includes('INTEGRATION')) return true;
  if ((roles.includes('COLLEGE_REVIEWER') || roles.includes('COLLEGE_ADMIN')) && viewer.collegeId === student.collegeId) return true;
  if (roles.includes('CAMPUS_REVIEWER') && viewer.campusId === student.campusId) return true;
  if (roles.includes('SUPERVISOR') && (student.firstSupervisorId === viewer.reviewerId || student.secondSupervisorId === viewer.reviewerId)) return true;
  return false;
}

/** An item as far as deciding it is concerned. */
export interface DecidableItem {
  scope: 'UNIVERSITY' | 'COLLEGE' | 'CAMPUS' | 'SUPERVISOR' | 'SELF';
  departmentId: string;
  student: StudentScopeFacts;
}

/**
 * Who may review an item: the template's department, narrowed by its scope
 * kind; supervisor items only by the first supervisor; survey items only by the
 * student. Integrations act for their department's university-wide items.
 */
export function canReview(viewer: Viewer | null, item: DecidableItem): boolean {
  if (!viewer || viewer.mustChangePassword) return false;
  if (viewer.kind === 'student') return item.scope === 'SELF' && viewer.studentId === item.student.id;
  const { roles } = viewer;
  const ownDepartment = viewer.departmentId === item.departmentId;
  switch (item.scope) {
    case 'UNIVERSITY':
      return ownDepartment && (roles.includes('DEPARTMENT_REVIEWER') || roles.includes('INTEGRATION'));
    case 'COLLEGE':
      return ownDepartment && roles.includes('COLLEGE_REVIEWER') && viewer.collegeId === item.student.collegeId;
    case 'CAMPUS':
      return ownDepartment && roles.includes('CAMPUS_REVIEWER') && viewer.campusId === item.student.campusId;
    case 'SUPERVISOR':
      return roles.includes('SUPERVISOR') && item.student.firstSupervisorId === viewer.reviewerId;
    case 'SELF':
      return false;
  }
}

/** Waiving and un-waiving are administrative: university admins only. */
export function canAdminister(viewer: Viewer | null): boolean {
  return viewer?.kind === 'staff' && !viewer.mustChangePassword && viewer.roles.includes('UNIVERSITY_ADMIN');
}

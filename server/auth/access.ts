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

import type { Viewer } from '../auth/viewer.js';
import type { Prisma } from '../generated/prisma/client.js';

/**
 * canSeeStudent (auth/access.ts) as a database filter, for lists: which students'
 * records a viewer may read. Null: none at all.
 */
export function visibleStudents(viewer: Viewer | null): Prisma.StudentWhereInput | null {
  if (!viewer || viewer.mustChangePassword) return null;
  if (viewer.kind === 'student') return { id: viewer.studentId };
  const { roles } = viewer;
  if (roles.includes('UNIVERSITY_ADMIN') || roles.includes('DEPARTMENT_REVIEWER') || roles.includes('INTEGRATION')) return {};
  const any: Prisma.StudentWhereInput[] = [];
  if ((roles.includes('COLLEGE_REVIEWER') || roles.includes('COLLEGE_ADMIN')) && viewer.collegeId) any.push({ collegeId: viewer.collegeId });
  if (roles.includes('CAMPUS_REVIEWER') && viewer.campusId) any.push({ campusId: viewer.campusId });
  if (roles.includes('SUPERVISOR')) any.push({ firstSupervisorId: viewer.reviewerId }, { secondSupervisorId: viewer.reviewerId });
  return any.length ? { OR: any } : null;
}

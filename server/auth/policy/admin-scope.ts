import { Prisma } from '../../generated/prisma/client.js';
import type { Viewer } from '../viewer.js';

/**
 * The part of a cohort an administrator reads and acts on (statistics, the summary
 * export, reminders): a university admin all of it, a college admin their own college.
 */
export interface AdminScope {
  /** Null: every college. */
  collegeId: string | null;
}

/** Null: not an administrator (FORBIDDEN). */
export function adminScopeOf(viewer: Viewer | null): AdminScope | null {
  if (viewer?.kind !== 'staff' || viewer.mustChangePassword) return null;
  if (viewer.roles.includes('UNIVERSITY_ADMIN')) return { collegeId: null };
  if (viewer.roles.includes('COLLEGE_ADMIN') && viewer.collegeId) return { collegeId: viewer.collegeId };
  return null;
}

/**
 * The college a request covers (null: every college): the one it names, or the
 * admin's own when it names none; false when it names one outside the scope (FORBIDDEN).
 */
export function collegeOfRequest(scope: AdminScope, requestedCollegeId: string | null): string | null | false {
  if (scope.collegeId === null) return requestedCollegeId;
  if (requestedCollegeId !== null && requestedCollegeId !== scope.collegeId) return false;
  return scope.collegeId;
}

/** The students of a request's college (collegeOfRequest) in SQL, over the column holding a student's college. */
export function collegeCondition(collegeId: string | null, column: Prisma.Sql): Prisma.Sql {
  return collegeId ? Prisma.sql`${column} = ${collegeId}::uuid` : Prisma.sql`TRUE`;
}

/** Waiving and un-waiving are administrative: university admins only. */
export function canAdminister(viewer: Viewer | null): boolean {
  return viewer?.kind === 'staff' && !viewer.mustChangePassword && viewer.roles.includes('UNIVERSITY_ADMIN');
}

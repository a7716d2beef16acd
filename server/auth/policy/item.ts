import type { Prisma } from '../../generated/prisma/client.js';
import type { Viewer } from '../viewer.js';
import { canSeeStudent, STUDENT_SCOPE_SELECT } from './student.js';

/**
 * A clearance item is visible to whoever may see its student (the student, staff in
 * scope); anyone else gets FORBIDDEN and null.
 */

/**
 * Loaded with every item (a join in the same statement), so the visibility check costs no
 * query of its own. Resolvers that return items from a plain Prisma call must include it too.
 */
export const ITEM_VISIBILITY_INCLUDE = {
  student: { select: STUDENT_SCOPE_SELECT },
} as const satisfies Prisma.ClearanceItemInclude;

export type ItemWithVisibility = Prisma.ClearanceItemGetPayload<{ include: typeof ITEM_VISIBILITY_INCLUDE }>;

export function canSeeItem(viewer: Viewer | null, item: Pick<ItemWithVisibility, 'student'>): boolean {
  return canSeeStudent(viewer, item.student);
}

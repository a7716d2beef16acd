import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { visibleStudentsWhere } from '../../auth/policy/student.js';

/**
 * Looking a student up by number or name, for staff, within their scope (a college admin sees their
 * college, a university admin everyone), across every cohort: a deferred student is found in the
 * cohort they moved to, which the review queue of the original cohort no longer lists.
 */

export const STUDENT_PAGE_MAX = 100;
const SEARCH_MAX_LENGTH = 64;

builder.queryField('student', (t) =>
  t.prismaField({
    type: 'Student',
    nullable: true,
    description: "The student with this number (学号), if the viewer's scope includes them; null otherwise. Staff only.",
    authScopes: { staff: true },
    args: { number: t.arg.string({ required: true }) },
    resolve: (query, _root, { number }, ctx) => {
      const scope = visibleStudentsWhere(ctx.viewer);
      if (!scope) return null;
      return ctx.db.prisma.student.findFirst({ ...query, where: { AND: [scope, { number: number.trim() }] } });
    },
  }),
);

builder.queryField('students', (t) =>
  t.prismaConnection({
    type: 'Student',
    cursor: 'number',
    maxSize: STUDENT_PAGE_MAX,
    defaultSize: 20,
    description:
      `Students in the viewer's scope, by number: \`search\` matches the start of a number or any part of a name; ` +
      `\`cohortYear\` keeps one cohort (deferred students are in the cohort they moved to). At most ${STUDENT_PAGE_MAX} a page. Staff only.`,
    authScopes: { staff: true },
    args: {
      search: t.arg.string({ required: false }),
      cohortYear: t.arg.int({ required: false }),
    },
    resolve: (query, _root, { search, cohortYear }, ctx) => {
      const scope = visibleStudentsWhere(ctx.viewer);
      if (!scope) return [];
      const text = search?.trim() ?? '';
      if (text.length > SEARCH_MAX_LENGTH) throw new AppError('INVALID_INPUT', { detail: `search: at most ${SEARCH_MAX_LENGTH} characters`, field: 'search' });
      const filters: Prisma.StudentWhereInput[] = [scope];
      if (text) filters.push({ OR: [{ number: { startsWith: text } }, { name: { contains: text } }] });
      if (cohortYear != null) filters.push({ cohort: { year: cohortYear } });
      return ctx.db.prisma.student.findMany({ ...query, where: { AND: filters }, orderBy: { number: 'asc' } });
    },
  }),
);

import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { readCohortStats, type StatsFilter } from '../../services/stats.js';
import { StudentCategoryEnum } from '../enums.js';
import { CohortStatsRef } from './stats.type.js';

export interface StatsArgs {
  year: number;
  collegeCode?: string | null;
  campusCode?: string | null;
  category?: StatsFilter['category'];
}

/**
 * The filter a viewer may read: university admins anything; college admins
 * their own college only (asking for none means theirs).
 */
export async function statsFilterFor(ctx: Context, args: StatsArgs): Promise<StatsFilter> {
  const viewer = ctx.viewer;
  if (viewer?.kind !== 'staff') throw new AppError('FORBIDDEN');
  const { prisma } = ctx.db;
  const cohort = await prisma.cohort.findUnique({ where: { year: args.year } });
  if (!cohort) throw new AppError('NOT_FOUND');
  const college = args.collegeCode ? await prisma.college.findUnique({ where: { code: args.collegeCode } }) : null;
  if (args.collegeCode && !college) throw new AppError('NOT_FOUND');
  const campus = args.campusCode ? await prisma.campus.findUnique({ where: { code: args.campusCode } }) : null;
  if (args.campusCode && !campus) throw new AppError('NOT_FOUND');
  let collegeId = college?.id ?? null;
  if (!viewer.roles.includes('UNIVERSITY_ADMIN')) {
    if (!viewer.roles.includes('COLLEGE_ADMIN') || !viewer.collegeId) throw new AppError('FORBIDDEN');
    if (collegeId && collegeId !== viewer.collegeId) throw new AppError('FORBIDDEN');
    collegeId = viewer.collegeId;
  }
  return { cohortId: cohort.id, collegeId, campusId: campus?.id ?? null, category: args.category ?? null };
}

export const statsArgs = builder.args((t) => ({
  year: t.int({ required: true }),
  collegeCode: t.string(),
  campusCode: t.string(),
  category: t.field({ type: StudentCategoryEnum }),
}));

builder.queryField('cohortStats', (t) =>
  t.field({
    type: CohortStatsRef,
    description: 'University admins: any part of a cohort. College admins: their own college.',
    authScopes: { role: ['UNIVERSITY_ADMIN', 'COLLEGE_ADMIN'] },
    args: statsArgs,
    resolve: async (_root, args, ctx) => readCohortStats(ctx.db.prisma, await statsFilterFor(ctx, args)),
  }),
);

import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import type { StudentCategory } from '../../domain/index.js';
import { readCohortStats, type CohortStatsData } from '../../services/stats.js';
import { StudentCategoryEnum } from '../enums.js';
import { CohortStatsRef } from './stats.type.js';

export interface StatsArgs {
  year: number;
  collegeCode?: string | null;
  campusCode?: string | null;
  category?: StudentCategory | null;
}

/**
 * The statistics a viewer may read, in one statement: university admins anything; college
 * admins their own college only (asking for none means theirs, asking for another is refused).
 */
export async function cohortStatsFor(ctx: Context, args: StatsArgs): Promise<CohortStatsData> {
  const viewer = ctx.viewer;
  if (viewer?.kind !== 'staff') throw new AppError('FORBIDDEN');
  const admin = viewer.roles.includes('UNIVERSITY_ADMIN');
  if (!admin && (!viewer.roles.includes('COLLEGE_ADMIN') || !viewer.collegeId)) throw new AppError('FORBIDDEN');
  const onlyCollegeId = admin ? null : viewer.collegeId;
  const answer = await readCohortStats(ctx.db.prisma, { ...args, onlyCollegeId });
  if (!answer.found) throw new AppError('NOT_FOUND');
  if (onlyCollegeId && answer.requestedCollegeId && answer.requestedCollegeId !== onlyCollegeId) throw new AppError('FORBIDDEN');
  return answer.stats;
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
    resolve: (_root, args, ctx) => cohortStatsFor(ctx, args),
  }),
);

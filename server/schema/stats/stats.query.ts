import { adminScopeOf, collegeOfRequest } from '../../auth/policy/admin-scope.js';
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

/** The statistics of the viewer's admin scope, in one statement (asking a college admin for none means theirs). */
export async function cohortStatsFor(ctx: Context, args: StatsArgs): Promise<CohortStatsData> {
  const scope = adminScopeOf(ctx.viewer);
  if (!scope) throw new AppError('FORBIDDEN');
  const answer = await readCohortStats(ctx.db.sql, { ...args, onlyCollegeId: scope.collegeId });
  if (!answer.found) throw new AppError('NOT_FOUND');
  if (collegeOfRequest(scope, answer.requestedCollegeId) === false) throw new AppError('FORBIDDEN');
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

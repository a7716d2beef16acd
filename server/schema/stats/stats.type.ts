import { builder } from '../../builder.js';
import type { CohortStatsData, CollegeStats, StatusCounts, TemplateStats } from '../../services/stats.js';

const StatusCountsRef = builder.interfaceRef<StatusCounts>('StatusCounts').implement({
  description: 'Items by status; `required` is everything but WAIVED.',
  fields: (t) => ({
    required: t.exposeInt('required'),
    approved: t.exposeInt('approved'),
    rejected: t.exposeInt('rejected'),
    pending: t.exposeInt('pending'),
    locked: t.exposeInt('locked'),
    waived: t.exposeInt('waived'),
    outstanding: t.exposeInt('outstanding', { description: 'Required and not approved yet: pending + rejected + locked.' }),
  }),
});

export const ItemStatsRef = builder.objectRef<TemplateStats>('ItemStats').implement({
  description: 'How many graduates stand where on one item of the sheet.',
  interfaces: [StatusCountsRef],
  fields: (t) => ({
    // Read with the counters; relations a client selects on it load on their own.
    template: t.prismaField({ type: 'ItemTemplate', resolve: (_query, stats) => stats.template }),
  }),
});

export const CollegeStatsRef = builder.objectRef<CollegeStats>('CollegeStats').implement({
  interfaces: [StatusCountsRef],
  fields: (t) => ({
    college: t.prismaField({ type: 'College', resolve: (_query, stats) => stats.college }),
    graduates: t.exposeInt('graduates', { description: 'Graduates of this cohort (deferred ones have left it).' }),
    cleared: t.exposeInt('cleared'),
    clearedRate: t.float({ resolve: (stats) => (stats.graduates ? stats.cleared / stats.graduates : 0) }),
  }),
});

export const CohortStatsRef = builder.objectRef<CohortStatsData>('CohortStats').implement({
  description: "Live clearance statistics of a cohort, or of the part of it in the viewer's scope (离校各环节办理情况统计).",
  fields: (t) => ({
    cohort: t.prismaField({ type: 'Cohort', resolve: (_query, stats) => stats.cohort }),
    graduates: t.exposeInt('graduates', { description: 'Graduates who must clear now; deferred students are not counted.' }),
    cleared: t.exposeInt('cleared'),
    clearedRate: t.float({ resolve: (stats) => (stats.graduates ? stats.cleared / stats.graduates : 0) }),
    items: t.field({
      type: [ItemStatsRef],
      description: 'Per item of the sheet.',
      resolve: (stats) => stats.items,
    }),
    colleges: t.field({ type: [CollegeStatsRef], resolve: (stats) => stats.colleges }),
    topBlockers: t.field({
      type: [ItemStatsRef],
      description: 'The items (and so departments) holding up the most graduates, most first.',
      args: { first: t.arg.int({ defaultValue: 5 }) },
      resolve: (stats, { first }) =>
        [...stats.items]
          .filter((item) => item.outstanding > 0)
          .sort((a, b) => b.outstanding - a.outstanding)
          .slice(0, Math.min(Math.max(first ?? 5, 0), 50)),
    }),
    oldestWaiting: t.prismaField({
      type: ['ClearanceItem'],
      description: 'Items waiting longest for a decision.',
      args: { first: t.arg.int({ defaultValue: 10 }) },
      resolve: (query, stats, { first }, ctx) =>
        ctx.db.prisma.clearanceItem.findMany({
          ...query,
          where: {
            cohortId: stats.filter.cohortId,
            status: 'PENDING',
            student: {
              cohortId: stats.filter.cohortId,
              ...(stats.filter.collegeId ? { collegeId: stats.filter.collegeId } : {}),
              ...(stats.filter.campusId ? { campusId: stats.filter.campusId } : {}),
              ...(stats.filter.category ? { category: stats.filter.category } : {}),
            },
          },
          orderBy: [{ waitingSince: 'asc' }, { id: 'asc' }],
          take: Math.min(Math.max(first ?? 10, 0), 100),
        }),
    }),
  }),
});

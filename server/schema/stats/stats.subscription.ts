import { builder } from '../../builder.js';
import { coalesce } from '../../pubsub-operators.js';
import { cohortStatsFor, statsArgs, type StatsArgs } from './stats.query.js';
import { CohortStatsRef } from './stats.type.js';

/** Dashboards want the latest numbers, not every change: one event per second at most. */
const STATS_INTERVAL_MS = 1000;

builder.subscriptionField('cohortStatsUpdated', (t) =>
  t.field({
    type: CohortStatsRef,
    description: 'The cohortStats numbers now, then again whenever they change: at most once a second, always the latest state.',
    authScopes: { role: ['UNIVERSITY_ADMIN', 'COLLEGE_ADMIN'] },
    args: statsArgs,
    subscribe: async (_root, args, ctx) => {
      const { filter } = await cohortStatsFor(ctx, args);
      return mapTicks(coalesce(ctx.pubsub.changes('cohort:items', filter.cohortId), STATS_INTERVAL_MS), args);
    },
    resolve: (_tick: StatsArgs, args, ctx) => cohortStatsFor(ctx, args),
  }),
);

async function* mapTicks(ticks: AsyncIterableIterator<void>, args: StatsArgs) {
  try {
    for await (const _ of ticks) yield args;
  } finally {
    await ticks.return?.();
  }
}

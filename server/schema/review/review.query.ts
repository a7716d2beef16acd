import { queryFromInfo } from '@pothos/plugin-prisma';
import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { leanFindMany } from '../../services/lean-read.js';
import { loadQueuePage, QUEUE_DEFAULT_SIZE, QUEUE_MAX_SIZE, type StatusCounts } from '../../services/review-queue.js';
import type { ItemWithVisibility } from '../../auth/policy/item.js';
import { ClearanceItemRef } from '../clearance/clearance-item.type.js';
import { ReviewQueueFilter, StatusCountsRef } from './review.type.js';

/**
 * The page's items as the selection asks for them: one lean statement of the asked columns
 * (Prisma's client costs more CPU than the read), Prisma for a selection it does not compile.
 * The query carries the type's own include (ITEM_VISIBILITY_INCLUDE); Prisma's static type cannot see it.
 */
async function readItems(ctx: Context, query: Record<string, unknown>, ids: string[]): Promise<Map<string, ItemWithVisibility>> {
  const lean = await leanFindMany<ItemWithVisibility>(ctx.db.sql, 'ClearanceItem', query, ids);
  if (lean) return lean;
  const items = (await ctx.db.prisma.clearanceItem.findMany({ ...query, where: { id: { in: ids } } })) as ItemWithVisibility[];
  return new Map(items.map((item) => [item.id, item]));
}

builder.queryField('reviewQueue', (t) =>
  t.withAuth({ staff: true }).connection(
    {
      type: ClearanceItemRef,
      description:
        'The items the viewer reviews, oldest waiting first (waitingSince, then id; items not waiting come last). ' +
        `Forward paging only: first (default ${QUEUE_DEFAULT_SIZE}, at most ${QUEUE_MAX_SIZE}) and after. ` +
        'LOCKED items are listed but not decidable.',
      args: { filter: t.arg({ type: ReviewQueueFilter, required: false }) },
      resolve: async (_root, args, ctx, info) => {
        if (args.last != null || args.before != null)
          throw new AppError('INVALID_INPUT', { detail: 'the queue pages forward only (first/after)', field: 'last' });
        if (args.first != null && args.first < 0) throw new AppError('INVALID_INPUT', { detail: 'first must not be negative', field: 'first' });
        const first = Math.min(args.first ?? QUEUE_DEFAULT_SIZE, QUEUE_MAX_SIZE);
        const filter = args.filter ?? {};
        const page = await loadQueuePage(ctx.db.prisma, ctx.viewer, filter, { first, after: args.after ?? null });
        const ids = page.rows.map((row) => row.id);
        const query = queryFromInfo({ context: ctx, info, path: ['edges', 'node'] });
        const byId = ids.length ? await readItems(ctx, query, ids) : new Map<string, ItemWithVisibility>();
        const edges = page.rows.flatMap((row) => {
          const node = byId.get(row.id);
          return node ? [{ cursor: row.cursor, node }] : [];
        });
        return {
          edges,
          pageInfo: {
            startCursor: edges[0]?.cursor ?? null,
            endCursor: edges.at(-1)?.cursor ?? null,
            hasNextPage: page.hasNextPage,
            hasPreviousPage: args.after != null,
          },
          counts: page.counts,
        };
      },
    },
    {
      name: 'ReviewQueueConnection',
      fields: (c) => ({
        counts: c.field({
          type: StatusCountsRef,
          description: 'Items per status for the same filter, ignoring its status part.',
          resolve: (connection) => (connection as unknown as { counts: StatusCounts }).counts,
        }),
      }),
    },
  ),
);

import { builder } from '../../builder.js';
import { ITEM_VISIBILITY_INCLUDE } from '../../auth/policy/item.js';
import { ClearanceItemRef } from '../clearance/clearance-item.type.js';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { decideOne, requireReason } from '../review/decide.js';
import { decodeId } from '../global-id.js';

async function findItem(ctx: Context, globalId: string) {
  const id = decodeId(globalId, 'ClearanceItem');
  if (!id) return null;
  return ctx.db.prisma.clearanceItem.findUnique({ where: { id }, select: { status: true, version: true } });
}

builder.mutationFields((t) => ({
  waiveItem: t.withAuth({ role: 'UNIVERSITY_ADMIN' }).field({
    type: ClearanceItemRef,
    description: 'Exempts a student from an item (any state → WAIVED), with a reason. University admins only.',
    errors: {},
    args: {
      id: t.arg.id({ required: true }),
      expectedVersion: t.arg.int({ required: true }),
      reason: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, ctx) => {
      const reason = requireReason(args.reason);
      const actorId = ctx.viewer.reviewerId;
      const itemId = await decideOne(
        ctx,
        { id: String(args.id), expectedVersion: args.expectedVersion },
        { to: 'WAIVED', reason, source: 'ADMIN' },
        (tx, itemId) => tx.adminAction.create({ data: { actorId, kind: 'WAIVE_ITEM', payload: { itemId, reason } } }).then(() => undefined),
      );
      return ctx.db.prisma.clearanceItem.findUniqueOrThrow({ where: { id: itemId }, include: ITEM_VISIBILITY_INCLUDE });
    },
  }),
  unwaiveItem: t.withAuth({ role: 'UNIVERSITY_ADMIN' }).field({
    type: ClearanceItemRef,
    description: 'Withdraws an exemption (WAIVED → PENDING, or LOCKED while a prerequisite is open). University admins only.',
    errors: {},
    args: {
      id: t.arg.id({ required: true }),
      expectedVersion: t.arg.int({ required: true }),
    },
    resolve: async (_root, args, ctx) => {
      // WAIVED → PENDING only: the same change from REJECTED is a reopen, not an un-waiver.
      const current = await findItem(ctx, String(args.id));
      if (current && current.version === args.expectedVersion && current.status !== 'WAIVED') throw new AppError('INVALID_TRANSITION');
      const actorId = ctx.viewer.reviewerId;
      const itemId = await decideOne(ctx, { id: String(args.id), expectedVersion: args.expectedVersion }, { to: 'PENDING', source: 'ADMIN' }, (tx, itemId) =>
        tx.adminAction.create({ data: { actorId, kind: 'UNWAIVE_ITEM', payload: { itemId } } }).then(() => undefined),
      );
      return ctx.db.prisma.clearanceItem.findUniqueOrThrow({ where: { id: itemId }, include: ITEM_VISIBILITY_INCLUDE });
    },
  }),
}));

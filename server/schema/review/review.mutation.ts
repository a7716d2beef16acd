import { builder } from '../../builder.js';
import { ITEM_VISIBILITY_INCLUDE } from '../../auth/policy/item.js';
import { ClearanceItemRef } from '../clearance/clearance-item.type.js';
import { decideBatch, decideOne, requireReason } from './decide.js';
import { DecisionReportRef, ItemRefInput } from './review.type.js';

/** Staff who review items; integrations use syncClearanceResults, students their own journey. */
const REVIEWING_ROLES = ['DEPARTMENT_REVIEWER', 'COLLEGE_REVIEWER', 'CAMPUS_REVIEWER', 'SUPERVISOR', 'COLLEGE_ADMIN', 'UNIVERSITY_ADMIN'] as const;

builder.mutationFields((t) => ({
  approveItems: t.field({
    type: DecisionReportRef,
    description: 'Approves 1–1000 items (集中批量审核). Each item is checked on its own: a stale version answers CONFLICT for that item only.',
    authScopes: { role: [...REVIEWING_ROLES] },
    errors: {},
    args: { items: t.arg({ type: [ItemRefInput], required: true }) },
    resolve: (_root, args, ctx) => decideBatch(ctx, args.items, { to: 'APPROVED', source: 'REVIEWER' }),
  }),
  rejectItems: t.field({
    type: DecisionReportRef,
    description: 'Rejects 1–1000 items with one reason, shown to the students.',
    authScopes: { role: [...REVIEWING_ROLES] },
    errors: {},
    args: {
      items: t.arg({ type: [ItemRefInput], required: true }),
      reason: t.arg.string({ required: true }),
    },
    resolve: (_root, args, ctx) => decideBatch(ctx, args.items, { to: 'REJECTED', reason: requireReason(args.reason), source: 'REVIEWER' }),
  }),
  reopenItem: t.withAuth({ role: [...REVIEWING_ROLES] }).field({
    type: ClearanceItemRef,
    description: 'A rejected item waits for review again (REJECTED → PENDING): by a reviewer in scope, or a university admin.',
    errors: {},
    args: {
      id: t.arg.id({ required: true }),
      expectedVersion: t.arg.int({ required: true }),
    },
    resolve: async (_root, args, ctx) => {
      const admin = ctx.viewer.roles.includes('UNIVERSITY_ADMIN');
      const itemId = await decideOne(
        ctx,
        { id: String(args.id), expectedVersion: args.expectedVersion },
        { to: 'PENDING', source: admin ? 'ADMIN' : 'REVIEWER' },
      );
      return ctx.db.prisma.clearanceItem.findUniqueOrThrow({ where: { id: itemId }, include: ITEM_VISIBILITY_INCLUDE });
    },
  }),
}));

import { canSeeItem, ITEM_VISIBILITY_INCLUDE } from '../../auth/policy/item.js';
import { builder } from '../../builder.js';
import { DecisionSourceEnum, ItemStatusEnum } from '../enums.js';
import { localized } from '../localized.js';

/** One item of a student's clearance sheet, visible as auth/policy/item.ts says. */
export const ClearanceItemRef = builder.prismaNode('ClearanceItem', {
  id: { field: 'id' },
  include: ITEM_VISIBILITY_INCLUDE,
  authScopes: (item, ctx) => canSeeItem(ctx.viewer, item),
  fields: (t) => ({
    code: t.string({ select: { template: { select: { code: true } } }, resolve: (item) => item.template.code }),
    sequence: t.int({ select: { template: { select: { sequence: true } } }, resolve: (item) => item.template.sequence }),
    name: t.string({
      select: { template: { select: { nameZh: true, nameEn: true } } },
      resolve: (item, _args, ctx) => localized(ctx, item.template.nameZh, item.template.nameEn),
    }),
    status: t.field({ type: ItemStatusEnum, resolve: (item) => item.status }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why it was rejected or waived, or the policy that approved it.' }),
    source: t.field({ type: DecisionSourceEnum, nullable: true, resolve: (item) => item.source }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
    decidedBy: t.relation('decidedBy', { nullable: true }),
    externalRef: t.exposeString('externalRef', { nullable: true, description: 'The department system\'s reference, for items set by a sync.' }),
    syncedAt: t.expose('syncedAt', { type: 'DateTime', nullable: true }),
    observedAt: t.expose('observedAt', { type: 'DateTime', nullable: true }),
    waitingSince: t.expose('waitingSince', { type: 'DateTime', nullable: true, description: 'Since when the item waits for a decision.' }),
    version: t.exposeInt('version', { description: 'Send it back with a decision: a changed item answers CONFLICT.' }),
    template: t.relation('template'),
    student: t.relation('student'),
  }),
});

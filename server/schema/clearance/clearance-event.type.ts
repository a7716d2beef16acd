import { builder } from '../../builder.js';
import { DecisionSourceEnum, ItemStatusEnum } from '../enums.js';

export const ClearanceEventRef = builder.prismaObject('ClearanceEvent', {
  description: 'One change of an item: who or what, when, from, to, and why.',
  fields: (t) => ({
    seq: t.string({ description: 'Orders all changes; a 64-bit number, as a string.', resolve: (event) => event.seq.toString() }),
    fromStatus: t.field({ type: ItemStatusEnum, nullable: true, description: "Null for the item's creation.", resolve: (event) => event.fromStatus }),
    toStatus: t.field({ type: ItemStatusEnum, description: 'For a removal, the status the item had.', resolve: (event) => event.toStatus }),
    removed: t.exposeBoolean('removed', {
      description: "The change removed the item from the sheet (a deferral's undecided items): `item` is null from then on.",
    }),
    reason: t.exposeString('reason', { nullable: true }),
    source: t.field({ type: DecisionSourceEnum, resolve: (event) => event.source }),
    actor: t.relation('actorReviewer', { nullable: true, description: 'The staff account that made the change, when one did.' }),
    at: t.expose('createdAt', { type: 'DateTime' }),
    item: t.relation('item', { nullable: true, description: 'The item as it is now; null if it was removed (e.g. after a deferral).' }),
    template: t.relation('template'),
    student: t.relation('student'),
  }),
});

import { builder } from '../../builder.js';
import { MAX_IDEMPOTENCY_KEY_LENGTH, MAX_SYNC_ROWS, syncResults, type SyncReply, type SyncRowOutcome } from '../../services/sync.js';
import { ItemStatusEnum } from '../enums.js';
import { itemError, itemGlobalId, ItemErrorRef } from './review.type.js';

const SyncResultStatusEnum = builder.enumType('SyncResultStatus', {
  description: "The result a department system reports for a student's item.",
  values: ['APPROVED', 'REJECTED'] as const,
});

const SyncResultInput = builder.inputType('SyncResultInput', {
  fields: (t) => ({
    studentNumber: t.string({ required: true, description: '学号' }),
    status: t.field({ type: SyncResultStatusEnum, required: true }),
    reason: t.string({ required: false, description: 'Required for REJECTED: shown to the student.' }),
    externalRef: t.string({ required: false, description: "The department system's own reference, kept on the item." }),
    observedAt: t.field({
      type: 'DateTime',
      required: true,
      description: 'When the department system observed the result; an older result than the stored one is ignored (STALE).',
    }),
    itemCode: t.string({ required: false, description: "Only for a department with more than one university-wide item: the item's code." }),
  }),
});

const SyncOutcomeRef = builder.objectRef<SyncRowOutcome>('SyncOutcome').implement({
  description: 'What happened to one result row.',
  fields: (t) => ({
    row: t.int({ description: 'Index of the row in `results`.', resolve: (o) => o.row }),
    studentNumber: t.string({ resolve: (o) => o.studentNumber }),
    itemId: t.id({
      nullable: true,
      description: 'Global ClearanceItem id, when the row named an item.',
      resolve: (o) => (o.itemId ? itemGlobalId(o.itemId) : null),
    }),
    ok: t.boolean({ resolve: (o) => o.ok }),
    status: t.field({ type: ItemStatusEnum, nullable: true, resolve: (o) => o.status }),
    version: t.int({ nullable: true, resolve: (o) => o.version }),
    error: t.field({
      type: ItemErrorRef,
      nullable: true,
      description: 'NOT_FOUND (unknown student or no such item), STALE, ITEM_LOCKED, ALREADY_IN_STATE, REASON_REQUIRED, …',
      resolve: (o) => itemError(o.code),
    }),
  }),
});

const SyncReportRef = builder.objectRef<SyncReply>('SyncReport').implement({
  fields: (t) => ({
    idempotencyKey: t.string({ resolve: (r) => r.idempotencyKey }),
    replayed: t.boolean({
      description: 'True when this key was seen before: the first reply is returned and nothing is applied again.',
      resolve: (r) => r.replayed,
    }),
    outcomes: t.field({ type: [SyncOutcomeRef], resolve: (r) => r.outcomes }),
    applied: t.int({ resolve: (r) => r.outcomes.filter((o) => o.ok).length }),
    stale: t.int({ resolve: (r) => r.outcomes.filter((o) => o.code === 'STALE').length }),
    failed: t.int({ resolve: (r) => r.outcomes.filter((o) => !o.ok && o.code !== 'STALE').length }),
  }),
});

builder.mutationField('syncClearanceResults', (t) =>
  t.withAuth({ role: 'INTEGRATION' }).field({
    type: SyncReportRef,
    description:
      `For department systems (Authorization: Bearer lxi_…): up to ${MAX_SYNC_ROWS} results for the department's university-wide items. ` +
      `Send a fresh idempotencyKey (at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters) per batch; resending the same batch with the same key returns the first reply.`,
    errors: {},
    args: {
      idempotencyKey: t.arg.string({ required: true }),
      results: t.arg({ type: [SyncResultInput], required: true }),
    },
    resolve: (_root, args, ctx) => syncResults(ctx, ctx.viewer, args.idempotencyKey, args.results),
  }),
);

import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../../builder.js';
import type { ItemStatus } from '../../domain/index.js';
import type { ErrorCode } from '../../errors.js';
import { formatMessage } from '../../i18n/index.js';
import type { ChangeOutcome } from '../../services/decisions.js';
import type { StatusCounts } from '../../services/review-queue.js';
import { ItemStatusEnum, StudentCategoryEnum } from '../enums.js';
import { ErrorCodeEnum, ErrorInterface } from '../error/error.type.js';

/** Largest batch one approveItems / rejectItems call takes. */
export const MAX_BATCH = 1000;

export function itemGlobalId(id: string): string {
  return encodeGlobalID('ClearanceItem', id);
}

export const ItemRefInput = builder.inputType('ItemRefInput', {
  description: 'An item to decide, with the version the reviewer saw: a changed item answers CONFLICT for that item only.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ClearanceItem id.' }),
    expectedVersion: t.int({ required: true }),
  }),
});

export const ReviewQueueFilter = builder.inputType('ReviewQueueFilter', {
  fields: (t) => ({
    status: t.field({ type: [ItemStatusEnum], required: false, description: 'Only these statuses on the page (the counts ignore it).' }),
    cohortYear: t.int({ required: false }),
    collegeCode: t.string({ required: false }),
    category: t.field({ type: StudentCategoryEnum, required: false }),
    campusCode: t.string({ required: false }),
    search: t.string({ required: false, description: 'A student-number prefix or a part of the name.' }),
  }),
});

export const StatusCountsRef = builder.objectRef<StatusCounts>('ItemStatusCounts').implement({
  description: "How many items of a queue are in each status, for the queue's filter without its status part.",
  fields: (t) => ({
    locked: t.int({ resolve: (c) => c.LOCKED }),
    pending: t.int({ resolve: (c) => c.PENDING }),
    approved: t.int({ resolve: (c) => c.APPROVED }),
    rejected: t.int({ resolve: (c) => c.REJECTED }),
    waived: t.int({ resolve: (c) => c.WAIVED }),
    total: t.int({ resolve: (c) => c.total }),
  }),
});

/**
 * Why one line of a batch failed. An object rather than a DomainError value:
 * GraphQL treats an Error returned by a resolver as a field error.
 */
export interface ItemErrorShape {
  code: ErrorCode;
  params: Record<string, string | number>;
}

export const ItemErrorRef = builder.objectRef<ItemErrorShape>('ItemError').implement({
  description: "The failure of one item of a batch: `code` for programs, `message` (in the request's language) for people.",
  interfaces: [ErrorInterface as never],
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'code' in value && 'params' in value && !(value instanceof Error),
  fields: (t) => ({
    code: t.field({ type: ErrorCodeEnum, resolve: (error) => error.code }),
    message: t.string({ resolve: (error, _args, ctx) => formatMessage(error.code, ctx.locale, error.params) }),
  }),
});

export const itemError = (code: ErrorCode | null): ItemErrorShape | null => (code ? { code, params: {} } : null);

export interface ItemOutcome {
  id: string;
  ok: boolean;
  status: ItemStatus | null;
  version: number | null;
  code: ErrorCode | null;
}

export function toItemOutcome(outcome: ChangeOutcome, requestedId: string): ItemOutcome {
  return outcome.ok
    ? { id: itemGlobalId(outcome.itemId), ok: true, status: outcome.status, version: outcome.version, code: null }
    : { id: requestedId, ok: false, status: null, version: null, code: outcome.code };
}

export const ItemOutcomeRef = builder.objectRef<ItemOutcome>('ItemOutcome').implement({
  description: 'What happened to one requested item: its new status and version, or why it was left unchanged.',
  fields: (t) => ({
    id: t.id({ description: 'The global ClearanceItem id (as sent when it could not be read).', resolve: (o) => o.id }),
    ok: t.boolean({ resolve: (o) => o.ok }),
    status: t.field({ type: ItemStatusEnum, nullable: true, resolve: (o) => o.status }),
    version: t.int({ nullable: true, resolve: (o) => o.version }),
    error: t.field({ type: ItemErrorRef, nullable: true, resolve: (o) => itemError(o.code) }),
  }),
});

export interface DecisionReport {
  outcomes: ItemOutcome[];
}

export const DecisionReportRef = builder.objectRef<DecisionReport>('DecisionReport').implement({
  description: 'One line per requested item, in request order, and the totals.',
  fields: (t) => ({
    outcomes: t.field({ type: [ItemOutcomeRef], resolve: (r) => r.outcomes }),
    approved: t.int({ resolve: (r) => r.outcomes.filter((o) => o.ok && o.status === 'APPROVED').length }),
    rejected: t.int({ resolve: (r) => r.outcomes.filter((o) => o.ok && o.status === 'REJECTED').length }),
    failed: t.int({ resolve: (r) => r.outcomes.filter((o) => !o.ok).length }),
  }),
});

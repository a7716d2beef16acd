import type { Context } from '../../context.js';
import { MAX_REASON_LENGTH, type DecisionSource, type ItemStatus } from '../../domain/index.js';
import { AppError } from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { changeItems, type ItemChangeRequest } from '../../services/decisions.js';
import { decodeId } from '../global-id.js';
import { MAX_BATCH, toItemOutcome, type DecisionReport, type ItemOutcome } from './review.type.js';

export interface ItemRef {
  id: string;
  expectedVersion: number;
}

/** Whole-call checks of a reason that the state machine would otherwise report once per item. */
export function requireReason(reason: string | null | undefined): string {
  const trimmed = reason?.trim() ?? '';
  if (trimmed === '') throw new AppError('REASON_REQUIRED');
  if ([...trimmed].length > MAX_REASON_LENGTH) throw new AppError('REASON_TOO_LONG');
  return trimmed;
}

/**
 * Decides a batch through changeItems. Ids that are not ClearanceItem global ids
 * answer NOT_FOUND for that line; every requested line gets an outcome, in order.
 */
export async function decideBatch(
  ctx: Context,
  refs: readonly ItemRef[],
  change: { to: ItemStatus; reason?: string | null; source: DecisionSource },
): Promise<DecisionReport> {
  if (refs.length === 0 || refs.length > MAX_BATCH) {
    throw new AppError('INVALID_INPUT', { detail: `between 1 and ${MAX_BATCH} items per call`, field: 'items' });
  }
  const decoded = refs.map((ref) => ({ ref, itemId: decodeId(ref.id, 'ClearanceItem') }));
  const requests: ItemChangeRequest[] = decoded.flatMap(({ ref, itemId }) =>
    itemId ? [{ itemId, to: change.to, reason: change.reason ?? null, expectedVersion: ref.expectedVersion }] : [],
  );
  const results = requests.length ? await changeItems(ctx, requests, { source: change.source, viewer: ctx.viewer }) : [];
  let next = 0;
  const outcomes: ItemOutcome[] = decoded.map(({ ref, itemId }) =>
    itemId ? toItemOutcome(results[next++]!, ref.id) : { id: ref.id, ok: false, status: null, version: null, code: 'NOT_FOUND' },
  );
  return { outcomes };
}

/** One item, one change: a failure becomes the whole call's error. Returns the item's id. */
export async function decideOne(
  ctx: Context,
  ref: ItemRef,
  change: { to: ItemStatus; reason?: string | null; source: DecisionSource },
  /** Written in the decision's transaction once it succeeded (an audit row). */
  onSuccess?: (tx: Prisma.TransactionClient, itemId: string) => Promise<void>,
): Promise<string> {
  const itemId = decodeId(ref.id, 'ClearanceItem');
  if (!itemId) throw new AppError('NOT_FOUND');
  const [outcome] = await changeItems(
    ctx,
    [{ itemId, to: change.to, reason: change.reason ?? null, expectedVersion: ref.expectedVersion }],
    { source: change.source, viewer: ctx.viewer },
    undefined,
    onSuccess && (async (tx, outcomes) => (outcomes[0]?.ok ? onSuccess(tx, itemId) : undefined)),
  );
  if (!outcome!.ok) throw new AppError(outcome!.code);
  return itemId;
}

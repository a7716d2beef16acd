import { createHash } from 'node:crypto';
import type { StaffViewer } from '../auth/viewer.js';
import type { Services } from './runtime.js';
import type { ItemStatus } from '../domain/index.js';
import { AppError, type ErrorCode } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import { changeItems, type ItemChangeRequest } from './decisions.js';

/**
 * A department system's batch of results (数据对接): each row names a student
 * and the result for the department's item; a replayed idempotency key answers
 * the first reply; results older than what is stored are ignored as STALE.
 */

export const MAX_SYNC_ROWS = 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
/** Kept on the item and in every event: a reference, not a payload. */
export const MAX_EXTERNAL_REF_LENGTH = 200;
/**
 * How far ahead of this server's clock an observation may be. A result "from the future"
 * would make every real result after it STALE until that time comes.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface SyncResult {
  studentNumber: string;
  status: 'APPROVED' | 'REJECTED';
  reason?: string | null;
  externalRef?: string | null;
  observedAt: Date;
  /** Needed only when the department has more than one university-wide item. */
  itemCode?: string | null;
}

export interface SyncRowOutcome {
  row: number;
  studentNumber: string;
  itemId: string | null;
  ok: boolean;
  status: ItemStatus | null;
  version: number | null;
  code: ErrorCode | null;
}

export interface SyncReply {
  idempotencyKey: string;
  replayed: boolean;
  outcomes: SyncRowOutcome[];
}

interface StoredReply {
  done: boolean;
  outcomes: SyncRowOutcome[];
}

export function syncRequestHash(results: readonly SyncResult[]): string {
  const canonical = results.map((r) => [
    r.studentNumber.trim(),
    r.status,
    r.reason?.trim() || null,
    r.externalRef ?? null,
    r.observedAt.toISOString(),
    r.itemCode ?? null,
  ]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

interface Candidate {
  number: string;
  itemId: string | null;
  code: string | null;
  observedAt: Date | null;
}

export async function syncResults(services: Services, viewer: StaffViewer, idempotencyKey: string, results: readonly SyncResult[]): Promise<SyncReply> {
  const { prisma } = services.db;
  if (!viewer.roles.includes('INTEGRATION') || !viewer.departmentId) throw new AppError('FORBIDDEN');
  const key = idempotencyKey.trim();
  if (key === '' || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new AppError('INVALID_INPUT', { detail: `idempotencyKey: 1–${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, field: 'idempotencyKey' });
  }
  if (results.length === 0 || results.length > MAX_SYNC_ROWS) {
    throw new AppError('INVALID_INPUT', { detail: `between 1 and ${MAX_SYNC_ROWS} results per call`, field: 'results' });
  }
  const latestAllowed = Date.now() + MAX_CLOCK_SKEW_MS;
  results.forEach((result, row) => {
    if ((result.externalRef?.length ?? 0) > MAX_EXTERNAL_REF_LENGTH) {
      throw new AppError('INVALID_INPUT', { detail: `results[${row}].externalRef: at most ${MAX_EXTERNAL_REF_LENGTH} characters`, field: 'externalRef' });
    }
    if (Number.isNaN(result.observedAt.getTime()) || result.observedAt.getTime() > latestAllowed) {
      throw new AppError('INVALID_INPUT', {
        detail: `results[${row}].observedAt: later than the server's clock (more than ${MAX_CLOCK_SKEW_MS / 60_000} minutes ahead)`,
        field: 'observedAt',
      });
    }
  });
  const requestHash = syncRequestHash(results);
  const where = { reviewerId_idempotencyKey: { reviewerId: viewer.reviewerId, idempotencyKey: key } };

  const replay = async (): Promise<SyncReply | null> => {
    const stored = await prisma.syncRequest.findUnique({ where });
    if (!stored) return null;
    if (stored.requestHash !== requestHash) {
      throw new AppError('INVALID_INPUT', { detail: 'this idempotencyKey was used for a different batch', field: 'idempotencyKey' });
    }
    const reply = stored.response as unknown as StoredReply;
    // The first call with this key is still running.
    if (!reply.done) throw new AppError('CONFLICT');
    return { idempotencyKey: key, replayed: true, outcomes: reply.outcomes };
  };
  const earlier = await replay();
  if (earlier) return earlier;

  // Every named student, with the department's university-wide items of their current cohort.
  const numbers = [...new Set(results.map((r) => r.studentNumber.trim()))];
  const candidates = await prisma.$queryRaw<Candidate[]>`
    SELECT s.number, i.id AS "itemId", t.code, i."observedAt"
    FROM "Student" s
    LEFT JOIN ("ClearanceItem" i JOIN "ItemTemplate" t ON t.id = i."templateId" AND t.scope = 'UNIVERSITY' AND t."departmentId" = ${viewer.departmentId}::uuid)
      ON i."studentId" = s.id AND i."cohortId" = s."cohortId"
    WHERE s.number = ANY(${numbers}::text[])`;
  const itemsByNumber = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const list = itemsByNumber.get(candidate.number) ?? [];
    if (candidate.itemId) list.push(candidate);
    itemsByNumber.set(candidate.number, list);
  }

  const outcomes: SyncRowOutcome[] = results.map((result, row) => ({
    row,
    studentNumber: result.studentNumber.trim(),
    itemId: null,
    ok: false,
    status: null,
    version: null,
    code: null,
  }));
  // The newest result per item wins; an older one in the same batch is STALE.
  const latest = new Map<string, { row: number; observedAt: Date; stored: Date | null }>();
  results.forEach((result, row) => {
    const outcome = outcomes[row]!;
    const items = itemsByNumber.get(outcome.studentNumber);
    if (!items) return void (outcome.code = 'NOT_FOUND');
    const matching = result.itemCode ? items.filter((item) => item.code === result.itemCode) : items;
    if (matching.length !== 1) return void (outcome.code = matching.length === 0 ? 'NOT_FOUND' : 'INVALID_INPUT');
    const item = matching[0]!;
    outcome.itemId = item.itemId;
    const previous = latest.get(item.itemId!);
    if (previous && previous.observedAt > result.observedAt) return void (outcome.code = 'STALE');
    if (previous) outcomes[previous.row]!.code = 'STALE';
    latest.set(item.itemId!, { row, observedAt: result.observedAt, stored: item.observedAt });
  });
  const requests: (ItemChangeRequest & { row: number })[] = [];
  for (const [itemId, { row, observedAt, stored }] of latest) {
    if (stored && observedAt < stored) {
      outcomes[row]!.code = 'STALE';
      continue;
    }
    const result = results[row]!;
    requests.push({ row, itemId, to: result.status, reason: result.reason ?? null, externalRef: result.externalRef ?? null, observedAt });
  }

  const pending: StoredReply = { done: false, outcomes: [] };
  const record = (tx: Prisma.TransactionClient | typeof prisma) =>
    tx.syncRequest.create({ data: { reviewerId: viewer.reviewerId, idempotencyKey: key, requestHash, response: pending as unknown as Prisma.InputJsonValue } });
  try {
    // The key is claimed in the same transaction as the changes: a concurrent replay waits, then finds it.
    const changed = await changeItems(services, requests, { source: 'SYNC', viewer }, async (tx) => void (await record(tx)));
    changed.forEach((change, index) => {
      const outcome = outcomes[requests[index]!.row]!;
      if (change.ok) Object.assign(outcome, { ok: true, status: change.status, version: change.version, code: null });
      // Without an expected version a CONFLICT can only mean a newer result was stored meanwhile.
      else outcome.code = change.code === 'CONFLICT' ? 'STALE' : change.code;
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      const other = await replay();
      if (other) return other;
    }
    throw error;
  }
  const reply: StoredReply = { done: true, outcomes };
  await prisma.syncRequest.update({ where, data: { response: reply as unknown as Prisma.InputJsonValue } });
  return { idempotencyKey: key, replayed: false, outcomes };
}

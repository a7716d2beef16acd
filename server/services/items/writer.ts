import { summarizeProgress, type DecisionSource, type ItemStatus } from '../../domain/index.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { ItemChangedEvent } from '../../pubsub.js';
import { describeItemEvents, numberEvents } from './events.js';

/** One change its caller wrote to an item row (created, or updated to `to` at `version`) in the current transaction. */
export interface ItemRowChange {
  itemId: string;
  templateId: string;
  studentId: string;
  cohortId: string;
  /** null for a new item. */
  from: ItemStatus | null;
  to: ItemStatus;
  version: number;
  reason: string | null;
  source: DecisionSource;
  actorReviewerId: string | null;
  externalRef?: string | null;
}

export interface RecordOptions {
  /** Recompute the touched students' clearedAt (not for brand-new students, whose sheets were just planned). */
  clearedAt: boolean;
  /** Build the events to publish (a writer nobody will publish for, such as the demo seed, skips it). */
  describe: boolean;
  /** The history rows' time, when it must equal the items' (imports); now() otherwise. */
  at?: string;
}

/**
 * The one place item changes become history and live events, called last in the
 * caller's transaction after it wrote the item rows: clearedAt follows the sheets,
 * the events are described (access facts and progress, two statements), and the
 * ClearanceEvent rows are written with consecutive seqs reserved last, so the
 * counter's row lock is held only until the commit (seq order is commit order).
 * Returns the events to publish once the transaction has committed.
 */
export async function recordItemChanges(tx: Prisma.TransactionClient, changes: readonly ItemRowChange[], options: RecordOptions): Promise<ItemChangedEvent[]> {
  if (changes.length === 0) return [];
  if (options.clearedAt) await updateClearedAt(tx, [...new Set(changes.map((change) => change.studentId))]);
  const described = options.describe ? await describeItemEvents(tx, changes.map((change) => ({ itemId: change.itemId, status: change.to, version: change.version }))) : [];
  const first = await reserveEventSeqs(tx, changes.length);
  await tx.$executeRaw`
    INSERT INTO "ClearanceEvent" (seq, "itemId", "templateId", "studentId", "cohortId", "fromStatus", "toStatus", reason, source, "actorReviewerId", "externalRef", "createdAt")
    SELECT ${first}::bigint + v.ord - 1, v.item_id, v.template_id, v.student_id, v.cohort_id, v.from_status::"ItemStatus", v.to_status::"ItemStatus", v.reason,
           v.source::"DecisionSource", v.actor, v.external_ref, COALESCE(${options.at ?? null}::timestamp(3), now())
    FROM unnest(
      ${changes.map((c) => c.itemId)}::uuid[],
      ${changes.map((c) => c.templateId)}::uuid[],
      ${changes.map((c) => c.studentId)}::uuid[],
      ${changes.map((c) => c.cohortId)}::uuid[],
      ${changes.map((c) => c.from)}::text[],
      ${changes.map((c) => c.to)}::text[],
      ${changes.map((c) => c.reason)}::text[],
      ${changes.map((c) => c.source)}::text[],
      ${changes.map((c) => c.actorReviewerId)}::uuid[],
      ${changes.map((c) => c.externalRef ?? null)}::text[]
    ) WITH ORDINALITY AS v(item_id, template_id, student_id, cohort_id, from_status, to_status, reason, source, actor, external_ref, ord)`;
  return options.describe ? numberEvents(described, first) : [];
}

/**
 * Reserves `count` consecutive event sequence numbers and returns the first. The
 * counter row stays locked until commit, so sequence order is commit order: a
 * client catching up with changesSince(seq) can never miss a late commit.
 */
async function reserveEventSeqs(tx: Prisma.TransactionClient, count: number): Promise<bigint> {
  const [row] = await tx.$queryRaw<{ first: bigint }[]>`SELECT reserve_event_seqs(${count}::bigint) AS first`;
  return row!.first;
}

/** Sets or clears each student's clearedAt from their current cohort's sheet (the domain's summarizeProgress decides). */
async function updateClearedAt(tx: Prisma.TransactionClient, studentIds: string[]) {
  const items = await tx.$queryRaw<{ studentId: string; status: ItemStatus; wasCleared: boolean }[]>`
    SELECT i."studentId", i.status::text AS status, s."clearedAt" IS NOT NULL AS "wasCleared"
    FROM "ClearanceItem" i JOIN "Student" s ON s.id = i."studentId" AND s."cohortId" = i."cohortId"
    WHERE i."studentId" = ANY(${studentIds}::uuid[])`;
  const sheets = new Map<string, { status: ItemStatus; wasCleared: boolean }[]>();
  for (const item of items) {
    const sheet = sheets.get(item.studentId);
    if (sheet) sheet.push(item);
    else sheets.set(item.studentId, [item]);
  }
  const nowCleared: string[] = [];
  const noLongerCleared: string[] = [];
  for (const [studentId, sheet] of sheets) {
    const cleared = summarizeProgress(sheet).cleared;
    const wasCleared = sheet[0]!.wasCleared;
    if (cleared && !wasCleared) nowCleared.push(studentId);
    if (!cleared && wasCleared) noLongerCleared.push(studentId);
  }
  if (nowCleared.length) await tx.student.updateMany({ where: { id: { in: nowCleared } }, data: { clearedAt: new Date() } });
  if (noLongerCleared.length) await tx.student.updateMany({ where: { id: { in: noLongerCleared } }, data: { clearedAt: null } });
}

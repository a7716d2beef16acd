import type { DecisionSource, ItemStatus } from '../../domain/index.js';
import { arrayLiteral } from '../../db/array-literal.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { ItemChangedEvent } from '../../pubsub.js';
import { buildItemEvents, readTemplateAccess, type TemplateAccess } from './events.js';
import { deleteUndecidedItems } from './rows.js';
import { applyToSheets, readSheets, settleClearedAt, type SheetState } from './sheet-state.js';

/** One change its caller wrote to an item row (created, updated to `to` at `version`, or removed) in the current transaction. */
export interface ItemRowChange {
  itemId: string;
  templateId: string;
  studentId: string;
  cohortId: string;
  /** null for a new item. */
  from: ItemStatus | null;
  /** For a removed item, the status it had. */
  to: ItemStatus;
  version: number;
  reason: string | null;
  source: DecisionSource;
  actorReviewerId: string | null;
  externalRef?: string | null;
  /** The row was deleted (a deferral's undecided items): the history keeps the event, with no item. */
  removed?: boolean;
}

export interface RecordOptions {
  /** Recompute the touched students' clearedAt (not for brand-new students, whose sheets were just planned). */
  clearedAt: boolean;
  /** Build the events to publish (a writer nobody will publish for, such as the demo seed, skips it). */
  describe: boolean;
  /** The history rows' time, when it must equal the items' (imports); now() otherwise. */
  at?: string;
  /**
   * The touched students' sheets as the caller locked them, before its writes (decisions read them with
   * the lock): the writer applies the changes to these counts instead of reading the sheets again.
   */
  sheetsBefore?: ReadonlyMap<string, SheetState>;
  /** Review scope of the changed items' templates, when the caller has read them already. */
  templates?: ReadonlyMap<string, TemplateAccess>;
}

/**
 * The one place item changes become history and live events, called last in the
 * caller's transaction after the item rows were written (by ./rows.ts): clearedAt
 * follows the sheets, the events are described (access facts and progress, from one
 * row per student and one per template), and the ClearanceEvent rows are written with
 * consecutive seqs reserved in the same statement, last, so the counter's row lock
 * is held only until the commit (seq order is commit order).
 * Returns the events to publish once the transaction has committed.
 */
export async function recordItemChanges(tx: Prisma.TransactionClient, changes: readonly ItemRowChange[], options: RecordOptions): Promise<ItemChangedEvent[]> {
  if (changes.length === 0) return [];
  let sheets: Map<string, SheetState> | null = null;
  if (options.clearedAt || options.describe) {
    const studentIds = [...new Set(changes.map((change) => change.studentId))];
    sheets = options.sheetsBefore ? applyToSheets(options.sheetsBefore, changes) : await readSheets(tx, studentIds);
    if (options.clearedAt) await settleClearedAt(tx, sheets);
  }
  const templates = options.describe
    ? (options.templates ??
      (await readTemplateAccess(
        tx,
        changes.map((change) => change.templateId),
      )))
    : null;
  const first = await insertHistory(tx, changes, options.at ?? null);
  return sheets && templates ? buildItemEvents(changes, first, sheets, templates) : [];
}

/**
 * Writes one ClearanceEvent per change, numbered consecutively from seqs reserved in the same
 * statement (the counter row stays locked until commit, so a client catching up with
 * changesSince(seq) can never miss a late commit). Returns the first seq.
 */
async function insertHistory(tx: Prisma.TransactionClient, changes: readonly ItemRowChange[], at: string | null): Promise<bigint> {
  const [row] = await tx.$queryRaw<{ first: bigint }[]>`
    WITH reserved AS MATERIALIZED (SELECT reserve_event_seqs(${changes.length}::bigint) AS first),
    written AS (
      INSERT INTO "ClearanceEvent" (seq, "itemId", "templateId", "studentId", "cohortId", "fromStatus", "toStatus", reason, source, "actorReviewerId",
                                    "externalRef", removed, "createdAt")
      SELECT r.first + v.ord - 1, CASE WHEN v.removed THEN NULL ELSE v.item_id END, v.template_id, v.student_id, v.cohort_id,
             v.from_status::"ItemStatus", v.to_status::"ItemStatus", v.reason, v.source::"DecisionSource", v.actor, v.external_ref, v.removed,
             COALESCE(${at}::timestamp(3), now())
      FROM reserved r, unnest(
        ${arrayLiteral(changes.map((c) => c.itemId))}::uuid[],
        ${arrayLiteral(changes.map((c) => c.templateId))}::uuid[],
        ${arrayLiteral(changes.map((c) => c.studentId))}::uuid[],
        ${arrayLiteral(changes.map((c) => c.cohortId))}::uuid[],
        ${arrayLiteral(changes.map((c) => c.from))}::text[],
        ${arrayLiteral(changes.map((c) => c.to))}::text[],
        ${arrayLiteral(changes.map((c) => c.reason))}::text[],
        ${arrayLiteral(changes.map((c) => c.source))}::text[],
        ${arrayLiteral(changes.map((c) => c.actorReviewerId))}::uuid[],
        ${arrayLiteral(changes.map((c) => c.externalRef ?? null))}::text[],
        ${arrayLiteral(changes.map((c) => c.removed === true))}::boolean[]
      ) WITH ORDINALITY AS v(item_id, template_id, student_id, cohort_id, from_status, to_status, reason, source, actor, external_ref, removed, ord)
    )
    SELECT first FROM reserved`;
  return row!.first;
}

/**
 * Removes a deferred student's undecided items of the cohort they leave. Returns the changes for
 * recordItemChanges, to call last in the same transaction (once the student has moved, so the
 * events carry their new cohort): the history keeps one event per removed item, with no item.
 */
export async function removeUndecidedItems(
  tx: Prisma.TransactionClient,
  student: { id: string; cohortId: string },
  why: { reason: string; actorId: string | null },
): Promise<ItemRowChange[]> {
  const removed = await deleteUndecidedItems(tx, student.id, student.cohortId);
  return removed.map((row) => ({
    itemId: row.id,
    templateId: row.templateId,
    studentId: student.id,
    cohortId: student.cohortId,
    from: row.status,
    to: row.status,
    version: row.version + 1,
    reason: why.reason,
    source: 'ADMIN',
    actorReviewerId: why.actorId,
    removed: true,
  }));
}

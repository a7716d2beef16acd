import type { Services } from '../../context.js';
import { groupBy, summarizeProgress, type ItemStatus } from '../../domain/index.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { ItemAccessFacts, ItemChangedEvent, ProgressSnapshot } from '../../pubsub.js';

/** What a writer knows of each change it made: the item's state after it. */
export interface ItemChange {
  itemId: string;
  status: string;
  version: number;
}

/** An event before its seq is reserved (seqs come last in a transaction, so their lock is held only until the commit). */
export type UnnumberedEvent = Omit<ItemChangedEvent, 'seq'>;

/** The events with their seqs, reserved consecutively from `first` in the same order. */
export function numberEvents(events: readonly UnnumberedEvent[], first: bigint): ItemChangedEvent[] {
  return events.map((event, index) => ({ ...event, seq: (first + BigInt(index)).toString() }));
}

type FactsRow = ItemAccessFacts & { itemId: string; studentId: string; cohortId: string };

/**
 * Builds the events of one transaction's changes, in the same order, inside it (after
 * its item writes): two statements whatever the number of changes, so no subscriber
 * ever reads anything per event to decide whether to deliver it.
 */
export async function describeItemEvents(tx: Prisma.TransactionClient, changes: readonly ItemChange[]): Promise<UnnumberedEvent[]> {
  if (changes.length === 0) return [];
  const itemIds = [...new Set(changes.map((change) => change.itemId))];
  const facts = await tx.$queryRaw<FactsRow[]>`
    SELECT i.id AS "itemId", i."studentId", i."cohortId", t.scope::text AS scope, t."departmentId",
           s."cohortId" AS "currentCohortId", s."collegeId", s."campusId", s."firstSupervisorId", s."secondSupervisorId",
           s."surveyCompletedAt" IS NOT NULL AS "surveyCompleted"
    FROM "ClearanceItem" i
    JOIN "ItemTemplate" t ON t.id = i."templateId"
    JOIN "Student" s ON s.id = i."studentId"
    WHERE i.id = ANY(${itemIds}::uuid[])`;
  const progress = await readSheetProgress(tx, [...new Set(facts.map((row) => row.studentId))]);
  const factsById = new Map(facts.map((row) => [row.itemId, row]));
  return changes.map((change) => {
    // Just written in this transaction, so present.
    const { itemId, studentId, cohortId, ...access } = factsById.get(change.itemId)!;
    return { itemId, studentId, cohortId, status: change.status, version: change.version, access, progress: progress.get(studentId)! };
  });
}

/** Each student's progress on their current cohort's sheet, in one statement. */
export async function readSheetProgress(db: Prisma.TransactionClient, studentIds: readonly string[]): Promise<Map<string, ProgressSnapshot>> {
  const counts = await db.$queryRaw<{ studentId: string; status: ItemStatus; count: number; clearedAt: Date | null }[]>`
    SELECT s.id AS "studentId", i.status::text AS status, count(i.id)::int AS count, s."clearedAt"
    FROM "Student" s LEFT JOIN "ClearanceItem" i ON i."studentId" = s.id AND i."cohortId" = s."cohortId"
    WHERE s.id = ANY(${studentIds}::uuid[])
    GROUP BY s.id, i.status, s."clearedAt"`;
  const progress = new Map<string, ProgressSnapshot>();
  const statuses = new Map<string, { status: ItemStatus }[]>();
  for (const row of counts) {
    const list = statuses.get(row.studentId) ?? [];
    if (row.status) for (let n = 0; n < row.count; n++) list.push({ status: row.status });
    statuses.set(row.studentId, list);
  }
  for (const row of counts) {
    if (progress.has(row.studentId)) continue;
    progress.set(row.studentId, { ...summarizeProgress(statuses.get(row.studentId)!), clearedAt: row.clearedAt?.toISOString() ?? null });
  }
  return progress;
}

/** One message per student and per cohort touched, each with that key's events in seq order. Call after the commit. */
export function publishItemEvents(services: Pick<Services, 'pubsub'>, events: readonly ItemChangedEvent[]) {
  for (const [studentId, group] of groupBy(events, (event) => event.studentId)) services.pubsub.publish('student:items', studentId, group);
  for (const [cohortId, group] of groupBy(events, (event) => event.cohortId)) services.pubsub.publish('cohort:items', cohortId, group);
}

/**
 * A cohort's numbers changed without an item event to deliver (a deferral removes undecided items):
 * an empty message, which coalesced subscribers (statistics) take as a change and item streams ignore.
 */
export function publishCohortChanged(services: Pick<Services, 'pubsub'>, cohortId: string) {
  services.pubsub.publish('cohort:items', cohortId, []);
}

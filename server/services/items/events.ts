import type { Services } from '../runtime.js';
import { groupBy, progressFromCounts, type ItemStatus } from '../../domain/index.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { ItemAccessFacts, ItemChangedEvent, ProgressSnapshot } from '../../pubsub.js';
import { readSheets, type SheetState } from './sheet-state.js';

/** Who reviews the items of a template. */
export type TemplateAccess = Pick<ItemAccessFacts, 'scope' | 'departmentId'>;

export async function readTemplateAccess(tx: Prisma.TransactionClient, templateIds: readonly string[]): Promise<Map<string, TemplateAccess>> {
  const rows = await tx.$queryRaw<(TemplateAccess & { id: string })[]>`
    SELECT id, scope::text AS scope, "departmentId" FROM "ItemTemplate" WHERE id = ANY(${[...new Set(templateIds)]}::uuid[])`;
  return new Map(rows.map(({ id, ...access }) => [id, access]));
}

interface DescribedChange {
  itemId: string;
  templateId: string;
  studentId: string;
  cohortId: string;
  to: ItemStatus;
  version: number;
  removed?: boolean;
}

/**
 * The events of one transaction's changes, in the same order, numbered from `first`: each
 * carries what every subscriber needs to decide, in memory, whether it may see it (the
 * template's review scope, the student's facts) and the sheet's progress after the commit.
 */
export function buildItemEvents(
  changes: readonly DescribedChange[],
  first: bigint,
  sheets: ReadonlyMap<string, SheetState>,
  templates: ReadonlyMap<string, TemplateAccess>,
): ItemChangedEvent[] {
  const progress = new Map(
    [...sheets].map(([studentId, sheet]) => [studentId, { ...progressFromCounts(sheet.counts), clearedAt: sheet.clearedAt?.toISOString() ?? null }]),
  );
  return changes.map((change, index) => {
    // The writer read (or was given) every touched student and template.
    const sheet = sheets.get(change.studentId)!;
    const { scope, departmentId } = templates.get(change.templateId)!;
    return {
      itemId: change.itemId,
      studentId: change.studentId,
      cohortId: change.cohortId,
      status: change.to,
      version: change.version,
      seq: (first + BigInt(index)).toString(),
      // Built field by field: a caller's template row may carry more than the access facts (decisions pass the lock's).
      access: { scope, departmentId, ...sheet.access },
      progress: progress.get(change.studentId)!,
      ...(change.removed ? { removed: true } : {}),
    };
  });
}

/** Each student's progress on their current cohort's sheet, in one statement (events replayed after a `since`). */
export async function readSheetProgress(db: Prisma.TransactionClient, studentIds: readonly string[]): Promise<Map<string, ProgressSnapshot>> {
  const sheets = await readSheets(db, studentIds);
  return new Map(
    [...sheets].map(([studentId, sheet]) => [studentId, { ...progressFromCounts(sheet.counts), clearedAt: sheet.clearedAt?.toISOString() ?? null }]),
  );
}

/** One message per student and per cohort touched, each with that key's events in seq order. Call after the commit. */
export function publishItemEvents(services: Pick<Services, 'pubsub'>, events: readonly ItemChangedEvent[]) {
  for (const [studentId, group] of groupBy(events, (event) => event.studentId)) services.pubsub.publish('student:items', studentId, group);
  for (const [cohortId, group] of groupBy(events, (event) => event.cohortId)) services.pubsub.publish('cohort:items', cohortId, group);
}

/**
 * A cohort's numbers changed without an item event to deliver (a deferral of a student with no
 * undecided item): an empty message, which coalesced subscribers (statistics) take as a change
 * and item streams ignore.
 */
export function publishCohortChanged(services: Pick<Services, 'pubsub'>, cohortId: string) {
  services.pubsub.publish('cohort:items', cohortId, []);
}

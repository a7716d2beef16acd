import type { Prisma } from '../generated/prisma/client.js';
import { planSheet, type StudentFacts } from '../domain/index.js';
import { utc, uuidv7 } from './ids.js';
import { collectingItemEvents, recordItemEvents } from './items/outbox.js';
import { insertItems, type NewItemRow } from './items/rows.js';
import { recordItemChanges } from './items/writer.js';
import { toDomainTemplate, type TemplateRow } from './rules.js';

export interface NewSheetStudent {
  id: string;
  cohortId: string;
  facts: StudentFacts;
}

/**
 * Creates each student's clearance items from the cohort's templates by the
 * rules, with one history event per item, inside the caller's transaction.
 * Set-based (one bind value per column, `unnest` of arrays): an import of
 * 10,000 students writes about 90,000 items and as many events, which
 * createMany's one bind value per cell makes take minutes on PGlite.
 * Inside an outbox (collectItemEvents) the new items' events are recorded for
 * publishing after the commit.
 */
export async function createSheets(
  tx: Prisma.TransactionClient,
  students: readonly NewSheetStudent[],
  templates: readonly TemplateRow[],
  now = new Date(),
): Promise<number> {
  const byCode = new Map(templates.map((row) => [row.code, row]));
  const domainTemplates = templates.map(toDomainTemplate);
  const rows: NewItemRow[] = [];
  for (const student of students) {
    for (const planned of planSheet(student.facts, domainTemplates)) {
      rows.push({
        id: uuidv7(now.getTime()),
        studentId: student.id,
        templateId: byCode.get(planned.code)!.id,
        cohortId: student.cohortId,
        status: planned.initialStatus,
        reason: planned.reason?.zh ?? null,
        waiverCode: planned.waivedBecause?.code ?? null,
        source: planned.source,
      });
    }
  }
  if (rows.length === 0) return 0;
  const at = utc(now);
  await insertItems(tx, rows, at);
  const history = rows.map((row) => ({
    itemId: row.id,
    templateId: row.templateId,
    studentId: row.studentId,
    cohortId: row.cohortId,
    from: null,
    to: row.status,
    version: 1,
    reason: row.reason,
    source: row.source,
    actorReviewerId: null,
  }));
  recordItemEvents(await recordItemChanges(tx, history, { clearedAt: false, describe: collectingItemEvents(), at }));
  return rows.length;
}

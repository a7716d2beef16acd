import type { Prisma } from '../generated/prisma/client.js';
import { planSheet, type DecisionSource, type ItemStatus, type StudentFacts } from '../domain/index.js';
import { utc, uuidv7 } from './ids.js';
import { collectingItemEvents, recordItemEvents } from './items/outbox.js';
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
export async function createSheets(tx: Prisma.TransactionClient, students: readonly NewSheetStudent[], templates: readonly TemplateRow[], now = new Date()): Promise<number> {
  const byCode = new Map(templates.map((row) => [row.code, row]));
  const domainTemplates = templates.map(toDomainTemplate);
  const ids: string[] = [];
  const studentIds: string[] = [];
  const templateIds: string[] = [];
  const cohortIds: string[] = [];
  const statuses: string[] = [];
  const reasons: (string | null)[] = [];
  const waiverCodes: (string | null)[] = [];
  const sources: string[] = [];
  const decidedAt: (string | null)[] = [];
  const waitingSince: (string | null)[] = [];
  const at = utc(now);
  for (const student of students) {
    for (const planned of planSheet(student.facts, domainTemplates)) {
      const decided = planned.initialStatus === 'APPROVED' || planned.initialStatus === 'WAIVED';
      ids.push(uuidv7(now.getTime()));
      studentIds.push(student.id);
      templateIds.push(byCode.get(planned.code)!.id);
      cohortIds.push(student.cohortId);
      statuses.push(planned.initialStatus);
      reasons.push(planned.reason?.zh ?? null);
      waiverCodes.push(planned.waivedBecause?.code ?? null);
      sources.push(planned.source);
      decidedAt.push(decided ? at : null);
      waitingSince.push(planned.initialStatus === 'PENDING' ? at : null);
    }
  }
  if (ids.length === 0) return 0;
  await tx.$executeRaw`
    INSERT INTO "ClearanceItem" ("id", "studentId", "templateId", "cohortId", "status", "reason", "waiverCode", "source",
                                 "decidedAt", "waitingSince", "createdAt", "updatedAt")
    SELECT v.id, v.student_id, v.template_id, v.cohort_id, v.status::"ItemStatus", v.reason, v.waiver_code, v.source::"DecisionSource",
           v.decided_at, v.waiting_since, ${at}::timestamp(3), ${at}::timestamp(3)
    FROM unnest(
      ${ids}::uuid[], ${studentIds}::uuid[], ${templateIds}::uuid[], ${cohortIds}::uuid[], ${statuses}::text[], ${reasons}::text[],
      ${waiverCodes}::text[], ${sources}::text[], ${decidedAt}::timestamp(3)[], ${waitingSince}::timestamp(3)[]
    ) AS v(id, student_id, template_id, cohort_id, status, reason, waiver_code, source, decided_at, waiting_since)`;
  const history = ids.map((itemId, index) => ({
    itemId,
    templateId: templateIds[index]!,
    studentId: studentIds[index]!,
    cohortId: cohortIds[index]!,
    from: null,
    to: statuses[index] as ItemStatus,
    version: 1,
    reason: reasons[index]!,
    source: sources[index] as DecisionSource,
    actorReviewerId: null,
  }));
  recordItemEvents(await recordItemChanges(tx, history, { clearedAt: false, describe: collectingItemEvents(), at }));
  return ids.length;
}

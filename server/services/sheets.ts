import type { Prisma } from '../generated/prisma/client.js';
import { planSheet, type StudentFacts } from '../domain/index.js';
import type { TemplateRow } from './rules.js';
import { reserveEventSeqs } from './decisions.js';
import { toDomainTemplate } from './rules.js';

export interface NewSheetStudent {
  id: string;
  cohortId: string;
  facts: StudentFacts;
}

/**
 * Creates each student's clearance items from the cohort's templates by the
 * rules, with one history event per item, inside the caller's transaction.
 */
export async function createSheets(tx: Prisma.TransactionClient, students: NewSheetStudent[], templates: TemplateRow[], now = new Date()) {
  const byCode = new Map(templates.map((row) => [row.code, row]));
  const domainTemplates = templates.map(toDomainTemplate);
  const items: Prisma.ClearanceItemCreateManyInput[] = [];
  for (const student of students) {
    for (const planned of planSheet(student.facts, domainTemplates)) {
      const decided = planned.initialStatus === 'APPROVED' || planned.initialStatus === 'WAIVED';
      items.push({
        studentId: student.id,
        templateId: byCode.get(planned.code)!.id,
        cohortId: student.cohortId,
        status: planned.initialStatus,
        reason: planned.reason?.zh ?? null,
        waiverCode: planned.waivedBecause?.code ?? null,
        source: planned.source,
        decidedAt: decided ? now : null,
        waitingSince: planned.initialStatus === 'PENDING' ? now : null,
      });
    }
  }
  if (items.length === 0) return 0;
  const created = await tx.clearanceItem.createManyAndReturn({
    data: items,
    select: { id: true, templateId: true, studentId: true, cohortId: true, status: true, reason: true, source: true },
  });
  const first = await reserveEventSeqs(tx, created.length);
  await tx.clearanceEvent.createMany({
    data: created.map((item, index) => ({
      seq: first + BigInt(index),
      itemId: item.id,
      templateId: item.templateId,
      studentId: item.studentId,
      cohortId: item.cohortId,
      fromStatus: null,
      toStatus: item.status,
      reason: item.reason,
      source: item.source ?? 'SYSTEM',
      createdAt: now,
    })),
  });
  return created.length;
}

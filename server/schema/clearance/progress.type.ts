import { builder } from '../../builder.js';
import { summarizeProgress, type ItemStatus, type Progress } from '../../domain/index.js';

export interface ProgressShape extends Progress {
  clearedAt: Date | null;
}

export const ProgressRef = builder.objectRef<ProgressShape>('Progress').implement({
  description: 'Where a student stands on their clearance sheet (电子离校单) of their current cohort.',
  fields: (t) => ({
    required: t.exposeInt('required', { description: 'Items the student must get approved: every item not waived.' }),
    approved: t.exposeInt('approved'),
    rejected: t.exposeInt('rejected'),
    pending: t.exposeInt('pending'),
    locked: t.exposeInt('locked', { description: "Waiting for a prerequisite (for postgraduates: the supervisor's review)." }),
    waived: t.exposeInt('waived'),
    cleared: t.exposeBoolean('cleared', { description: '离校成功: every item is approved or waived.' }),
    clearedAt: t.expose('clearedAt', { type: 'DateTime', nullable: true }),
  }),
});

/** Progress from the items of the student's current cohort only (a deferred student's old items do not count). */
export function progressFrom(student: { cohortId: string; clearedAt: Date | null }, items: readonly { status: ItemStatus; cohortId: string }[]): ProgressShape {
  return { ...summarizeProgress(items.filter((item) => item.cohortId === student.cohortId)), clearedAt: student.clearedAt };
}

import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
import type { ItemWithVisibility } from '../../auth/policy/item.js';
import { ClearanceItemRef } from '../clearance/clearance-item.type.js';
import { progressFrom, ProgressRef } from '../clearance/progress.type.js';
import { currentDeferral, LATEST_DEFERRAL } from '../../services/deferral.js';
import { StudentRef } from './student.type.js';

/** Shared by the sheet and its progress so both read the items in one query. */
const SHEET_ORDER = { orderBy: { template: { sequence: 'asc' } } } as const;

interface DeferralShape {
  deferred: boolean;
  movedToCohortId: string | null;
  reason: string | null;
  at: Date | null;
}

const DeferralRef = builder.objectRef<DeferralShape>('Deferral').implement({
  description: "Whether the student's graduation was deferred (降入下一年级): a deferred student does not clear now and has no items in this cohort.",
  fields: (t) => ({
    deferred: t.exposeBoolean('deferred'),
    movedToCohort: t.prismaField({
      type: 'Cohort',
      nullable: true,
      description: 'The cohort the student moved to.',
      resolve: (query, deferral, _args, ctx) =>
        deferral.movedToCohortId ? ctx.db.prisma.cohort.findUnique({ ...query, where: { id: deferral.movedToCohortId } }) : null,
    }),
    reason: t.exposeString('reason', { nullable: true }),
    at: t.expose('at', { type: 'DateTime', nullable: true, description: 'When the deferral was recorded.' }),
  }),
});

builder.prismaObjectFields(StudentRef, (t) => ({
  clearanceItems: t.field({
    type: [ClearanceItemRef],
    // Nullable so that the gate's error stays on this field: the rest of the student (name, progress, deferral) is still answered.
    nullable: true,
    description:
      "The clearance sheet (电子离校单): this cohort's items in sequence order. The student sees it only after submitting the survey " +
      '(null and SURVEY_REQUIRED before, the rest of the student still answered); staff in scope always do. Empty for a deferred student (see `deferral`).',
    select: (_args, _ctx, nestedSelection) => ({
      cohortId: true,
      surveyCompletedAt: true,
      deferrals: LATEST_DEFERRAL,
      items: nestedSelection(SHEET_ORDER),
    }),
    resolve: (student, _args, ctx) => {
      if (currentDeferral(student)) return [];
      const viewer = ctx.viewer;
      if (viewer?.kind === 'student' && viewer.studentId === student.id && student.surveyCompletedAt === null) {
        throw new AppError('SURVEY_REQUIRED');
      }
      return (student.items as ItemWithVisibility[]).filter((item) => item.cohortId === student.cohortId);
    },
  }),
  progress: t.field({
    type: ProgressRef,
    description: 'Counts of the sheet by status, and whether (and since when) the student is cleared (离校成功).',
    select: { cohortId: true, clearedAt: true, items: { ...SHEET_ORDER, select: { status: true, cohortId: true } } },
    resolve: (student) => progressFrom(student, student.items),
  }),
  deferral: t.field({
    type: DeferralRef,
    select: { cohortId: true, deferrals: LATEST_DEFERRAL },
    resolve: (student) => {
      const deferral = currentDeferral(student);
      return {
        deferred: deferral !== null,
        movedToCohortId: deferral?.toCohortId ?? null,
        reason: deferral?.reason ?? null,
        at: deferral?.createdAt ?? null,
      };
    },
  }),
}));

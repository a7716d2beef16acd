import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
import { deferStudent } from '../../services/deferral.js';
import { requireReason } from '../review/decide.js';
import { decodeId } from '../review/review.type.js';
import { StudentRef } from '../student/student.type.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

builder.mutationField('deferStudent', (t) =>
  t.field({
    type: StudentRef,
    description:
      'Defers a graduate to the next cohort (降入下一年级): year + 1 (created without templates if missing), a Deferral row, ' +
      'and the student\'s undecided items (LOCKED, PENDING) of the current cohort removed; decided items and their history stay. ' +
      'Idempotent: `fromCohortYear` is the cohort the student is in now; repeating a deferral that already moved the student ' +
      'from that cohort answers the student as it is, and any other cohort answers CONFLICT. University admins only.',
    authScopes: { role: 'UNIVERSITY_ADMIN' },
    errors: {},
    args: {
      studentId: t.arg.id({ required: true, description: 'Global Student id.' }),
      reason: t.arg.string({ required: true }),
      fromCohortYear: t.arg.int({ required: true, description: 'The cohort (year) the student is in now, as the caller saw it.' }),
    },
    resolve: async (_root, args, ctx) => {
      const reason = requireReason(args.reason);
      const studentId = decodeId(String(args.studentId), 'Student');
      if (!studentId || !UUID.test(studentId)) throw new AppError('NOT_FOUND');
      const actorId = ctx.viewer?.kind === 'staff' ? ctx.viewer.reviewerId : null;
      return deferStudent(ctx, { studentId, fromCohortYear: args.fromCohortYear, reason, actorId });
    },
  }),
);

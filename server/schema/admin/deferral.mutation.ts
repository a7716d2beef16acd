import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
import { deferStudent } from '../../services/deferral.js';
import { requireReason } from '../review/decide.js';
import { decodeId } from '../global-id.js';
import { StudentRef } from '../student/student.type.js';

builder.mutationField('deferStudent', (t) =>
  t.withAuth({ role: 'UNIVERSITY_ADMIN' }).field({
    type: StudentRef,
    description:
      'Defers a graduate to the next cohort (降入下一年级): year + 1 (created without templates if missing), a Deferral row, ' +
      "and the student's undecided items (LOCKED, PENDING) of the current cohort removed; decided items and their history stay. " +
      'Idempotent: `fromCohortYear` is the cohort the student is in now; repeating a deferral that already moved the student ' +
      'from that cohort answers the student as it is, and any other cohort answers CONFLICT. University admins only.',
    errors: {},
    args: {
      studentId: t.arg.id({ required: true, description: 'Global Student id.' }),
      reason: t.arg.string({ required: true }),
      fromCohortYear: t.arg.int({ required: true, description: 'The cohort (year) the student is in now, as the caller saw it.' }),
    },
    resolve: async (_root, args, ctx) => {
      const reason = requireReason(args.reason);
      const studentId = decodeId(String(args.studentId), 'Student');
      if (!studentId) throw new AppError('NOT_FOUND');
      return deferStudent(ctx, { studentId, fromCohortYear: args.fromCohortYear, reason, actorId: ctx.viewer.reviewerId });
    },
  }),
);

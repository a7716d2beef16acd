import { queryFromInfo } from '@pothos/plugin-prisma';
import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
import type { Reviewer, Student } from '../../generated/prisma/client.js';
import { leanFindUnique } from '../../services/lean-read.js';
import { ReviewerRef } from '../reviewer/reviewer.type.js';
import { StudentRef } from '../student/student.type.js';

const ViewerUnion = builder.unionType('Viewer', {
  description: 'The logged-in account: a Student or a Reviewer (any staff account).',
  types: [StudentRef, ReviewerRef],
  resolveType: (account) => ('number' in account ? StudentRef : ReviewerRef),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerUnion,
    nullable: true,
    description: 'Who is logged in; null without a token, an error for a bad, expired or revoked one.',
    skipTypeScopes: true,
    resolve: async (_root, _args, ctx, info) => {
      const { viewer } = ctx;
      if (!viewer) {
        if (ctx.authFailure) throw new AppError(ctx.authFailure);
        return null;
      }
      if (viewer.mustChangePassword) throw new AppError('PASSWORD_CHANGE_REQUIRED');
      // The selection below the union (e.g. a student's whole sheet) loads with the account, in one statement:
      // a lean one when it can answer the selection, else Prisma's (which also throws if the row is gone).
      if (viewer.kind === 'student') {
        const query = queryFromInfo({ context: ctx, info, typeName: 'Student' });
        const student = await leanFindUnique<Student>(ctx.db.sql, 'Student', query, viewer.studentId);
        return student ?? ctx.db.prisma.student.findUniqueOrThrow({ ...query, where: { id: viewer.studentId } });
      }
      const query = queryFromInfo({ context: ctx, info, typeName: 'Reviewer' });
      const reviewer = await leanFindUnique<Reviewer>(ctx.db.sql, 'Reviewer', query, viewer.reviewerId);
      return reviewer ?? ctx.db.prisma.reviewer.findUniqueOrThrow({ ...query, where: { id: viewer.reviewerId } });
    },
  }),
);

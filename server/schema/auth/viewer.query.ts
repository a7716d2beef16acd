import { queryFromInfo } from '@pothos/plugin-prisma';
import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
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
      // The selection below the union (e.g. a student's whole sheet) loads with the account, in one statement.
      if (viewer.kind === 'student') {
        return ctx.db.prisma.student.findUniqueOrThrow({ ...queryFromInfo({ context: ctx, info, typeName: 'Student' }), where: { id: viewer.studentId } });
      }
      return ctx.db.prisma.reviewer.findUniqueOrThrow({ ...queryFromInfo({ context: ctx, info, typeName: 'Reviewer' }), where: { id: viewer.reviewerId } });
    },
  }),
);

import { builder } from '../../builder.js';
import { StaffRoleEnum } from '../enums.js';

export const ReviewerRef = builder.prismaNode('Reviewer', {
  description: 'A staff account: department reviewer, college staff, supervisor, administrator or department system.',
  id: { field: 'id' },
  fields: (t) => ({
    username: t.exposeString('username'),
    name: t.exposeString('name'),
    roles: t.field({ type: [StaffRoleEnum], resolve: (reviewer) => reviewer.roles }),
    department: t.relation('department', { nullable: true }),
    college: t.relation('college', { nullable: true }),
    campus: t.relation('campus', { nullable: true }),
  }),
});

import { builder } from '../../builder.js';
import { StaffRoleEnum } from '../enums.js';

/** What staff see of each other; a student sees who a person is and where they work, never their login or powers. */
const STAFF_ONLY = { authScopes: { staff: true }, unauthorizedResolver: () => null, nullable: true } as const;

export const ReviewerRef = builder.prismaNode('Reviewer', {
  description:
    "A staff account: department reviewer, college staff, supervisor, administrator or department system. Students see its name and department (with the department's contacts); the other fields are null for them.",
  id: { field: 'id' },
  fields: (t) => ({
    username: t.exposeString('username', { ...STAFF_ONLY, description: 'Staff only (null for students).' }),
    name: t.exposeString('name'),
    roles: t.field({ ...STAFF_ONLY, type: [StaffRoleEnum], description: 'Staff only (null for students).', resolve: (reviewer) => reviewer.roles }),
    department: t.relation('department', { nullable: true }),
    college: t.relation('college', { ...STAFF_ONLY, description: 'The college a college-scoped account works for. Staff only (null for students).' }),
    campus: t.relation('campus', { ...STAFF_ONLY, description: 'The campus a campus-scoped account works for. Staff only (null for students).' }),
  }),
});

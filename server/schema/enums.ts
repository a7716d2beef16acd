import { builder } from '../builder.js';
// The database's enums are the source; server/domain/ keeps plain copies (it imports no Prisma), and enums.test.ts keeps them equal.
import { DecisionSource, DormitoryState, ItemStatus, ScopeKind, StaffRole, StudentCategory } from '../generated/prisma/enums.js';

export const StudentCategoryEnum = builder.enumType(StudentCategory, {
  name: 'StudentCategory',
  description: 'UNDERGRADUATE 本科生; POSTGRADUATE_DUAL 双证研究生 (degree and diploma); POSTGRADUATE_SINGLE 单证研究生 (degree only).',
});

export const DormitoryStateEnum = builder.enumType(DormitoryState, { name: 'DormitoryState' });

export const ItemStatusEnum = builder.enumType(ItemStatus, {
  name: 'ItemStatus',
  description:
    'LOCKED: a prerequisite is not approved; PENDING: waiting for a decision; APPROVED; REJECTED (with a reason); WAIVED: not required for this student.',
});

export const DecisionSourceEnum = builder.enumType(DecisionSource, {
  name: 'DecisionSource',
  description: 'Who or what made a change: a reviewer, a department system sync, a policy, the student, the system (locks), an administrator.',
});

export const StaffRoleEnum = builder.enumType(StaffRole, { name: 'StaffRole' });

export const ScopeKindEnum = builder.enumType(ScopeKind, {
  name: 'ScopeKind',
  description: 'Which reviewers of the department see an item.',
});

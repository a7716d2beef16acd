import { builder } from '../builder.js';
import { DECISION_SOURCES, DORMITORY_STATES, ITEM_STATUSES, STUDENT_CATEGORIES } from '../domain/index.js';
import { ScopeKind, StaffRole } from '../generated/prisma/enums.js';

export const StudentCategoryEnum = builder.enumType('StudentCategory', {
  description: 'UNDERGRADUATE 本科生; POSTGRADUATE_DUAL 双证研究生 (degree and diploma); POSTGRADUATE_SINGLE 单证研究生 (degree only).',
  values: STUDENT_CATEGORIES,
});

export const DormitoryStateEnum = builder.enumType('DormitoryState', {
  values: DORMITORY_STATES,
});

export const ItemStatusEnum = builder.enumType('ItemStatus', {
  description:
    'LOCKED: a prerequisite is not approved; PENDING: waiting for a decision; APPROVED; REJECTED (with a reason); WAIVED: not required for this student.',
  values: ITEM_STATUSES,
});

export const DecisionSourceEnum = builder.enumType('DecisionSource', {
  description: 'Who or what made a change: a reviewer, a department system sync, a policy, the student, the system (locks), an administrator.',
  values: DECISION_SOURCES,
});

export const StaffRoleEnum = builder.enumType(StaffRole, { name: 'StaffRole' });

export const ScopeKindEnum = builder.enumType(ScopeKind, {
  name: 'ScopeKind',
  description: 'Which reviewers of the department see an item.',
});

import { canSeeStudent } from '../../auth/policy/student.js';
import { builder } from '../../builder.js';
import { DormitoryStateEnum, StudentCategoryEnum } from '../enums.js';

export const StudentRef = builder.prismaNode('Student', {
  description: 'A graduate (毕业生). Visible to the student and to staff whose scope covers them.',
  id: { field: 'id' },
  authScopes: (student, ctx) => canSeeStudent(ctx.viewer, student),
  fields: (t) => ({
    number: t.exposeString('number', { description: '学号, also the login name.' }),
    name: t.exposeString('name'),
    category: t.field({ type: StudentCategoryEnum, resolve: (student) => student.category }),
    cohort: t.relation('cohort'),
    college: t.relation('college'),
    campus: t.relation('campus'),
    dormitory: t.field({ type: DormitoryStateEnum, resolve: (student) => student.dormitory }),
    firstSupervisor: t.relation('firstSupervisor', { nullable: true, description: 'Reviews the SUPERVISOR item.' }),
    secondSupervisor: t.relation('secondSupervisor', { nullable: true }),
    surveyCompletedAt: t.expose('surveyCompletedAt', { type: 'DateTime', nullable: true }),
    clearedAt: t.expose('clearedAt', { type: 'DateTime', nullable: true }),
  }),
});

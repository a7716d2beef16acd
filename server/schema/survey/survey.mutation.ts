import { builder } from '../../builder.js';
import { validateSurveyAnswers } from '../../domain/survey.js';
import { AppError } from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { changeItems, type ItemChangeRequest } from '../../services/decisions.js';
import { currentDeferral, LATEST_DEFERRAL } from '../student/student-clearance.fields.js';
import { StudentRef } from '../student/student.type.js';
import { surveyQuestions } from './survey.type.js';

/** The template code of the survey item (item 0 of every sheet). */
export const SURVEY_ITEM_CODE = 'SURVEY';

const SurveyAnswerInput = builder.inputType('SurveyAnswerInput', {
  description: 'One answer: `choices` (values of SurveyChoice) for choice questions, `text` for text questions.',
  fields: (t) => ({
    question: t.string({ required: true, description: 'SurveyQuestion.code' }),
    choices: t.stringList({ required: false }),
    text: t.string({ required: false }),
  }),
});

builder.mutationField('submitSurvey', (t) =>
  t.field({
    type: StudentRef,
    description:
      '完成答卷: submits the viewer\'s survey once. Every required question must be answered (at most 50 answers, text up to the ' +
      'question\'s maxLength). On success the survey item is approved and the clearance sheet opens; returns the student.',
    authScopes: { student: true },
    errors: {},
    args: { answers: t.arg({ type: [SurveyAnswerInput], required: true }) },
    resolve: async (_root, { answers }, ctx) => {
      const viewer = ctx.viewer;
      if (viewer?.kind !== 'student') throw new AppError('FORBIDDEN');
      const { prisma } = ctx.db;
      const student = await prisma.student.findUniqueOrThrow({
        where: { id: viewer.studentId },
        select: { id: true, cohortId: true, surveyCompletedAt: true, deferrals: LATEST_DEFERRAL },
      });
      if (currentDeferral(student)) throw new AppError('STUDENT_DEFERRED');
      if (student.surveyCompletedAt) throw new AppError('SURVEY_ALREADY_SUBMITTED');
      const survey = await prisma.survey.findUnique({ where: { cohortId: student.cohortId } });
      if (!survey) throw new AppError('NOT_FOUND');

      const validation = validateSurveyAnswers(surveyQuestions(survey), answers);
      if (!validation.ok) {
        const { field, detail } = validation.problem;
        throw new AppError('SURVEY_ANSWER_INVALID', { field, detailZh: detail.zh, detailEn: detail.en });
      }

      const item = await prisma.clearanceItem.findFirst({
        where: { studentId: student.id, cohortId: student.cohortId, template: { code: SURVEY_ITEM_CODE } },
        select: { id: true, status: true },
      });
      // An item already approved or waived (e.g. by an administrator) needs no change; the response is still recorded.
      const requests: ItemChangeRequest[] = item && item.status === 'PENDING' ? [{ itemId: item.id, to: 'APPROVED' }] : [];
      const outcomes = await changeItems(ctx, requests, { source: 'SELF', viewer }, async (tx) => {
        const marked = await tx.student.updateMany({
          where: { id: student.id, surveyCompletedAt: null },
          data: { surveyCompletedAt: new Date() },
        });
        // A concurrent submission committed first: roll this one back.
        if (marked.count === 0) throw new AppError('SURVEY_ALREADY_SUBMITTED');
        await tx.surveyResponse.create({
          data: { surveyId: survey.id, studentId: student.id, answers: validation.answers as unknown as Prisma.InputJsonValue },
        });
      });
      for (const outcome of outcomes) {
        if (!outcome.ok) ctx.log.warn('survey item not approved with the survey', { studentId: student.id, itemId: outcome.itemId, code: outcome.code });
      }
      return prisma.student.findUniqueOrThrow({ where: { id: student.id } });
    },
  }),
);

import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
import { submitSurvey } from '../../services/survey.js';
import { StudentRef } from '../student/student.type.js';

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
      return submitSurvey(ctx, viewer, answers);
    },
  }),
);

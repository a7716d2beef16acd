import { builder } from '../../builder.js';
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
  t.withAuth({ student: true }).field({
    type: StudentRef,
    description:
      "完成答卷: submits the viewer's survey once. Every required question must be answered (at most 50 answers, text up to the " +
      "question's maxLength). On success the survey item is approved and the clearance sheet opens; returns the student.",
    errors: {},
    args: { answers: t.arg({ type: [SurveyAnswerInput], required: true }) },
    resolve: (_root, { answers }, ctx) => submitSurvey(ctx, ctx.viewer, answers),
  }),
);

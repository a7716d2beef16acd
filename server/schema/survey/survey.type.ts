import { builder } from '../../builder.js';
import { SURVEY_QUESTION_KINDS, type SurveyChoice, type SurveyQuestion } from '../../domain/index.js';
import { textLimit } from '../../domain/survey.js';
import { surveyQuestions } from '../../services/survey.js';
import { localized } from '../localized.js';

export const SurveyQuestionKindEnum = builder.enumType('SurveyQuestionKind', {
  description: 'SINGLE_CHOICE: exactly one choice; MULTI_CHOICE: any number of choices; TEXT: free text up to maxLength.',
  values: SURVEY_QUESTION_KINDS,
});

const SurveyChoiceRef = builder.objectRef<SurveyChoice>('SurveyChoice').implement({
  fields: (t) => ({
    value: t.exposeString('value', { description: 'What to send back in SurveyAnswerInput.choices.' }),
    label: t.string({ resolve: (choice, _args, ctx) => localized(ctx, choice.label.zh, choice.label.en) }),
  }),
});

const SurveyQuestionRef = builder.objectRef<SurveyQuestion>('SurveyQuestion').implement({
  fields: (t) => ({
    code: t.exposeString('code', { description: 'What to send back in SurveyAnswerInput.question.' }),
    kind: t.field({ type: SurveyQuestionKindEnum, resolve: (question) => question.kind }),
    text: t.string({ resolve: (question, _args, ctx) => localized(ctx, question.text.zh, question.text.en) }),
    required: t.exposeBoolean('required'),
    choices: t.field({
      type: [SurveyChoiceRef],
      description: 'Empty for TEXT questions.',
      resolve: (question) => (question.kind === 'TEXT' ? [] : question.choices),
    }),
    maxLength: t.int({
      nullable: true,
      description: 'For TEXT questions: the most characters accepted (never more than 2000). Null for choice questions.',
      resolve: (question) => (question.kind === 'TEXT' ? textLimit(question) : null),
    }),
  }),
});

builder.prismaObject('Survey', {
  description: "A cohort's employment & training-quality survey (就业与人才培养质量调研问卷); submitting it opens the clearance sheet.",
  fields: (t) => ({
    title: t.string({ resolve: (survey, _args, ctx) => localized(ctx, survey.titleZh, survey.titleEn) }),
    questions: t.field({ type: [SurveyQuestionRef], resolve: (survey) => surveyQuestions(survey) }),
    cohort: t.relation('cohort'),
  }),
});

builder.queryField('survey', (t) =>
  t.prismaField({
    type: 'Survey',
    nullable: true,
    description:
      "The survey to fill in. A student always gets their own cohort's (null when it has none, e.g. after a deferral); staff name the cohort by `year` (null without it).",
    args: { year: t.arg.int({ description: 'Staff only: the cohort year. Ignored for students.' }) },
    resolve: async (query, _root, args, ctx) => {
      const viewer = ctx.viewer;
      if (viewer?.kind === 'student') {
        const student = await ctx.db.prisma.student.findUniqueOrThrow({ where: { id: viewer.studentId }, select: { cohortId: true } });
        return ctx.db.prisma.survey.findUnique({ ...query, where: { cohortId: student.cohortId } });
      }
      if (args.year == null) return null;
      return ctx.db.prisma.survey.findFirst({ ...query, where: { cohort: { year: args.year } } });
    },
  }),
);

import type { StudentViewer } from '../auth/viewer.js';
import type { SurveyQuestion } from '../domain/index.js';
import { validateSurveyAnswers, type SurveyAnswer } from '../domain/survey.js';
import { AppError } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import { changeItems, type ItemChangeRequest } from './decisions.js';
import { currentDeferral, LATEST_DEFERRAL } from './deferral.js';
import type { Services } from './runtime.js';

/** The template code of the survey item (item 0 of every sheet). */
export const SURVEY_ITEM_CODE = 'SURVEY';

/** The questions as stored (a JSON column). */
export function surveyQuestions(row: { questions: unknown }): SurveyQuestion[] {
  return Array.isArray(row.questions) ? (row.questions as SurveyQuestion[]) : [];
}

/**
 * Records the student's one survey response and approves their survey item with it, in
 * one transaction: the clearance sheet opens. A second submission, even a concurrent
 * one, is SURVEY_ALREADY_SUBMITTED.
 */
export async function submitSurvey(services: Services, viewer: StudentViewer, answers: readonly SurveyAnswer[]) {
  const { prisma } = services.db;
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
  const outcomes = await changeItems(services, requests, { source: 'SELF', viewer }, async (tx) => {
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
    if (!outcome.ok) services.log.warn('survey item not approved with the survey', { studentId: student.id, itemId: outcome.itemId, code: outcome.code });
  }
  return prisma.student.findUniqueOrThrow({ where: { id: student.id } });
}

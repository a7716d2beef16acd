/**
 * Pure rules of the graduate survey (调研问卷): what counts as a complete,
 * well-formed set of answers. No GraphQL, no Prisma.
 */
import type { LocalizedText, SurveyQuestion } from './types.js';

/** Hard limits whatever a question says: a text answer never exceeds this. */
export const MAX_SURVEY_TEXT_LENGTH = 2000;
/** More answers than this is not a survey submission. */
export const MAX_SURVEY_ANSWERS = 50;
/** Codes and choice values are short identifiers; anything longer is garbage and is not echoed back whole. */
export const MAX_SURVEY_CODE_LENGTH = 64;

/** One answer as the client sends it: choices for choice questions, text for text questions. */
export interface SurveyAnswer {
  question: string;
  choices?: readonly string[] | null;
  text?: string | null;
}

/** One answer as it is stored: only the part matching the question's kind, text trimmed. */
export type StoredSurveyAnswer = { question: string; choices: string[] } | { question: string; text: string };

export type SurveyProblemKind =
  | 'TOO_MANY_ANSWERS'
  | 'UNKNOWN_QUESTION'
  | 'DUPLICATE_ANSWER'
  | 'WRONG_ANSWER_KIND'
  | 'UNKNOWN_CHOICE'
  | 'DUPLICATE_CHOICE'
  | 'ONE_CHOICE_EXPECTED'
  | 'TEXT_TOO_LONG'
  | 'ANSWER_REQUIRED';

export interface SurveyProblem {
  kind: SurveyProblemKind;
  /** The question code at fault, or `answers` for the list as a whole. */
  field: string;
  detail: LocalizedText;
}

export type SurveyValidation = { ok: true; answers: StoredSurveyAnswer[] } | { ok: false; problem: SurveyProblem };

/** The text limit that applies to a text question: its own, never above the hard limit. */
export function textLimit(question: { maxLength: number }): number {
  return Math.max(0, Math.min(question.maxLength, MAX_SURVEY_TEXT_LENGTH));
}

function clip(value: string): string {
  return value.length > MAX_SURVEY_CODE_LENGTH ? `${value.slice(0, MAX_SURVEY_CODE_LENGTH)}…` : value;
}

function problem(kind: SurveyProblemKind, field: string, detail: LocalizedText): SurveyValidation {
  return { ok: false, problem: { kind, field: clip(field), detail } };
}

/**
 * Checks a submission against the survey's questions and returns the answers
 * to store (in question order), or the first problem found. Rules: at most
 * MAX_SURVEY_ANSWERS answers; every answer names a known question once;
 * choice questions take only their own choice values, each once (exactly one
 * for a single choice); text questions take text up to their maxLength and
 * never over MAX_SURVEY_TEXT_LENGTH; every required question is answered
 * (at least one choice, or non-blank text). Unanswered optional questions are
 * simply left out.
 */
export function validateSurveyAnswers(questions: readonly SurveyQuestion[], answers: readonly SurveyAnswer[]): SurveyValidation {
  if (answers.length > MAX_SURVEY_ANSWERS) {
    return problem('TOO_MANY_ANSWERS', 'answers', {
      zh: `答案不能超过 ${MAX_SURVEY_ANSWERS} 条`,
      en: `at most ${MAX_SURVEY_ANSWERS} answers`,
    });
  }
  const byCode = new Map(questions.map((question) => [question.code, question]));
  const given = new Map<string, StoredSurveyAnswer>();
  for (const answer of answers) {
    const question = byCode.get(answer.question);
    if (!question) {
      return problem('UNKNOWN_QUESTION', answer.question, { zh: '问卷中没有这道题', en: 'no such question in the survey' });
    }
    if (given.has(question.code)) {
      return problem('DUPLICATE_ANSWER', question.code, { zh: '同一道题只能回答一次', en: 'answered more than once' });
    }
    if (question.kind === 'TEXT') {
      if (answer.choices != null && answer.choices.length > 0) {
        return problem('WRONG_ANSWER_KIND', question.code, { zh: '这是填空题，请填写文字而不是选项', en: 'a text question takes text, not choices' });
      }
      const text = (answer.text ?? '').trim();
      const limit = textLimit(question);
      if (text.length > limit) {
        return problem('TEXT_TOO_LONG', question.code, { zh: `不能超过 ${limit} 个字符`, en: `at most ${limit} characters` });
      }
      if (text.length > 0) given.set(question.code, { question: question.code, text });
      continue;
    }
    if (answer.text != null && answer.text.trim().length > 0) {
      return problem('WRONG_ANSWER_KIND', question.code, { zh: '这是选择题，请选择选项而不是填写文字', en: 'a choice question takes choices, not text' });
    }
    const choices = answer.choices ?? [];
    const values = new Set(question.choices.map((choice) => choice.value));
    const unknown = choices.find((value) => !values.has(value));
    if (unknown !== undefined) {
      return problem('UNKNOWN_CHOICE', question.code, { zh: `没有选项“${clip(unknown)}”`, en: `no choice "${clip(unknown)}"` });
    }
    if (new Set(choices).size !== choices.length) {
      return problem('DUPLICATE_CHOICE', question.code, { zh: '同一选项只能选一次', en: 'a choice was given more than once' });
    }
    if (question.kind === 'SINGLE_CHOICE' && choices.length > 1) {
      return problem('ONE_CHOICE_EXPECTED', question.code, { zh: '单选题只能选一个选项', en: 'choose exactly one' });
    }
    if (choices.length > 0) given.set(question.code, { question: question.code, choices: [...choices] });
  }
  for (const question of questions) {
    if (question.required && !given.has(question.code)) {
      return problem('ANSWER_REQUIRED', question.code, { zh: '这是必答题', en: 'this question is required' });
    }
  }
  return { ok: true, answers: questions.flatMap((question) => given.get(question.code) ?? []) };
}

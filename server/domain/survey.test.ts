import { describe, expect, it } from 'vitest';
import { loadDefaultRuleSet } from './ruleset.js';
import { MAX_SURVEY_ANSWERS, MAX_SURVEY_TEXT_LENGTH, validateSurveyAnswers, type SurveyAnswer } from './survey.js';
import type { SurveyQuestion } from './types.js';

const { questions } = loadDefaultRuleSet().survey;

const complete: SurveyAnswer[] = [
  { question: 'DESTINATION', choices: ['SIGNED_EMPLOYMENT'] },
  { question: 'JOB_RELEVANCE', choices: ['CLOSELY'] },
  { question: 'OVERALL_SATISFACTION', choices: ['SATISFIED'] },
  { question: 'MOST_HELPFUL', choices: ['COURSES', 'FIELDWORK'] },
];

function failure(answers: SurveyAnswer[], qs: readonly SurveyQuestion[] = questions) {
  const result = validateSurveyAnswers(qs, answers);
  if (result.ok) throw new Error('expected a problem');
  return result.problem;
}

describe('validateSurveyAnswers on the 2020 survey', () => {
  it('accepts every required question answered, leaves out the unanswered optional one, keeps question order', () => {
    const result = validateSurveyAnswers(questions, [...complete].reverse());
    expect(result).toEqual({
      ok: true,
      answers: [
        { question: 'DESTINATION', choices: ['SIGNED_EMPLOYMENT'] },
        { question: 'JOB_RELEVANCE', choices: ['CLOSELY'] },
        { question: 'OVERALL_SATISFACTION', choices: ['SATISFIED'] },
        { question: 'MOST_HELPFUL', choices: ['COURSES', 'FIELDWORK'] },
      ],
    });
  });

  it('stores optional text trimmed, and treats blank text as unanswered', () => {
    const withText = validateSurveyAnswers(questions, [...complete, { question: 'SUGGESTIONS', text: '  多开实习课  ' }]);
    expect(withText.ok && withText.answers.at(-1)).toEqual({ question: 'SUGGESTIONS', text: '多开实习课' });
    const blank = validateSurveyAnswers(questions, [...complete, { question: 'SUGGESTIONS', text: '   ' }]);
    expect(blank.ok && blank.answers.map((a) => a.question)).not.toContain('SUGGESTIONS');
  });

  it('names the first required question left unanswered', () => {
    expect(failure(complete.slice(1))).toMatchObject({ kind: 'ANSWER_REQUIRED', field: 'DESTINATION' });
    expect(failure([...complete.slice(0, 3), { question: 'MOST_HELPFUL', choices: [] }])).toMatchObject({ kind: 'ANSWER_REQUIRED', field: 'MOST_HELPFUL' });
    expect(failure([])).toMatchObject({ kind: 'ANSWER_REQUIRED', field: 'DESTINATION' });
  });

  it('refuses unknown question codes and clips absurdly long ones', () => {
    expect(failure([...complete, { question: 'NO_SUCH', choices: ['X'] }])).toMatchObject({ kind: 'UNKNOWN_QUESTION', field: 'NO_SUCH' });
    const long = failure([{ question: 'Q'.repeat(10_000), text: 'x' }]);
    expect(long.kind).toBe('UNKNOWN_QUESTION');
    expect(long.field.length).toBeLessThanOrEqual(65);
  });

  it('refuses a question answered twice', () => {
    expect(failure([...complete, { question: 'DESTINATION', choices: ['FURTHER_STUDY'] }])).toMatchObject({ kind: 'DUPLICATE_ANSWER', field: 'DESTINATION' });
  });

  it("takes only the question's own choice values, each once", () => {
    const bad = failure([{ question: 'DESTINATION', choices: ['MOON_LANDING'] }, ...complete.slice(1)]);
    expect(bad).toMatchObject({ kind: 'UNKNOWN_CHOICE', field: 'DESTINATION' });
    expect(bad.detail.en).toContain('MOON_LANDING');
    expect(failure([...complete.slice(0, 3), { question: 'MOST_HELPFUL', choices: ['COURSES', 'COURSES'] }])).toMatchObject({ kind: 'DUPLICATE_CHOICE' });
    // A value of another question is not a value of this one.
    expect(failure([{ question: 'DESTINATION', choices: ['CLOSELY'] }, ...complete.slice(1)])).toMatchObject({ kind: 'UNKNOWN_CHOICE' });
  });

  it('wants exactly one choice for a single choice question', () => {
    expect(failure([{ question: 'DESTINATION', choices: ['SIGNED_EMPLOYMENT', 'FURTHER_STUDY'] }, ...complete.slice(1)])).toMatchObject({
      kind: 'ONE_CHOICE_EXPECTED',
      field: 'DESTINATION',
    });
    expect(failure([{ question: 'DESTINATION', choices: [] }, ...complete.slice(1)])).toMatchObject({ kind: 'ANSWER_REQUIRED', field: 'DESTINATION' });
  });

  it('refuses text on a choice question and choices on a text question', () => {
    expect(failure([{ question: 'DESTINATION', choices: ['SIGNED_EMPLOYMENT'], text: 'also this' }, ...complete.slice(1)])).toMatchObject({
      kind: 'WRONG_ANSWER_KIND',
    });
    expect(failure([...complete, { question: 'SUGGESTIONS', choices: ['COURSES'] }])).toMatchObject({ kind: 'WRONG_ANSWER_KIND', field: 'SUGGESTIONS' });
  });

  it("limits text to the question's maxLength", () => {
    expect(validateSurveyAnswers(questions, [...complete, { question: 'SUGGESTIONS', text: '好'.repeat(500) }]).ok).toBe(true);
    expect(failure([...complete, { question: 'SUGGESTIONS', text: '好'.repeat(501) }])).toMatchObject({ kind: 'TEXT_TOO_LONG', field: 'SUGGESTIONS' });
  });

  it('limits text to 2000 characters even when a question allows more', () => {
    const generous: SurveyQuestion[] = [{ code: 'ESSAY', kind: 'TEXT', text: { zh: '作文', en: 'Essay' }, required: true, maxLength: 100_000 }];
    expect(validateSurveyAnswers(generous, [{ question: 'ESSAY', text: 'a'.repeat(MAX_SURVEY_TEXT_LENGTH) }]).ok).toBe(true);
    const tooLong = failure([{ question: 'ESSAY', text: 'a'.repeat(MAX_SURVEY_TEXT_LENGTH + 1) }], generous);
    expect(tooLong).toMatchObject({ kind: 'TEXT_TOO_LONG', field: 'ESSAY' });
    expect(tooLong.detail.en).toContain(String(MAX_SURVEY_TEXT_LENGTH));
    expect(failure([{ question: 'ESSAY', text: '   ' }], generous)).toMatchObject({ kind: 'ANSWER_REQUIRED' });
  });

  it('refuses more than 50 answers before looking at any of them', () => {
    const many = Array.from({ length: MAX_SURVEY_ANSWERS + 1 }, () => ({ question: 'DESTINATION', choices: ['SIGNED_EMPLOYMENT'] }));
    expect(failure(many)).toMatchObject({ kind: 'TOO_MANY_ANSWERS', field: 'answers' });
  });

  it('gives every problem a Chinese and an English detail', () => {
    const problems = [failure([]), failure([{ question: 'X' }]), failure([...complete, { question: 'SUGGESTIONS', text: 'a'.repeat(600) }])];
    for (const p of problems) {
      expect(p.detail.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(p.detail.en).toMatch(/[a-z]/);
    }
  });
});

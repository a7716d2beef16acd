import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, INITIAL_PASSWORD_COST } from '../../auth/password.js';
import type { SurveyAnswerInput } from '../../testing/generated/graphql.js';
import { graphql } from '../../testing/generated/index.js';
import { success } from '../../testing/request.js';
import { startTestServer, type TestServer } from '../../testing/server.js';

const SUBMIT = graphql(`
  mutation SurveySubmit($answers: [SurveyAnswerInput!]!) {
    submitSurvey(answers: $answers) {
      __typename
      ... on MutationSubmitSurveySuccess { data { number surveyCompletedAt clearanceItems { code status } } }
      ... on DomainError { code message field }
    }
  }
`);
const SURVEY = graphql(`
  query SurveyByYear($year: Int) { survey(year: $year) { title cohort { year } questions { code } } }
`);
const ANSWERS: SurveyAnswerInput[] = [
  { question: 'DESTINATION', choices: ['FURTHER_STUDY'] },
  { question: 'JOB_RELEVANCE', choices: ['SOMEWHAT'] },
  { question: 'OVERALL_SATISFACTION', choices: ['VERY_SATISFIED'] },
  { question: 'MOST_HELPFUL', choices: ['COURSES'] },
];
const PASSWORD = 'Survey-pass-2020';
const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });

describe('the survey', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ demo: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A demo undergraduate whose password was already changed, as after their first login. */
  async function student(number: string) {
    await server.db.prisma.credential.updateMany({
      where: { student: { number } },
      data: { passwordHash: await hashPassword(PASSWORD, INITIAL_PASSWORD_COST), mustChangePassword: false },
    });
    return server.login(number, PASSWORD);
  }

  it("shows staff a cohort's survey by year, and nothing without one", async () => {
    const token = await server.login('career', 'Lixiao@2020');
    const en = await server.gql(SURVEY, { year: 2020 }, bearer(token, { 'accept-language': 'en' }));
    expect(en.data?.survey).toMatchObject({ title: '2020 graduate employment and training-quality survey', cohort: { year: 2020 } });
    expect(en.data?.survey?.questions).toHaveLength(5);
    expect((await server.gql(SURVEY, {}, bearer(token))).data?.survey).toBeNull();
    expect((await server.gql(SURVEY, { year: 1999 }, bearer(token))).data?.survey).toBeNull();
    const anonymous = await server.gql(SURVEY, { year: 2020 });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('returns the opened sheet with the submission, the survey item approved by the student', async () => {
    const token = await student('201606003');
    const result = await server.gql(SUBMIT, { answers: ANSWERS }, bearer(token));
    expect(result.data?.submitSurvey.__typename).toBe('MutationSubmitSurveySuccess');
    expect(success(result.data?.submitSurvey).clearanceItems?.[0]).toEqual({ code: 'SURVEY', status: 'APPROVED' });
  });

  it('records exactly one response when the same student submits twice at once', async () => {
    const token = await student('201606004');
    const results = await Promise.all([0, 1, 2].map(() => server.gql(SUBMIT, { answers: ANSWERS }, bearer(token))));
    const kinds = results.map((r) => {
      const answer = r.data?.submitSurvey;
      return answer?.__typename === 'MutationSubmitSurveySuccess' ? 'ok' : (answer?.code ?? JSON.stringify(r.errors));
    });
    expect(kinds.filter((k) => k === 'ok')).toHaveLength(1);
    expect(kinds.filter((k) => k !== 'ok')).toEqual(['SURVEY_ALREADY_SUBMITTED', 'SURVEY_ALREADY_SUBMITTED']);
    const studentRow = await server.db.prisma.student.findUniqueOrThrow({ where: { number: '201606004' } });
    expect(await server.db.prisma.surveyResponse.count({ where: { studentId: studentRow.id } })).toBe(1);
    const selfEvents = await server.db.prisma.clearanceEvent.count({ where: { studentId: studentRow.id, source: 'SELF' } });
    expect(selfEvents).toBe(1);
  });
});

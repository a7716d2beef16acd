import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../auth/password.js';
import { BACKENDS } from '../../testing/databases.js';
import type { TestServer } from '../../testing/server.js';
import { type clients, openDemoServer, STUDENT_PASSWORD } from '../../testing/demo.js';
import { graphql } from '../../testing/generated/index.js';

const SHEET = graphql(`
  query StudentGatesSheet {
    viewer { ... on Student { number name progress { required cleared } deferral { deferred } clearanceItems { code } } }
  }
`);
const CHANGES = graphql(`
  query StudentGatesChanges { changesSince { cursor hasMore changes { seq } } }
`);
const DEFERRED_SHEET = graphql(`
  query StudentGatesDeferredSheet { viewer { ... on Student { deferral { deferred } clearanceItems { code } } } }
`);

/** A student who has changed the initial password but not submitted the survey yet. */
async function loginBeforeSurvey(server: TestServer, number: string) {
  const student = await server.db.prisma.student.update({ where: { number }, data: { surveyCompletedAt: null } });
  await server.db.prisma.credential.update({
    where: { studentId: student.id },
    data: { passwordHash: await hashPassword(STUDENT_PASSWORD), mustChangePassword: false },
  });
  return server.login(number, STUDENT_PASSWORD);
}

describe.each(BACKENDS)('the survey gate closes only what it gates (%s)', (backend) => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer({ backend })));
  afterAll(() => server?.close());

  it('before the survey, viewer returns the student, with SURVEY_REQUIRED only on clearanceItems', async () => {
    const student = await server.db.prisma.student.findFirstOrThrow({
      where: { cohort: { year: 2020 }, deferrals: { none: {} } },
      orderBy: { number: 'desc' },
    });
    const token = await loginBeforeSurvey(server, student.number);
    const result = await api.as(token, SHEET);
    const viewer = result.data?.viewer;
    expect(viewer).toMatchObject({ number: student.number, name: student.name, deferral: { deferred: false }, clearanceItems: null });
    expect(viewer && 'progress' in viewer ? viewer.progress.required : 0).toBeGreaterThan(0);
    expect(result.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([['SURVEY_REQUIRED', ['viewer', 'clearanceItems']]]);
  });

  it("a deferred student's catch-up (changesSince) answers an empty page, not SURVEY_REQUIRED", async () => {
    const deferred = await server.db.prisma.student.findFirstOrThrow({ where: { deferrals: { some: {} } } });
    const token = await loginBeforeSurvey(server, deferred.number);
    const result = await api.as(token, CHANGES);
    expect(result.errors).toBeUndefined();
    expect(result.data?.changesSince).toEqual({ cursor: '0', hasMore: false, changes: [] });
    const sheet = await api.as(token, DEFERRED_SHEET);
    expect(sheet.errors).toBeUndefined();
    expect(sheet.data?.viewer).toEqual({ deferral: { deferred: true }, clearanceItems: [] });
  });
});

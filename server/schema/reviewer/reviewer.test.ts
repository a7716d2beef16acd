import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLResponse, TestServer } from '../../testing/server.js';
import { type clients, findStudents, openDemoServer } from '../../testing/demo.js';
import { graphql } from '../../testing/generated/index.js';
import type { ReviewerTestNodeQuery } from '../../testing/generated/graphql.js';
import { globalId } from '../../testing/ids.js';

const NODE = graphql(`
  query ReviewerTestNode($id: ID!) {
    node(id: $id) { __typename ... on Reviewer { name username roles department { code contacts { phone } } college { code } campus { code } } }
  }
`);

/** The Reviewer node of an answer (fails the test otherwise). */
function reviewerOf(answer: GraphQLResponse<ReviewerTestNodeQuery>) {
  const node = answer.data?.node;
  if (node?.__typename !== 'Reviewer') throw new Error(`expected a Reviewer, got ${JSON.stringify(answer)}`);
  return node;
}

describe('Reviewer nodes as students see them', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => {
    ({ server, api } = await openDemoServer());
  });
  afterAll(async () => {
    await server?.close();
  });

  it('shows a student the name, department and its contacts, never the login, roles or scope', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE' });
    const token = await api.student(student!.number);
    const library = await server.db.prisma.reviewer.findUniqueOrThrow({ where: { username: 'library' } });
    const answer = await api.as(token, NODE, { id: globalId('Reviewer', library.id) });
    expect(answer.errors).toBeUndefined();
    expect(reviewerOf(answer)).toMatchObject({ name: library.name, username: null, roles: null, college: null, campus: null, department: { code: 'LIBRARY' } });
    expect(reviewerOf(answer).department?.contacts.length).toBeGreaterThan(0);

    const collegeStaff = await server.db.prisma.reviewer.findUniqueOrThrow({ where: { username: 'xgz-computer-science' } });
    const scoped = await api.as(token, NODE, { id: globalId('Reviewer', collegeStaff.id) });
    expect(reviewerOf(scoped)).toMatchObject({ name: collegeStaff.name, username: null, roles: null, college: null });
  });

  it('shows staff the whole account', async () => {
    const library = await server.db.prisma.reviewer.findUniqueOrThrow({ where: { username: 'library' } });
    const answer = await api.as(await api.staff('finance'), NODE, { id: globalId('Reviewer', library.id) });
    expect(reviewerOf(answer)).toMatchObject({ name: library.name, username: 'library', roles: ['DEPARTMENT_REVIEWER'], department: { code: 'LIBRARY' } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../testing/databases.js';
import type { TestServer } from '../../testing/server.js';
import { type clients, findStudents, openDemoServer } from '../../testing/demo.js';
import { graphql } from '../../testing/generated/index.js';
import type { ReviewQueueFilter, ReviewQueuePageQuery, ReviewQueuePageQueryVariables } from '../../testing/generated/graphql.js';

const QUEUE = graphql(`
  query ReviewQueuePage($first: Int, $after: String, $filter: ReviewQueueFilter) {
    reviewQueue(first: $first, after: $after, filter: $filter) {
      counts { locked pending approved rejected waived total }
      pageInfo { hasNextPage hasPreviousPage endCursor }
      edges {
        cursor
        node {
          id code status version waitingSince decidable
          student { number name college { code } campus { code } firstSupervisor { username } }
          template { code scope department { code } }
        }
      }
    }
  }
`);
const BACKWARD = graphql(`
  query ReviewQueueBackward { reviewQueue(last: 5) { edges { cursor } } }
`);

type Node = ReviewQueuePageQuery['reviewQueue']['edges'][number]['node'];

describe.each(BACKENDS)('reviewQueue on %s', (backend) => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer({ backend })));
  afterAll(() => server?.close());

  async function queue(username: string, variables: ReviewQueuePageQueryVariables = {}) {
    const result = await api.as(await api.staff(username), QUEUE, variables);
    expect(result.errors).toBeUndefined();
    return result.data!.reviewQueue;
  }

  async function allPages(username: string, filter: ReviewQueueFilter, first = 100) {
    const nodes: Node[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 100; guard++) {
      const page = await queue(username, { first, after, filter });
      nodes.push(...page.edges.map((edge) => edge.node));
      if (!page.pageInfo.hasNextPage) return nodes;
      after = page.pageInfo.endCursor;
    }
    throw new Error('too many pages');
  }

  it('gives the library reviewer every LIBRARY item and nothing else, oldest waiting first, paged without gaps', async () => {
    const first = await queue('library', { first: 50 });
    expect(first.edges).toHaveLength(50);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const expectedTotal = await server.db.prisma.clearanceItem.count({ where: { template: { code: 'LIBRARY' } } });
    expect(first.counts.total).toBe(expectedTotal);
    const byStatus = await server.db.prisma.clearanceItem.groupBy({ by: ['status'], where: { template: { code: 'LIBRARY' } }, _count: true });
    for (const row of byStatus) expect(first.counts[row.status.toLowerCase() as Lowercase<typeof row.status>]).toBe(row._count);

    const nodes = await allPages('library', {});
    expect(nodes).toHaveLength(expectedTotal);
    expect(new Set(nodes.map((n) => n.id)).size).toBe(expectedTotal);
    expect(new Set(nodes.map((n) => n.template.code))).toEqual(new Set(['LIBRARY']));
    // Waiting items first, by waitingSince then id; items not waiting (LOCKED) last.
    const waiting = nodes.filter((n) => n.waitingSince !== null);
    const firstNotWaiting = nodes.findIndex((n) => n.waitingSince === null);
    if (firstNotWaiting >= 0) expect(nodes.slice(firstNotWaiting).every((n) => n.waitingSince === null)).toBe(true);
    for (let i = 1; i < waiting.length; i++) expect(waiting[i - 1]!.waitingSince! <= waiting[i]!.waitingSince!).toBe(true);
    // Undergraduates' library items are pending and decidable; postgraduates' wait for their supervisor.
    expect(nodes.filter((n) => n.status === 'PENDING').every((n) => n.decidable)).toBe(true);
    expect(nodes.filter((n) => n.status === 'LOCKED').length).toBeGreaterThan(0);
    expect(nodes.filter((n) => n.status === 'LOCKED').every((n) => !n.decidable)).toBe(true);
  });

  it('caps a page at 100 and rejects a bad cursor or backward paging', async () => {
    const page = await queue('library', { first: 500 });
    expect(page.edges).toHaveLength(100);
    const token = await api.staff('library');
    const bad = await api.as(token, QUEUE, { after: 'not-a-cursor' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    const backward = await api.as(token, BACKWARD);
    expect(backward.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
  });

  it('filters by status (counts ignore it), college, campus, category, cohort and search', async () => {
    const pending = await allPages('library', { status: ['PENDING'] });
    const unfiltered = await queue('library', { first: 1 });
    const filtered = await queue('library', { first: 1, filter: { status: ['PENDING'] } });
    expect(filtered.counts).toEqual(unfiltered.counts);
    expect(pending).toHaveLength(unfiltered.counts.pending);
    expect(pending.every((n) => n.status === 'PENDING')).toBe(true);

    const cs = await allPages('library', { collegeCode: 'COMPUTER_SCIENCE', campusCode: 'FUTURE_CITY', category: 'UNDERGRADUATE', cohortYear: 2020 });
    expect(cs.length).toBeGreaterThan(0);
    expect(cs.every((n) => n.student.college.code === 'COMPUTER_SCIENCE' && n.student.campus.code === 'FUTURE_CITY')).toBe(true);
    expect((await queue('library', { filter: { cohortYear: 1999 } })).counts.total).toBe(0);

    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'GEMMOLOGY' });
    const byNumber = await allPages('library', { search: student!.number.slice(0, 6) });
    expect(byNumber.length).toBeGreaterThan(1);
    expect(byNumber.every((n) => n.student.number.startsWith(student!.number.slice(0, 6)))).toBe(true);
    const byName = await allPages('library', { search: student!.name.slice(1) });
    expect(byName.some((n) => n.student.number === student!.number)).toBe(true);
    expect(byName.every((n) => n.student.name.includes(student!.name.slice(1)))).toBe(true);
    expect(await allPages('library', { search: '%' })).toHaveLength(0);
  });

  it('scopes college, campus and supervisor queues and lets the university admin see everything', async () => {
    const xgz = await allPages('xgz-earth-sciences', {});
    expect(xgz.length).toBeGreaterThan(0);
    expect(xgz.every((n) => n.template.code === 'STUDENT_AFFAIRS' && n.student.college.code === 'EARTH_SCIENCES')).toBe(true);

    const dorm = await allPages('dorm-future-city', {});
    expect(dorm.length).toBeGreaterThan(0);
    expect(dorm.every((n) => n.template.code === 'DORM' && n.student.campus.code === 'FUTURE_CITY')).toBe(true);

    const supervisor = await allPages('t0001', {});
    expect(supervisor.length).toBeGreaterThan(0);
    expect(supervisor.every((n) => n.template.code === 'SUPERVISOR' && n.student.firstSupervisor?.username === 't0001')).toBe(true);
    // A student with t0001 as second supervisor is not in t0001's queue.
    const seconds = await server.db.prisma.student.count({ where: { secondSupervisor: { username: 't0001' } } });
    expect(seconds).toBeGreaterThan(0);
    const firsts = await server.db.prisma.student.count({ where: { firstSupervisor: { username: 't0001' } } });
    expect(supervisor).toHaveLength(firsts);

    const admin = await queue('admin', { first: 1 });
    expect(admin.counts.total).toBe(await server.db.prisma.clearanceItem.count());
  });

  it('refuses students and anonymous callers', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'MARXISM' });
    const asStudent = await api.as(await api.student(student!.number), QUEUE, { first: 1 });
    expect(asStudent.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await server.gql(QUEUE, { first: 1 });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

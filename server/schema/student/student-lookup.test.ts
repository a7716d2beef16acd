import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../testing/databases.js';
import type { TestServer } from '../../testing/server.js';
import { type clients, openDemoServer } from '../../testing/demo.js';
import { graphql } from '../../testing/generated/index.js';

const ONE = graphql(`
  query StudentLookupOne($n: String!) { student(number: $n) { number name cohort { year } college { code } deferral { deferred } } }
`);
const SEARCH = graphql(`
  query StudentLookupSearch($q: String, $year: Int, $first: Int, $after: String) {
    students(search: $q, cohortYear: $year, first: $first, after: $after) { edges { node { number name college { code } } } pageInfo { hasNextPage endCursor } }
  }
`);

describe.each(BACKENDS)('staff look students up, in scope (%s)', (backend) => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer({ backend })));
  afterAll(() => server?.close());

  it('finds a student by number, deferred ones too, for a university admin', async () => {
    const admin = await api.staff('admin');
    const deferred = await server.db.prisma.student.findFirstOrThrow({ where: { deferrals: { some: {} } }, include: { cohort: true } });
    const found = await api.as(admin, ONE, { n: deferred.number });
    expect(found.errors).toBeUndefined();
    expect(found.data?.student).toMatchObject({
      number: deferred.number,
      name: deferred.name,
      cohort: { year: deferred.cohort.year },
      deferral: { deferred: true },
    });
    expect((await api.as(admin, ONE, { n: 'no-such-number' })).data?.student).toBeNull();
  });

  it('searches by number prefix or name, pages by number, and keeps a college admin to their college', async () => {
    const admin = await api.staff('admin');
    const sample = await server.db.prisma.student.findFirstOrThrow({ where: { college: { code: 'COMPUTER_SCIENCE' } }, orderBy: { number: 'asc' } });
    const byName = await api.as(admin, SEARCH, { q: sample.name });
    expect(byName.data?.students.edges.map((edge) => edge.node.number)).toContain(sample.number);
    const byPrefix = await api.as(admin, SEARCH, { q: sample.number.slice(0, 6), first: 5 });
    const prefixed = byPrefix.data!.students;
    expect(prefixed.edges).toHaveLength(5);
    expect(prefixed.edges.every((edge) => edge.node.number.startsWith(sample.number.slice(0, 6)))).toBe(true);
    const next = await api.as(admin, SEARCH, { q: sample.number.slice(0, 6), first: 5, after: prefixed.pageInfo.endCursor });
    expect(next.data!.students.edges[0]!.node.number > prefixed.edges[4]!.node.number).toBe(true);

    const collegeAdmin = await api.staff('xgz-earth-sciences');
    const own = await api.as(collegeAdmin, SEARCH, { first: 50 });
    expect(own.data?.students.edges.length).toBeGreaterThan(0);
    expect(own.data?.students.edges.every((edge) => edge.node.college.code === 'EARTH_SCIENCES')).toBe(true);
    expect((await api.as(collegeAdmin, ONE, { n: sample.number })).data?.student).toBeNull();
  });

  it('is for staff only', async () => {
    const student = await server.db.prisma.student.findFirstOrThrow({ where: { deferrals: { none: {} }, cohort: { year: 2020 } } });
    const token = await api.student(student.number);
    expect((await api.as(token, ONE, { n: student.number })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../testing/server.js';
import { type clients, countStatements, findStudents, openDemoServer } from '../testing/demo.js';
import { graphql } from '../testing/generated/index.js';
import type { TypedDocument } from '../testing/request.js';

/**
 * SQL statements per hot operation (issue 8), counted on the embedded database
 * with everything included: authentication of the token, the operation, and the
 * type-level visibility checks. Prisma loads relations with joins
 * (`relationJoins`), so a nested selection costs one statement, not one per table.
 */

const SHEET = graphql(`
  query StatementsSheet {
    viewer { ... on Student {
      number name
      clearanceItems {
        id code name status reason requirement blockedBy version
        department { code name } contact { phone office hours } waivedBecause { code reason }
      }
      progress { required approved pending locked cleared }
    } }
  }
`);

const QUEUE_PAGE = graphql(`
  query StatementsQueuePage {
    reviewQueue(first: 50) {
      counts { pending total }
      edges { cursor node { id status version waitingSince student { number name } template { code department { code } } } }
    }
  }
`);

const STATS = graphql(`
  query StatementsStats {
    cohortStats(year: 2020) { graduates cleared items { template { code } pending approved } colleges { college { code } graduates cleared } }
  }
`);

describe('statements per operation (embedded PostgreSQL)', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer()));
  afterAll(() => server?.close());

  async function measure<R>(token: string, document: TypedDocument<R, { [key: string]: never }>) {
    await api.as(token, document); // warm caches so only the steady state is counted
    const { result, statements } = await countStatements(server, () => api.as(token, document));
    expect(result.errors).toBeUndefined();
    expect(statements, 'statements are counted on the embedded database').not.toBeNull();
    return { data: result.data!, statements: statements! };
  }

  // Issue 8 asks for at most 4; the bounds below are what the code does now, so a regression shows.
  it("reads a student's whole sheet (items, departments, campus contacts, progress) in 2 statements: the token's account, then the sheet", async () => {
    const [student] = await findStudents(server, { category: 'POSTGRADUATE_DUAL', secondSupervisor: true });
    const token = await api.student(student!.number);
    await server.db.prisma.student.update({ where: { id: student!.id }, data: { surveyCompletedAt: new Date() } });

    const { data, statements } = await measure(token, SHEET);
    const items = data.viewer!.clearanceItems!;
    expect(items.length).toBeGreaterThanOrEqual(10);
    expect(items.every((item) => item.department && item.contact)).toBe(true);
    expect(statements.length, statements.join('\n\n')).toBeLessThanOrEqual(2);
  });

  it('reads a review queue page of 50 items with student, template and department in 3 statements: account, page with counts, items', async () => {
    const { data, statements } = await measure(await api.staff('finance'), QUEUE_PAGE);
    expect(data.reviewQueue.edges).toHaveLength(50);
    expect(data.reviewQueue.edges.every((edge) => edge.node.student && edge.node.template.department)).toBe(true);
    expect(statements.length, statements.join('\n\n')).toBeLessThanOrEqual(3);
  });

  it('reads cohort statistics from the counters, not from the items, in 2 statements: account, counters with their cohort, templates and colleges', async () => {
    const { data, statements } = await measure(await api.staff('admin'), STATS);
    expect(data.cohortStats.graduates).toBeGreaterThan(0);
    expect(data.cohortStats.items.map((item) => item.template.code)).toContain('LIBRARY');
    expect(data.cohortStats.colleges.map((college) => college.college.code)).toContain('EARTH_SCIENCES');
    expect(
      statements.some((sql) => sql.includes('"ClearanceItem"')),
      statements.join('\n\n'),
    ).toBe(false);
    expect(statements.length, statements.join('\n\n')).toBeLessThanOrEqual(2);
  });
});

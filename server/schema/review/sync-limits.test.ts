import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../testing/databases.js';
import type { TestServer } from '../../testing/server.js';
import { type clients, findStudents, INTEGRATION_TOKEN, itemOf, openDemoServer } from '../../testing/demo.js';
import { graphql } from '../../testing/generated/index.js';
import { failure, success } from '../../testing/request.js';

const SYNC = graphql(`
  mutation SyncLimitsSync($key: String!, $results: [SyncResultInput!]!) {
    syncClearanceResults(idempotencyKey: $key, results: $results) {
      __typename
      ... on MutationSyncClearanceResultsSuccess { data { applied outcomes { ok status } } }
      ... on Error { code message }
    }
  }
`);

/** A department system cannot poison an item with a result from the future or store an unbounded reference. */
describe.each(BACKENDS)('syncClearanceResults bounds what it stores (%s)', (backend) => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  let numbers: string[];
  beforeAll(async () => {
    ({ server, api } = await openDemoServer({ backend }));
    numbers = (await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'MARXISM' }, 2, 3)).map((student) => student.number);
  });
  afterAll(() => server?.close());

  const sync = async (
    key: string,
    row: { observedAt: string; externalRef?: string; status?: 'APPROVED' | 'REJECTED'; reason?: string },
    number = numbers[0]!,
  ) => {
    const response = await api.as(
      INTEGRATION_TOKEN,
      SYNC,
      { key, results: [{ studentNumber: number, status: 'APPROVED', ...row }] },
      { 'accept-language': 'en' },
    );
    expect(response.errors).toBeUndefined();
    return response.data!.syncClearanceResults;
  };

  it('refuses an observedAt beyond the allowed clock skew, so later real results are never STALE', async () => {
    const future = await sync('skew-1', { observedAt: '9999-12-31T00:00:00Z' });
    expect(future).toMatchObject({ __typename: 'DomainError', code: 'INVALID_INPUT' });
    expect(failure(future).message).toContain('observedAt');
    const item = await server.db.prisma.clearanceItem.findUniqueOrThrow({ where: { id: (await itemOf(server, numbers[0]!, 'LIBRARY')).dbId } });
    expect(item.observedAt).toBeNull();

    const slightlyAhead = await sync('skew-2', { observedAt: new Date(Date.now() + 60_000).toISOString() });
    expect(success(slightlyAhead).outcomes).toEqual([{ ok: true, status: 'APPROVED' }]);
  });

  it('refuses an externalRef over 200 characters and stores nothing of it', async () => {
    const before = await server.db.prisma.clearanceEvent.count();
    const long = await sync('ref-1', { externalRef: 'R'.repeat(900_000), observedAt: new Date().toISOString() }, numbers[1]);
    expect(long).toMatchObject({ __typename: 'DomainError', code: 'INVALID_INPUT' });
    expect(failure(long).message).toContain('externalRef');
    expect(await server.db.prisma.clearanceEvent.count()).toBe(before);
    const fits = await sync('ref-2', { externalRef: 'R'.repeat(200), status: 'REJECTED', reason: '欠书', observedAt: new Date().toISOString() }, numbers[1]);
    expect(success(fits).outcomes).toEqual([{ ok: true, status: 'REJECTED' }]);
  });
});

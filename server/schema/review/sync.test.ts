import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../testing/server.js';
import { type clients, findStudents, INTEGRATION_TOKEN, itemOf, openDemoServer } from '../../testing/demo.js';
import { graphql } from '../../testing/generated/index.js';

const SYNC = graphql(`
  mutation SyncResults($key: String!, $results: [SyncResultInput!]!) {
  syncClearanceResults(idempotencyKey: $key, results: $results) {
    __typename
    ... on MutationSyncClearanceResultsSuccess {
      data { idempotencyKey replayed applied stale failed outcomes { row studentNumber itemId ok status version error { code message } } }
    }
    ... on Error { code message }
  }
}`);

interface Row {
  studentNumber: string;
  status: 'APPROVED' | 'REJECTED';
  reason?: string;
  externalRef?: string;
  observedAt: string;
  itemCode?: string;
}

describe('syncClearanceResults', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer()));
  afterAll(() => server?.close());

  async function sync(key: string, results: Row[], token = INTEGRATION_TOKEN, headers: Record<string, string> = {}) {
    const response = await api.as(token, SYNC, { key, results }, headers);
    if (response.errors?.length) return { code: response.errors[0]!.extensions?.code as string, data: null };
    const payload = response.data!.syncClearanceResults;
    if (payload.__typename !== 'MutationSyncClearanceResultsSuccess') return { code: payload.code, data: null };
    return { code: null, data: payload.data };
  }

  const codes = (data: { outcomes: { ok: boolean; status: string | null; error: { code: string } | null }[] }) =>
    data.outcomes.map((o) => (o.ok ? o.status : o.error!.code));

  it("applies results to the department's items, records source, reference and times, and replays a key", async () => {
    const [a, b] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'EARTH_SCIENCES' }, 2, 8);
    const rows: Row[] = [
      { studentNumber: a!.number, status: 'APPROVED', externalRef: 'LIB-1001', observedAt: '2020-06-20T08:00:00Z' },
      { studentNumber: b!.number, status: 'REJECTED', reason: '尚有 2 本图书未归还', externalRef: 'LIB-1002', observedAt: '2020-06-20T08:00:00Z' },
      { studentNumber: 'no-such-student', status: 'APPROVED', observedAt: '2020-06-20T08:00:00Z' },
      { studentNumber: a!.number, status: 'APPROVED', itemCode: 'FINANCE', observedAt: '2020-06-20T08:00:00Z' },
    ];
    const first = await sync('batch-0001', rows);
    expect(first.code).toBeNull();
    expect(first.data).toMatchObject({ idempotencyKey: 'batch-0001', replayed: false, applied: 2, stale: 0, failed: 2 });
    expect(codes(first.data!)).toEqual(['APPROVED', 'REJECTED', 'NOT_FOUND', 'NOT_FOUND']);

    const item = await server.db.prisma.clearanceItem.findUniqueOrThrow({ where: { id: (await itemOf(server, a!.number, 'LIBRARY')).dbId } });
    expect(item).toMatchObject({ status: 'APPROVED', source: 'SYNC', externalRef: 'LIB-1001', observedAt: new Date('2020-06-20T08:00:00Z') });
    expect(item.syncedAt).toBeInstanceOf(Date);
    const integration = await server.db.prisma.reviewer.findUniqueOrThrow({ where: { username: 'library-sync' } });
    expect(item.decidedById).toBe(integration.id);
    const events = await server.db.prisma.clearanceEvent.findMany({ where: { itemId: item.id }, orderBy: { seq: 'asc' } });
    expect(events.at(-1)).toMatchObject({ source: 'SYNC', toStatus: 'APPROVED', externalRef: 'LIB-1001', actorReviewerId: integration.id });
    expect((await itemOf(server, a!.number, 'FINANCE')).status).toBe('PENDING');

    // The same batch under the same key: the first reply, nothing applied again.
    const eventCount = await server.db.prisma.clearanceEvent.count();
    const again = await sync('batch-0001', rows);
    expect(again.data).toMatchObject({ replayed: true, applied: 2, failed: 2 });
    expect(again.data!.outcomes).toEqual(first.data!.outcomes);
    expect(await server.db.prisma.clearanceEvent.count()).toBe(eventCount);
    // Another batch under the same key is refused.
    expect((await sync('batch-0001', rows.slice(0, 1))).code).toBe('INVALID_INPUT');
    // The messages of a replay follow the request's language.
    const english = await sync('batch-0001', rows, INTEGRATION_TOKEN, { 'accept-language': 'en' });
    expect(english.data!.outcomes[2]!.error!.message).toBe('Not found.');
  });

  it('ignores results older than the stored one (STALE), within a batch and across batches', async () => {
    const [c, d] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'GEMMOLOGY' }, 2, 8);
    const newer = await sync('batch-0002', [
      { studentNumber: c!.number, status: 'REJECTED', reason: '欠费', observedAt: '2020-06-21T10:00:00Z' },
      { studentNumber: d!.number, status: 'APPROVED', observedAt: '2020-06-21T09:00:00Z' },
      { studentNumber: d!.number, status: 'REJECTED', reason: '旧数据', observedAt: '2020-06-20T09:00:00Z' },
    ]);
    expect(codes(newer.data!)).toEqual(['REJECTED', 'APPROVED', 'STALE']);
    expect(newer.data).toMatchObject({ applied: 2, stale: 1, failed: 0 });

    const older = await sync('batch-0003', [{ studentNumber: c!.number, status: 'APPROVED', observedAt: '2020-06-21T09:59:59Z' }]);
    expect(codes(older.data!)).toEqual(['STALE']);
    expect((await itemOf(server, c!.number, 'LIBRARY')).status).toBe('REJECTED');

    // A newer result settles the debt (REJECTED → APPROVED), and a later debt reopens it (APPROVED → REJECTED, reason required).
    const settled = await sync('batch-0004', [{ studentNumber: c!.number, status: 'APPROVED', externalRef: 'LIB-2001', observedAt: '2020-06-22T10:00:00Z' }]);
    expect(codes(settled.data!)).toEqual(['APPROVED']);
    const noReason = await sync('batch-0005', [{ studentNumber: c!.number, status: 'REJECTED', observedAt: '2020-06-23T10:00:00Z' }]);
    expect(codes(noReason.data!)).toEqual(['REASON_REQUIRED']);
    const debt = await sync('batch-0006', [{ studentNumber: c!.number, status: 'REJECTED', reason: '图书逾期罚款', observedAt: '2020-06-23T10:00:00Z' }]);
    expect(codes(debt.data!)).toEqual(['REJECTED']);
    const same = await sync('batch-0007', [{ studentNumber: c!.number, status: 'REJECTED', reason: '图书逾期罚款', observedAt: '2020-06-24T10:00:00Z' }]);
    expect(codes(same.data!)).toEqual(['ALREADY_IN_STATE']);
  });

  it('reports a locked item and a student without the item, row by row', async () => {
    const [postgraduate] = await findStudents(server, { category: 'POSTGRADUATE_DUAL', collegeCode: 'MARXISM' });
    const deferred = await server.db.prisma.student.findFirstOrThrow({ where: { cohort: { year: 2021 } } });
    const result = await sync('batch-0008', [
      { studentNumber: postgraduate!.number, status: 'APPROVED', observedAt: '2020-06-20T08:00:00Z' },
      { studentNumber: deferred.number, status: 'APPROVED', observedAt: '2020-06-20T08:00:00Z' },
    ]);
    expect(codes(result.data!)).toEqual(['ITEM_LOCKED', 'NOT_FOUND']);
    expect(result.data!.outcomes[0]!.itemId).toBe((await itemOf(server, postgraduate!.number, 'LIBRARY')).id);
    expect((await itemOf(server, postgraduate!.number, 'LIBRARY')).status).toBe('LOCKED');
  });

  it('is for integration accounts only, and checks the batch', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'MARXISM' }, 1, 9);
    const row: Row = { studentNumber: student!.number, status: 'APPROVED', observedAt: '2020-06-20T08:00:00Z' };
    expect((await sync('batch-0009', [row], await api.staff('library'))).code).toBe('FORBIDDEN');
    expect((await sync('batch-0009', [row], await api.staff('admin'))).code).toBe('FORBIDDEN');
    expect((await sync('batch-0009', [row], await api.student(student!.number))).code).toBe('FORBIDDEN');
    expect((await sync('batch-0009', [row], 'lxi_not-a-real-token')).code).toBe('TOKEN_INVALID');
    expect((await sync('batch-0009', [])).code).toBe('INVALID_INPUT');
    expect((await sync('', [row])).code).toBe('INVALID_INPUT');
    expect(
      (
        await sync(
          'batch-0009',
          Array.from({ length: 1001 }, () => row),
        )
      ).code,
    ).toBe('INVALID_INPUT');
    expect((await itemOf(server, student!.number, 'LIBRARY')).status).toBe('PENDING');
  });
});

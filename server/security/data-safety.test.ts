import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type clients, findStudents, itemOf, openDemoServer, ref, type ItemHandle, whileHistoryWritesFail } from '../testing/demo.js';
import type { TestServer } from '../testing/server.js';
import { graphql } from '../testing/generated/index.js';
import { success } from '../testing/request.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const APPROVE = graphql(`
  mutation DataSafetyApprove($items: [ItemRefInput!]!) {
    approveItems(items: $items) {
      __typename
      ... on MutationApproveItemsSuccess { data { approved rejected failed outcomes { id ok status version error { code } } } }
      ... on Error { code }
    }
  }
`);
const REJECT = graphql(`
  mutation DataSafetyReject($items: [ItemRefInput!]!, $reason: String!) {
    rejectItems(items: $items, reason: $reason) {
      __typename
      ... on MutationRejectItemsSuccess { data { approved rejected failed outcomes { id ok status version error { code } } } }
      ... on Error { code }
    }
  }
`);
const HISTORY = graphql(`
  query DataSafetyHistory($id: ID!) {
    node(id: $id) { ... on ClearanceItem { version history { toStatus } } }
  }
`);

describe('a decision and its event are one transaction', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer()));
  afterAll(() => server?.close());

  /** Every item's version and event count, and the totals. */
  async function ledger() {
    const rows = await server.db.prisma.$queryRaw<{ id: string; version: number; events: bigint }[]>`
      SELECT i.id, i.version, (SELECT count(*) FROM "ClearanceEvent" e WHERE e."itemId" = i.id) AS events FROM "ClearanceItem" i`;
    const [count] = await server.db.prisma.$queryRaw<{ total: bigint }[]>`SELECT count(*) AS total FROM "ClearanceEvent"`;
    return { items: new Map(rows.map((r) => [r.id, { version: r.version, events: Number(r.events) }])), totalEvents: Number(count!.total) };
  }

  it('5 concurrent batches over overlapping items: version increments equal new events, item by item', async () => {
    // Students whose LIBRARY item is still PENDING; each batch takes an overlapping window of them.
    const students = await findStudents(server, { category: 'UNDERGRADUATE' }, 60, 100);
    const items: ItemHandle[] = [];
    for (const student of students) {
      const item = await itemOf(server, student.number, 'LIBRARY');
      if (item.status === 'PENDING') items.push(item);
      if (items.length === 12) break;
    }
    expect(items.length).toBeGreaterThanOrEqual(8);
    const token = await api.staff('library');
    const before = await ledger();

    const windows = [0, 2, 4, 1, 3].map((start) => items.slice(start, start + 6));
    const results = await Promise.all(
      windows.map((window, index) =>
        index % 2 === 0
          ? api.as(token, APPROVE, { items: window.map(ref) }).then(({ data, errors }) => ({ errors, answer: data?.approveItems }))
          : api.as(token, REJECT, { items: window.map(ref), reason: `并发批次 ${index}` }).then(({ data, errors }) => ({ errors, answer: data?.rejectItems })),
      ),
    );
    const reports = results.map(({ errors, answer }) => {
      expect(errors, JSON.stringify(errors)).toBeUndefined();
      return success(answer);
    });
    // Every item was decided by exactly one batch; the others saw CONFLICT (same expected version).
    for (const item of items) {
      const outcomes = reports.flatMap((report) => report.outcomes.filter((o) => o.id === item.id));
      if (outcomes.length === 0) continue;
      expect(
        outcomes.filter((o) => o.ok),
        item.id,
      ).toHaveLength(1);
      for (const failed of outcomes.filter((o) => !o.ok)) expect(failed.error?.code).toBe('CONFLICT');
    }

    const after = await ledger();
    let versionIncrements = 0;
    for (const [id, now] of after.items) {
      const then = before.items.get(id) ?? { version: 0, events: 0 };
      // Item by item: each version step has exactly one event, and no event exists without its step.
      expect(now.version - then.version, id).toBe(now.events - then.events);
      versionIncrements += now.version - then.version;
    }
    const newEvents = after.totalEvents - before.totalEvents;
    expect(versionIncrements).toBe(newEvents);
    // At least one decision per item some batch named.
    expect(newEvents).toBeGreaterThanOrEqual(new Set(windows.flat().map((item) => item.id)).size);

    // The history each item shows agrees with its version.
    const decided = items[0]!;
    const read = await api.as(token, HISTORY, { id: decided.id });
    const node = read.data!.node as { version: number; history: { toStatus: string }[] };
    expect(node.history.length - before.items.get(decided.dbId)!.events).toBe(node.version - decided.version);
  });

  it('a batch whose write fails leaves neither item changes nor events', async () => {
    const students = await findStudents(server, { category: 'UNDERGRADUATE' }, 4, 200);
    const items = await Promise.all(students.map((s) => itemOf(server, s.number, 'LIBRARY')));
    expect(items).toHaveLength(4);
    const token = await api.staff('library');
    const before = await ledger();
    const failed = await whileHistoryWritesFail(server, () => api.as(token, REJECT, { items: items.map(ref), reason: '证件未还' }));
    expect(failed.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    const after = await ledger();
    expect(after.totalEvents).toBe(before.totalEvents);
    for (const item of items) expect(after.items.get(item.dbId)!.version).toBe(item.version);
  });
});

describe('ClearanceEvent is append-only by construction', () => {
  const SCANNED = ['server', 'sdk', 'scripts', 'bench', 'prisma'];
  const SKIPPED_DIRS = new Set(['node_modules', 'generated', 'migrations', 'data', '.git', 'dist']);
  const EXTENSIONS = /\.(ts|mts|cts|js|mjs|cjs|sql|sh|prisma)$/;
  // Built from parts so this file does not match itself.
  const TABLE = '"?Clearance' + 'Event"?';
  const PATTERNS = [
    new RegExp(`\\bUPDATE\\s+(ONLY\\s+)?${TABLE}(\\s|$)`, 'i'),
    new RegExp(`\\bDELETE\\s+FROM\\s+(ONLY\\s+)?${TABLE}(\\s|;|$)`, 'i'),
    new RegExp(`\\bTRUNCATE\\s+(TABLE\\s+)?${TABLE}`, 'i'),
    new RegExp(`clearance` + `Event\\s*\\.\\s*(update|updateMany|updateManyAndReturn|upsert|delete|deleteMany)\\s*\\(`),
  ];

  function sourceFiles(dir: string, skipped: Set<string>): string[] {
    const found: string[] = [];
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) {
        if (!skipped.has(entry)) found.push(...sourceFiles(path, skipped));
      } else if (EXTENSIONS.test(entry)) {
        found.push(path);
      }
    }
    return found;
  }

  const offending = (files: string[]) =>
    files.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return PATTERNS.filter((pattern) => pattern.test(text)).map((pattern) => `${relative(ROOT, file)}: ${pattern}`);
    });

  it('finds no UPDATE, DELETE or TRUNCATE of "ClearanceEvent", nor prisma.clearanceEvent.update/delete, outside prisma/migrations', () => {
    const files = SCANNED.flatMap((dir) => sourceFiles(join(ROOT, dir), SKIPPED_DIRS));
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((f) => f.endsWith(`services${sep}decisions.ts`))).toBe(true);
    expect(offending(files)).toEqual([]);
  });

  it('the scan would notice one: it flags the migration that backfilled templateId', () => {
    const migrations = sourceFiles(join(ROOT, 'prisma', 'migrations'), new Set());
    expect(offending(migrations).some((hit) => hit.includes('event_history_survives_items'))).toBe(true);
  });
});

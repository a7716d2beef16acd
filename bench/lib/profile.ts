import { w4cStatements } from '../scenarios/w4c-fanout.js';
/** SQL statements per operation, counted on an in-process copy of the app. */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/log.js';
import { createServices } from '../../server/services/runtime.js';
import { STAFF_PASSWORD, STUDENT_PASSWORD, log } from './context.js';
import { globalId, gql, login } from './http.js';
import { countStatements, describe } from './statements.js';
import { sleep } from './stats.js';
import { cleanups, type Target } from './target.js';
import { SHEET_QUERY } from '../scenarios/w1-portal.js';
import { APPROVE } from '../scenarios/w2-review.js';
import { STATS_QUERY } from '../scenarios/w5-stats.js';

export const profileRows: { operation: string; statements: number; detail: string }[] = [];

export async function profile(target: Target) {
  if (target.kind !== 'postgres') return;
  log('profile: statements per operation (in-process copy of the app on the bench pool)');
  const config = loadConfig({ PORT: '0', JWT_SECRET: target.jwtSecret, LOG_LEVEL: 'silent', SHUTDOWN_GRACE_SECONDS: '1' });
  const runtime = createServices(config, target.db, createLogger('silent'));
  const app = createApp(config, runtime.services);
  const { port } = await app.listen();
  cleanups.push({
    name: 'profile app',
    run: async () => {
      await app.close();
      await runtime.close();
    },
  });
  const local: Target = { ...target, url: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql` };
  const record = async (operation: string, work: () => Promise<unknown>) => {
    await work().catch(() => undefined);
    const { statements } = await countStatements(work);
    profileRows.push({ operation, statements: statements.length, detail: describe(statements) });
  };
  const [student] = await target.db.sql.query<{ number: string }>(
    `SELECT s.number FROM "Student" s JOIN "Cohort" c ON c.id = s."cohortId" AND c.year = 2020 ORDER BY s.number LIMIT 1`,
  );
  const studentToken = await login(local, student!.number, STUDENT_PASSWORD);
  const adminToken = await login(local, 'admin', STAFF_PASSWORD);
  const libraryToken = await login(local, 'library', STAFF_PASSWORD);
  await record('W1 portal sheet read (one student, 9–11 items)', () => gql(local, SHEET_QUERY, {}, studentToken));
  await record('W5 cohortStats (items + colleges)', () => gql(local, STATS_QUERY, { y: 2020 }, adminToken));

  // One approveItems batch of 500 (not warmed: a second call would only answer conflicts).
  const items = await target.db.sql.query<{ id: string; version: number }>(
    `SELECT i.id, i.version FROM "ClearanceItem" i JOIN "ItemTemplate" t ON t.id = i."templateId" JOIN "Cohort" c ON c.id = i."cohortId" AND c.year = 2020
     WHERE t.code = 'LIBRARY' AND i.status = 'PENDING' ORDER BY i."studentId" LIMIT 500`,
  );
  const {
    statements: approveStatements,
    result: approveResult,
    rows: approveRows,
  } = await countStatements(() =>
    gql(local, APPROVE, { items: items.map((i) => ({ id: globalId('ClearanceItem', i.id), expectedVersion: i.version })) }, libraryToken),
  );
  const approved = (approveResult.data as any)?.approveItems?.data?.approved ?? 0;
  profileRows.push({
    operation: `W2 approveItems, batch of ${items.length} (${approved} approved)`,
    statements: approveStatements.length,
    detail: `${describe(approveStatements)}; ${approveRows} rows returned to the server (${(approveRows / Math.max(approved, 1)).toFixed(2)} per decision)`,
  });

  // W4: statements of one delivery = (decision with one subscriber) − (decision with none).
  const [item] = await target.db.sql.query<{ id: string; studentId: string }>(
    `SELECT i.id, i."studentId" FROM "ClearanceItem" i JOIN "ItemTemplate" t ON t.id = i."templateId" JOIN "Cohort" c ON c.id = i."cohortId" AND c.year = 2020
     WHERE t.code = 'LIBRARY' AND i.status = 'PENDING' ORDER BY i."studentId" LIMIT 1`,
  );
  const gid = globalId('ClearanceItem', item!.id);
  let lastKind: 'reject' | 'reopen' = 'reject';
  const flip = async () => {
    const [{ version, status }] = (await target.db.sql.query<{ version: number; status: string }>(
      `SELECT version, status::text AS status FROM "ClearanceItem" WHERE id = $1`,
      [item!.id],
    )) as [{ version: number; status: string }];
    lastKind = status === 'PENDING' ? 'reject' : 'reopen';
    return status === 'PENDING'
      ? gql(
          local,
          `mutation ($i: [ItemRefInput!]!) { rejectItems(items: $i, reason: "bench") { __typename } }`,
          { i: [{ id: gid, expectedVersion: version }] },
          libraryToken,
        )
      : gql(local, `mutation ($id: ID!, $v: Int!) { reopenItem(id: $id, expectedVersion: $v) { __typename } }`, { id: gid, v: version }, libraryToken);
  };
  const alone = new Map<string, string[]>();
  for (let i = 0; i < 2; i++) {
    const { statements } = await countStatements(flip);
    alone.set(lastKind, statements);
  }
  for (const [name, selection] of [
    ['{ seq }', '{ seq }'],
    ['{ seq item { … } progress { … } }', '{ seq item { id status version } progress { approved required cleared } }'],
  ] as const) {
    const client = createClient({
      url: local.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${adminToken}` },
      lazy: false,
      retryAttempts: 0,
    });
    let delivered: (() => void) | null = null;
    const dispose = client.subscribe(
      { query: `subscription ($s: ID!) { clearanceItemUpdated(studentId: $s) ${selection} }`, variables: { s: globalId('Student', item!.studentId) } },
      { next: () => delivered?.(), error: () => undefined, complete: () => undefined },
    );
    await sleep(500);
    const { statements } = await countStatements(async () => {
      const arrived = new Promise<void>((resolve) => {
        delivered = resolve;
        setTimeout(resolve, 5000);
      });
      await flip();
      await arrived;
      await sleep(50);
    });
    dispose();
    await client.dispose();
    const base = alone.get(lastKind)!;
    profileRows.push({
      operation: `W4 one delivery of clearanceItemUpdated ${name}`,
      statements: statements.length - base.length,
      detail: `decision (${lastKind}) with one subscriber: ${describe(statements)}; alone: ${describe(base)}`,
    });
  }
  profileRows.push(await w4cStatements(local, adminToken, libraryToken, gql, 100));
  await app.close();
}

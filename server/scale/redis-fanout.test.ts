import { randomBytes } from 'node:crypto';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { globalId } from '../testing/ids.js';
import { LOGIN, LOGOUT, VIEWER_TYPENAME } from '../testing/documents.js';
import { graphql } from '../testing/generated/index.js';
import { redisListeners } from '../testing/live.js';
import { startServerProcess, type ServerProcess } from '../testing/processes.js';
import { failure, logIn, type OperationArguments, request, success, type TypedDocument } from '../testing/request.js';
import { waitFor } from '../testing/wait.js';

/**
 * Two real server processes on one PostgreSQL database and one Redis, as in a
 * scaled-out deployment. Runs where TEST_DATABASE_URL and TEST_REDIS_URL are set
 * (CI); elsewhere it is skipped with a line saying so.
 */
const DATABASE = process.env.TEST_DATABASE_URL;
const REDIS = process.env.TEST_REDIS_URL;
const enabled = Boolean(DATABASE && REDIS);
if (!enabled) console.log('skipped: no PostgreSQL + Redis (TEST_DATABASE_URL and TEST_REDIS_URL); the two-process fan-out suite did not run');

const PASSWORD = 'Lixiao@2020';

const ITEM_UPDATES = graphql(`
  subscription RedisFanoutItemUpdates($id: ID!) {
    clearanceItemUpdated(studentId: $id) { seq item { code status } }
  }
`);
const APPROVE = graphql(`
  mutation RedisFanoutApprove($items: [ItemRefInput!]!) {
    approveItems(items: $items) { ... on MutationApproveItemsSuccess { data { approved } } }
  }
`);
const REJECT = graphql(`
  mutation RedisFanoutReject($items: [ItemRefInput!]!, $r: String!) {
    rejectItems(items: $items, reason: $r) { __typename }
  }
`);
const REFRESH = graphql(`
  mutation RedisFanoutRefresh($r: String!) {
    refreshSession(refreshToken: $r) { __typename ... on MutationRefreshSessionSuccess { data { accessToken } } ... on DomainError { code } }
  }
`);

function gql<R, V>(server: ServerProcess, document: TypedDocument<R, V>, variables: V, token?: string) {
  return request(server.url, document, ...([variables, token ? { authorization: `Bearer ${token}` } : {}] as OperationArguments<V>));
}

const login = (server: ServerProcess, username: string) => logIn(server.url, username, PASSWORD);

/** Whether the process subscribed to a student's item events on Redis hears decisions made on the other. */
const listeningFor = (studentId: string) => redisListeners(REDIS!, `student:items:${studentId}`);

describe.runIf(enabled)('two server processes behind Redis', () => {
  const database = `lixiao_scale_${randomBytes(5).toString('hex')}`;
  let admin: pg.Client;
  let db: pg.Client;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: DATABASE });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(DATABASE!);
    url.pathname = `/${database}`;
    const env = { DATABASE_URL: url.toString(), REDIS_URL: REDIS!, JWT_SECRET: randomBytes(32).toString('hex') };
    a = await startServerProcess({ ...env, DEMO_DATA: 'on' });
    b = await startServerProcess({ ...env, DEMO_DATA: 'off' });
    db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
  }, 180_000);

  afterAll(async () => {
    const codes = await Promise.all([a?.stop(), b?.stop()]);
    expect(codes).toEqual([0, 0]);
    await db?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin?.end();
  });

  async function pendingLibraryItem(offset: number) {
    const { rows } = await db.query(
      `SELECT i.id, i.version, i."studentId" FROM "ClearanceItem" i JOIN "ItemTemplate" t ON t.id = i."templateId" JOIN "Student" s ON s.id = i."studentId"
       WHERE t.code = 'LIBRARY' AND i.status = 'PENDING' AND s.category = 'UNDERGRADUATE' ORDER BY s.number OFFSET $1 LIMIT 1`,
      [offset],
    );
    return rows[0] as { id: string; version: number; studentId: string };
  }

  function watch(server: ServerProcess, token: string, studentId: string) {
    const events: { at: number; data: any }[] = [];
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    const stop = client.subscribe(
      {
        query: ITEM_UPDATES.toString(),
        variables: { id: globalId('Student', studentId) },
      },
      { next: (message) => events.push({ at: Date.now(), data: message.data }), error: () => undefined, complete: () => undefined },
    );
    return {
      events,
      close: async () => {
        stop();
        await client.dispose();
      },
    };
  }

  it('delivers a decision made on one process to a subscriber on the other within a second', async () => {
    const item = await pendingLibraryItem(0);
    const subscriber = watch(a, await login(a, 'admin'), item.studentId);
    await waitFor(() => listeningFor(item.studentId), 10_000, 'A to listen for the student on Redis');
    const library = await login(b, 'library');
    const sent = Date.now();
    const answer = await gql(
      b,
      APPROVE,
      {
        items: [{ id: globalId('ClearanceItem', item.id), expectedVersion: item.version }],
      },
      library,
    );
    expect(answer.data?.approveItems).toEqual({ data: { approved: 1 } });
    await waitFor(() => subscriber.events.length > 0, 3000, 'the decision to reach A');
    await subscriber.close();
    expect(subscriber.events[0]?.data.clearanceItemUpdated.item).toEqual({ code: 'LIBRARY', status: 'APPROVED' });
    console.log(`cross-process delivery: ${subscriber.events[0]!.at - sent} ms (request round trip included)`);
    expect(subscriber.events[0]!.at - sent).toBeLessThan(1000);
  });

  it('publishes nothing for a change that rolled back', async () => {
    const item = await pendingLibraryItem(1);
    // A database fault after the item row was written: the event insert fails, so the whole decision rolls back.
    await db.query(`CREATE FUNCTION fail_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$`);
    await db.query(
      `CREATE TRIGGER fail_event BEFORE INSERT ON "ClearanceEvent" FOR EACH ROW WHEN (NEW.reason = 'injected fault') EXECUTE FUNCTION fail_event()`,
    );
    try {
      const subscriber = watch(a, await login(a, 'admin'), item.studentId);
      await waitFor(() => listeningFor(item.studentId), 10_000, 'A to listen for the student on Redis');
      const answer = await gql(
        b,
        REJECT,
        {
          items: [{ id: globalId('ClearanceItem', item.id), expectedVersion: item.version }],
          r: 'injected fault',
        },
        await login(b, 'library'),
      );
      expect(answer.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(answer)).not.toContain('injected fault');
      // A later decision on the same student through the same path: once it arrives, anything published before it would have.
      const { rows: finance } = await db.query(
        `SELECT i.id, i.version FROM "ClearanceItem" i JOIN "ItemTemplate" t ON t.id = i."templateId" WHERE i."studentId" = $1 AND t.code = 'FINANCE' AND i.status = 'PENDING'`,
        [item.studentId],
      );
      const marker = await gql(
        b,
        APPROVE,
        {
          items: [{ id: globalId('ClearanceItem', finance[0].id), expectedVersion: finance[0].version }],
        },
        await login(b, 'finance'),
      );
      expect(marker.data?.approveItems).toEqual({ data: { approved: 1 } });
      await waitFor(() => subscriber.events.length > 0, 3000, 'the later decision to reach A');
      await subscriber.close();
      expect(subscriber.events[0]!.data.clearanceItemUpdated.item).toEqual({ code: 'FINANCE', status: 'APPROVED' });
      const { rows } = await db.query('SELECT status, version FROM "ClearanceItem" WHERE id = $1', [item.id]);
      expect(rows[0]).toEqual({ status: 'PENDING', version: item.version });
    } finally {
      await db.query('DROP TRIGGER fail_event ON "ClearanceEvent"; DROP FUNCTION fail_event()');
    }
  });

  it('verifies at most 5 of 100 concurrent wrong passwords for one account sent to both processes', async () => {
    const attempts = Array.from({ length: 100 }, (_, i) => request((i % 2 ? a : b).url, LOGIN, { username: 'asset', password: `wrong-${i}` }));
    const codes = (await Promise.all(attempts)).map((answer) => answer.data?.login.__typename === 'DomainError' && answer.data.login.code);
    expect(codes.filter((code) => code === 'INVALID_CREDENTIALS')).toHaveLength(5);
    expect(codes.filter((code) => code === 'LOGIN_LOCKED')).toHaveLength(95);
  });

  it('revokes a session family on one process when a refresh token rotated on the other comes back', async () => {
    const first = success((await request(a.url, LOGIN, { username: 'career', password: PASSWORD })).data?.login).refreshToken;
    const rotated = success((await gql(a, REFRESH, { r: first })).data?.refreshSession).accessToken;
    expect(rotated).toEqual(expect.any(String));
    expect(failure((await gql(b, REFRESH, { r: first })).data?.refreshSession).code).toBe('REFRESH_TOKEN_REUSED');
    const after = await gql(b, VIEWER_TYPENAME, {}, rotated);
    expect(after.errors?.[0]?.extensions?.code).toBe('TOKEN_REVOKED');
  });

  it('closes sockets on every process when the account logs out on one', async () => {
    const token = await login(a, 'finance');
    const socket = new WebSocket(a.wsUrl, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await new Promise((resolve) => socket.on('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await new Promise((resolve) => socket.on('message', resolve));
    expect((await gql(a, VIEWER_TYPENAME, {}, token)).data?.viewer).toEqual({ __typename: 'Reviewer' });
    await gql(b, LOGOUT, {}, token);
    expect(await closed).toBe(4403);
    // The same event dropped A's cached session: the token is refused there too, not only on B.
    expect((await gql(a, VIEWER_TYPENAME, {}, token)).errors?.[0]?.extensions?.code).toBe('TOKEN_REVOKED');
  });
});

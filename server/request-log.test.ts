import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApp, type App } from './app.js';
import { loadConfig } from './config.js';
import type { Database } from './db/client.js';
import { createLogger } from './log.js';
import { createServices } from './services/runtime.js';
import { openTestDatabase } from './testing/databases.js';
import { TEST_JWT_SECRET } from './testing/keys.js';

type LogLine = Record<string, unknown> & { level: string; msg: string };

const COHORT = '{ cohort(year: 2020) { name } }';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('log lines of a request carry its id, which the response names', () => {
  const lines: LogLine[] = [];
  let app: App;
  let db: Database;
  let origin: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const database = await openTestDatabase('pglite', 'rules');
    db = database.db;
    const config = loadConfig({ PORT: '0', SHUTDOWN_GRACE_SECONDS: '1', JWT_SECRET: TEST_JWT_SECRET });
    const log = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
    const runtime = createServices(config, db, log);
    app = createApp(config, runtime.services);
    origin = new URL((await app.listen()).url).origin;
    close = async () => {
      await app.close();
      await runtime.close();
      await database.drop();
    };
  });
  afterAll(async () => {
    await close?.();
  });

  /** Lines logged while `work` runs; the cohort table is away meanwhile, so reading it fails unexpectedly. */
  async function whileCohortsFail<T>(work: () => Promise<T>): Promise<{ result: T; logged: LogLine[] }> {
    await db.sql.exec('ALTER TABLE "Cohort" RENAME TO "CohortAway"');
    const from = lines.length;
    try {
      const result = await work();
      return { result, logged: lines.slice(from) };
    } finally {
      await db.sql.exec('ALTER TABLE "CohortAway" RENAME TO "Cohort"');
    }
  }

  const post = (headers: Record<string, string> = {}) =>
    fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query: COHORT }),
    });

  it('an unexpected failure is masked, logged once with its stack, and every line of the request has the id the response names', async () => {
    const { result: response, logged } = await whileCohortsFail(() => post({ 'x-request-id': 'lb-7f3a.2' }));
    expect(response.headers.get('x-request-id')).toBe('lb-7f3a.2');
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]).toMatchObject({ message: '服务器内部错误 / Unexpected error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(body)).not.toContain('does not exist');

    expect(logged.length).toBeGreaterThan(1);
    expect(logged.every((line) => line.requestId === 'lb-7f3a.2')).toBe(true);
    const errors = logged.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: 'unexpected error', error: { stack: expect.stringContaining('does not exist') } });
  });

  it("a refused token is an expected failure: answered in the request's language, never logged as unexpected", async () => {
    const from = lines.length;
    for (const [language, message] of [
      ['zh-CN', '令牌无效'],
      ['en', 'The token is not valid'],
    ] as const) {
      const response = await fetch(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token', 'accept-language': language },
        body: JSON.stringify({ query: '{ viewer { __typename } }' }),
      });
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]).toMatchObject({ extensions: { code: 'TOKEN_INVALID' } });
      expect(body.errors[0]?.message).toContain(message);
    }
    const logged = lines.slice(from);
    expect(logged.filter((line) => line.level === 'error' || line.level === 'warn')).toEqual([]);
  });

  it('a failure before execution (authenticating the request) is masked and logged once', async () => {
    await db.sql.exec('ALTER TABLE "Reviewer" RENAME TO "ReviewerAway"');
    const from = lines.length;
    try {
      const response = await post({ authorization: 'Bearer lxi_0123456789abcdef', 'x-request-id': 'ctx-1' });
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]).toMatchObject({ message: '服务器内部错误 / Unexpected error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    } finally {
      await db.sql.exec('ALTER TABLE "ReviewerAway" RENAME TO "Reviewer"');
    }
    const errors = lines.slice(from).filter((line) => line.level === 'error');
    expect(errors).toEqual([expect.objectContaining({ msg: 'unexpected error', requestId: 'ctx-1' })]);
  });

  it('replaces a request id that is not a plain token, and makes one up when there is none', async () => {
    for (const given of ['a b', 'x'.repeat(129), '{"level":"error"}', undefined]) {
      const response = await post(given === undefined ? {} : { 'x-request-id': given });
      await response.body?.cancel();
      expect(response.headers.get('x-request-id')).toMatch(UUID);
    }
    const first = await post();
    const second = await post();
    await Promise.all([first.body?.cancel(), second.body?.cancel()]);
    expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));
  });

  it('tags the lines of GraphQL over SSE and of routes outside GraphQL the same way', async () => {
    const sse = await whileCohortsFail(async () => {
      const response = await post({ accept: 'text/event-stream', 'x-request-id': 'sse-1' });
      return { id: response.headers.get('x-request-id'), text: await response.text() };
    });
    expect(sse.result.id).toBe('sse-1');
    expect(sse.result.text).toContain('INTERNAL_SERVER_ERROR');
    expect(sse.logged.filter((line) => line.level === 'error')).toEqual([expect.objectContaining({ requestId: 'sse-1', msg: 'unexpected error' })]);

    await db.sql.exec('ALTER TABLE "_prisma_migrations" RENAME TO "_prisma_migrations_away"');
    const from = lines.length;
    try {
      const ready = await fetch(`${origin}/readyz`, { headers: { 'x-request-id': 'probe-1' } });
      expect(ready.status).toBe(503);
      expect(ready.headers.get('x-request-id')).toBe('probe-1');
    } finally {
      await db.sql.exec('ALTER TABLE "_prisma_migrations_away" RENAME TO "_prisma_migrations"');
    }
    expect(lines.slice(from)).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'readiness check failed', requestId: 'probe-1' }));
  });

  it('tags graphql-ws lines with the socket id (answered in the handshake) and the operation id', async () => {
    const { result, logged } = await whileCohortsFail(async () => {
      const socket = new WebSocket(`${origin.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers: { 'x-request-id': 'tab-42' } });
      const handshake = new Promise<string | undefined>((resolve) => socket.once('upgrade', (response) => resolve(response.headers['x-request-id'] as string)));
      const messages: { type: string; id?: string; payload?: unknown }[] = [];
      const completed = new Promise<void>((resolve, reject) => {
        socket.on('message', (data) => {
          const message = JSON.parse(String(data)) as (typeof messages)[number];
          messages.push(message);
          if (message.type === 'connection_ack') socket.send(JSON.stringify({ type: 'subscribe', id: 'op-1', payload: { query: COHORT } }));
          if (message.type === 'complete' || message.type === 'error') resolve();
        });
        socket.once('close', (code) => reject(new Error(`socket closed with ${code}`)));
      });
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
      await completed;
      socket.close();
      return { connectionId: await handshake, messages };
    });
    expect(result.connectionId).toBe('tab-42');
    expect(JSON.stringify(result.messages)).toContain('INTERNAL_SERVER_ERROR');
    expect(logged.filter((line) => line.level === 'error')).toEqual([
      expect.objectContaining({ connectionId: 'tab-42', operationId: 'op-1', msg: 'unexpected error' }),
    ]);
  });
});

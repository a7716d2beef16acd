import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import { createLogger } from '../log.js';
import { createServices } from '../services/runtime.js';
import { BACKENDS } from '../testing/databases.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { TEST_JWT_SECRET } from '../testing/keys.js';

/**
 * Whatever a client puts in the export's query string, or however the database fails,
 * the export answers with a typed error and the process keeps serving.
 */
describe.each(BACKENDS)('summary export: bad input answers a typed error (%s)', (backend) => {
  let server: TestServer;
  let collegeAdmin: string;
  beforeAll(async () => {
    server = await startTestServer({ backend, demo: true });
    collegeAdmin = await server.login('xgz-computer-science', 'Lixiao@2020');
  });
  afterAll(async () => {
    await server?.close();
  });

  const download = (query: string) =>
    fetch(`${server.origin}/exports/summary.csv?${query}`, { headers: { authorization: `Bearer ${collegeAdmin}`, 'accept-language': 'en' } });

  it.each([
    'cohort=99999999999',
    'cohort=2147483648',
    'cohort=-1',
    'cohort=2020.5',
    'cohort=',
    'college=%00&cohort=2020',
    `cohort=2020&college=${'X'.repeat(300)}`,
  ])('%s answers 400 INVALID_INPUT and the server keeps serving', async (query) => {
    const response = await download(query);
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[0].extensions.code).toBe('INVALID_INPUT');
    expect(body.errors[0].message).toMatch(/^Invalid input: /);
    expect((await download('cohort=2020')).status).toBe(200);
  });

  it('still answers 404 for a well-formed cohort or college that does not exist', async () => {
    expect((await download('cohort=1999')).status).toBe(404);
    expect((await download('cohort=2020&college=NO_SUCH_COLLEGE')).status).toBe(404);
  });
});

describe('summary export while the database cannot be reached', () => {
  let app: App;
  let origin: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    // Nothing listens on port 1: every query fails to connect, as when PostgreSQL is down.
    const db = await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:1/down', dataDir: '' });
    const config = loadConfig({ PORT: '0', SHUTDOWN_GRACE_SECONDS: '1', JWT_SECRET: TEST_JWT_SECRET });
    const runtime = createServices(config, db, createLogger('silent'));
    app = createApp(config, runtime.services);
    origin = new URL((await app.listen()).url).origin;
    close = async () => {
      await app.close();
      await runtime.close();
      await db.close();
    };
  });
  afterAll(async () => {
    await close?.();
  });

  it('answers 503 SERVICE_UNAVAILABLE for any bearer token, in the request language, and keeps serving', async () => {
    for (const token of ['lxi_whatever', 'not-even-a-jwt']) {
      const response = await fetch(`${origin}/exports/summary.xlsx?cohort=2020`, { headers: { authorization: `Bearer ${token}`, 'accept-language': 'zh-CN' } });
      if (token.startsWith('lxi_')) {
        expect(response.status).toBe(503);
        const body = await response.json();
        expect(body.errors[0]).toEqual({ message: '服务暂时不可用，请稍后重试。', extensions: { code: 'SERVICE_UNAVAILABLE' } });
      } else {
        expect(response.status).toBe(401);
      }
    }
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${origin}/readyz`)).status).toBe(503);
  });
});

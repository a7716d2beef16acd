import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BACKENDS } from './testing/databases.js';
import { graphql } from './testing/generated/index.js';
import { startTestServer, type TestServer } from './testing/server.js';

const COHORT = graphql(`
  query AppCohort { cohort(year: 2020) { id year name templates { code sequence name department { code } } } }
`);
const DEPARTMENTS = graphql(`
  query AppDepartments { departments { id code name } }
`);
const NODE = graphql(`
  query AppNode($id: ID!) { node(id: $id) { __typename ... on Department { code } } }
`);
const CONTACTS = graphql(`
  query AppDepartmentContacts { departments { code contacts { office campus { code } } } }
`);

describe.each(BACKENDS)('server boot on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ backend, demo: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers /healthz and /readyz once migrations are applied', async () => {
    const health = await fetch(`${server.origin}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${server.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'reachable' });
  });

  it('serves the 2020 rule set over HTTP, in Chinese by default and English on request', async () => {
    const zh = await server.gql(COHORT);
    expect(zh.errors).toBeUndefined();
    const cohort = zh.data!.cohort!;
    expect(cohort.name).toBe('2020届毕业生');
    expect(cohort.templates.map((t) => t.code)).toEqual([
      'SURVEY',
      'SUPERVISOR',
      'LIBRARY',
      'EQUIPMENT',
      'SKL_TEST_FEE',
      'HOSPITAL',
      'FINANCE',
      'ASSET',
      'CAREER',
      'STUDENT_AFFAIRS',
      'GRAD_SECRETARY',
      'DORM',
    ]);
    expect(cohort.templates[2]).toMatchObject({ sequence: 2, name: '图书馆', department: { code: 'LIBRARY' } });
    const en = await server.gql(COHORT, {}, { 'accept-language': 'en-US,en;q=0.9' });
    expect(en.data?.cohort?.name).toBe('Class of 2020');
  });

  it('resolves a global ID through node(id)', async () => {
    const { data } = await server.gql(DEPARTMENTS);
    const library = data!.departments.find((d) => d.code === 'LIBRARY')!;
    const token = await server.login('admin', 'Lixiao@2020');
    const node = await server.gql(NODE, { id: library.id }, { authorization: `Bearer ${token}` });
    expect(node.data?.node).toEqual({ __typename: 'Department', code: 'LIBRARY' });
  });

  it('gives the dormitory office one contact per campus', async () => {
    const { data } = await server.gql(CONTACTS);
    const dorm = data!.departments.find((d) => d.code === 'DORM_OFFICE')!;
    const offices = Object.fromEntries(dorm.contacts.map((c) => [c.campus?.code, c.office]));
    expect(offices.NANWANGSHAN).toContain('学生住宿服务中心');
    expect(offices.FUTURE_CITY).toContain('未来城校区管理办公室');
  });

  it('masks unexpected errors and keeps GraphQL validation errors readable', async () => {
    // Text: an invalid document, which codegen would refuse to type.
    const invalid = await server.gqlText('{ cohorts { noSuchField } }');
    expect(invalid.errors?.[0]?.message).toMatch(/noSuchField/);
  });

  it('completes a graphql-ws handshake on the same port and runs an operation', async () => {
    let acknowledged = false;
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, lazy: false, on: { connected: () => (acknowledged = true) }, retryAttempts: 0 });
    try {
      const result = await new Promise<unknown>((resolve, reject) => {
        let value: unknown;
        client.subscribe(
          { query: '{ cohort(year: 2020) { year templates { code } } }' },
          {
            next: (message) => (value = message),
            error: reject,
            complete: () => resolve(value),
          },
        );
      });
      expect(acknowledged).toBe(true);
      expect(result).toMatchObject({ data: { cohort: { year: 2020 } } });
    } finally {
      await client.dispose();
    }
  });
});

describe('graceful shutdown', () => {
  it('closes open sockets with 1001 and stops accepting requests', async () => {
    const server = await startTestServer();
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await server.close();
    expect(await closed).toBe(1001);
    await expect(fetch(`${server.origin}/healthz`)).rejects.toThrow();
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type clients, itemOf, openDemoServer, ref } from '../testing/demo.js';
import { globalId } from '../testing/ids.js';
import { BACKENDS } from '../testing/databases.js';
import type { TestServer } from '../testing/server.js';
import { openSocket } from '../testing/raw-socket.js';
import { graphql } from '../testing/generated/index.js';

const NODE = graphql(`
  query TypedInputsNode($id: ID!) {
    node(id: $id) { id __typename }
  }
`);
const CHANGES_CURSOR = graphql(`
  query TypedInputsChangesCursor($c: String) {
    changesSince(cursor: $c) { cursor }
  }
`);
const TYPENAME = graphql(`
  query TypedInputsTypename {
    __typename
  }
`);

/** Inputs that used to reach INTERNAL_SERVER_ERROR (or end a socket): each answers a typed error and the server keeps serving. */
describe.each(BACKENDS)('malformed inputs answer typed errors (%s)', (backend) => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  let admin: string;
  beforeAll(async () => {
    ({ server, api } = await openDemoServer({ backend }));
    admin = await api.staff('admin');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('node(id) of a well-formed id naming no row answers NOT_FOUND', async () => {
    const student = await server.db.prisma.student.findFirstOrThrow();
    for (const id of [globalId('ClearanceItem', student.id), globalId('Student', randomUUID())]) {
      const result = await api.as(admin, NODE, { id });
      expect(result.data?.node ?? null).toBeNull();
      expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
    }
  });

  it('node(id) naming a type that is not a Node answers NOT_FOUND with a code', async () => {
    for (const typename of ['Credential', 'Query', 'NoSuchType']) {
      const result = await api.as(admin, NODE, { id: globalId(typename, randomUUID()) }, { 'accept-language': 'en' });
      expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
      expect(result.errors?.[0]?.message).toBe('Not found.');
    }
  });

  it('changesSince with a cursor beyond a 64-bit sequence answers INVALID_INPUT', async () => {
    for (const cursor of ['9999999999999999999', '9223372036854775808']) {
      const result = await api.as(admin, CHANGES_CURSOR, { c: cursor });
      expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['INVALID_INPUT']);
    }
    const last = await api.as(admin, CHANGES_CURSOR, { c: '9223372036854775807' });
    expect(last.errors).toBeUndefined();
    expect(last.data!.changesSince.cursor).toBe('9223372036854775807');
  });

  it('a lone surrogate in a reason answers INVALID_INPUT and nothing is stored', async () => {
    const item = await itemOf(
      server,
      (await server.db.prisma.student.findFirstOrThrow({ where: { cohort: { year: 2020 } }, orderBy: { number: 'asc' } })).number,
      'LIBRARY',
    );
    const library = await api.staff('library');
    const body = `{"query":"mutation ($items: [ItemRefInput!]!, $reason: String!) { rejectItems(items: $items, reason: $reason) { __typename } }","variables":{"items":${JSON.stringify([ref(item)])},"reason":"欠书\\ud800未还"}}`;
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${library}`, 'accept-language': 'en' },
      body,
    });
    const result = await response.json();
    expect(result.errors?.map((error: { extensions: { code: string } }) => error.extensions.code)).toEqual(['INVALID_INPUT']);
    expect(result.errors[0].message).toMatch(/^Invalid input: .*surrogate/);
    const after = await server.db.prisma.clearanceItem.findUniqueOrThrow({ where: { id: item.dbId } });
    expect(after.version).toBe(item.version);
    expect(after.reason ?? '').not.toContain('\uFFFD');
  });

  /** Just under 1 MiB: an undeclared variable that is 400,000 arrays deep. */
  const deepBody = (query: string) => `{"query":${JSON.stringify(query)},"variables":{"deep":${'['.repeat(400_000)}${']'.repeat(400_000)}}}`;

  it('an undeclared variable nested 400,000 deep answers INVALID_INPUT over HTTP', async () => {
    const body = deepBody('{ __typename }');
    expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-language': 'en' }, body });
    const result = await response.json();
    expect(result.errors?.map((error: { extensions: { code: string } }) => error.extensions.code)).toEqual(['INVALID_INPUT']);
    expect((await server.gql(TYPENAME)).data).toEqual({ __typename: 'Query' });
  });

  it('the same over graphql-ws fails only that operation: the socket stays open', async () => {
    const socket = await openSocket(server.wsUrl, admin);
    try {
      socket.send(deepBody('{ __typename }').replace(/^\{/, '{"type":"subscribe","id":"deep","payload":{').replace(/\}$/, '}}'));
      const end = await socket.next((m) => m.id === 'deep' && (m.type === 'next' || m.type === 'error'));
      const errors = end.type === 'error' ? end.payload : end.payload.errors;
      expect(errors.map((error: { extensions: { code: string } }) => error.extensions.code)).toEqual(['INVALID_INPUT']);
      const after = await socket.run('after', '{ __typename }');
      expect(after.results).toEqual([{ data: { __typename: 'Query' } }]);
    } finally {
      socket.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from './app.js';
import { loadConfig } from './config.js';
import { jsonMediaTypeFor } from './graphql-post.js';
import { DEFAULT_PERSISTED_DOCUMENTS_PATH, loadPersistedDocuments } from './persisted-documents.js';
import { STAFF_PASSWORD } from './testing/demo.js';
import { TEST_JWT_SECRET, TEST_PASSWORD_PEPPER } from './testing/keys.js';
import { startTestServer } from './testing/server.js';

/**
 * The direct path for JSON POSTs (graphql-post.ts) answers exactly as yoga does: the same requests
 * go to a server with it and to one without it (same services, same database), and status,
 * headers and body must be the same bytes.
 */

interface Sent {
  body: string;
  headers?: Record<string, string>;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const json = (value: unknown, headers: Record<string, string> = {}): Sent => ({ body: JSON.stringify(value), headers });
const ACCEPTS = [undefined, 'application/json', 'application/graphql-response+json', 'application/graphql-response+json, application/json;q=0.9', '*/*'];

async function send(origin: string, { body, headers = {} }: Sent): Promise<Answer> {
  const response = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'parity', ...headers },
    body,
  });
  const answer: Answer = { status: response.status, headers: {}, body: await response.text() };
  response.headers.forEach((value, name) => {
    if (name !== 'date') answer.headers[name] = value;
  });
  return answer;
}

async function startPair(env: Record<string, string> = {}) {
  const server = await startTestServer({ demo: true, env });
  const config = loadConfig({ PORT: '0', SHUTDOWN_GRACE_SECONDS: '1', JWT_SECRET: TEST_JWT_SECRET, PASSWORD_PEPPER: TEST_PASSWORD_PEPPER, ...env });
  const throughYoga: App = createApp({ ...config, directGraphQLPost: false }, server.services);
  const yogaOrigin = new URL((await throughYoga.listen()).url).origin;
  return {
    server,
    /** The answers of both servers to one request, the direct one first. */
    both: async (sent: Sent) => [await send(server.origin, sent), await send(yogaOrigin, sent)] as const,
    async close() {
      await throughYoga.close();
      await server.close();
    },
  };
}

describe('JSON POSTs answered directly and through yoga', () => {
  let pair: Awaited<ReturnType<typeof startPair>>;
  let token: string;

  beforeAll(async () => {
    pair = await startPair();
    token = await pair.server.login('library', STAFF_PASSWORD);
  });
  afterAll(async () => {
    await pair?.close();
  });

  const requests: Record<string, (token: string) => Sent> = {
    'a query': (token) => json({ query: '{ viewer { __typename ... on Reviewer { username } } }' }, { authorization: `Bearer ${token}` }),
    'a query without a token': () => json({ query: '{ viewer { __typename } }' }),
    'a mutation with a typed error': () =>
      json({ query: 'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { __typename } }', variables: { u: 'nobody', p: 'wrong' } }),
    'a syntax error': () => json({ query: '{ viewer {' }),
    'a validation error': () => json({ query: '{ nope }' }),
    'an unknown operationName': () => json({ query: 'query A { viewer { __typename } }', operationName: 'B' }),
    'two operations without a name': () => json({ query: 'query A { viewer { __typename } } query B { viewer { __typename } }' }),
    'variables of the wrong type': () => json({ query: 'query ($y: Int!) { cohort(year: $y) { name } }', variables: { y: 'twenty' } }),
    'a missing variable': () => json({ query: 'query ($y: Int!) { cohort(year: $y) { name } }' }),
    'a refused token (Chinese)': () => json({ query: '{ viewer { __typename } }' }, { authorization: 'Bearer nope', 'accept-language': 'zh-CN' }),
    'a refused token (English)': () => json({ query: '{ viewer { __typename } }' }, { authorization: 'Bearer nope', 'accept-language': 'en' }),
    'an operation limit': () => json({ query: `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: __typename`).join(' ')} }` }),
    'text no field can take': () => json({ query: 'query ($u: String!) { login(username: $u, password: "x") { __typename } }', variables: { u: 'a\u0000b' } }),
    'a body that is not JSON': () => ({ body: '{ "query": ' }),
    'a JSON body that is not an object': () => ({ body: '"{ viewer { __typename } }"' }),
    null: () => ({ body: 'null' }),
    'a batch': () => json([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    '{} without a query': () => json({}),
    'a query that is not a string': () => json({ query: 5 }),
    'variables as an array': () => json({ query: '{ __typename }', variables: [] }),
    'extensions as a string': () => json({ query: '{ __typename }', extensions: 'x' }),
    'an unexpected parameter': () => json({ query: '{ __typename }', documentId: 'sha256:00' }),
    'a subscription': () => json({ query: 'subscription { clearanceItemUpdated(studentId: "x") { seq } }' }),
    'a content type with its charset': () => json({ query: '{ __typename }' }, { 'content-type': 'application/json; charset=utf-8' }),
    'a byte order mark': () => ({ body: `\uFEFF${JSON.stringify({ query: '{ __typename }' })}` }),
  };

  for (const [name, request] of Object.entries(requests)) {
    it(`${name}: the same status, headers and body for every accept header`, async () => {
      for (const accept of ACCEPTS) {
        const sent = request(token);
        const [direct, yoga] = await pair.both({ ...sent, headers: { ...sent.headers, ...(accept ? { accept } : {}) } });
        expect({ accept, ...direct }).toEqual({ accept, ...yoga });
      }
    });
  }

  it('an unexpected failure before execution: masked the same way, with the same status', async () => {
    await pair.server.db.sql.exec('ALTER TABLE "Reviewer" RENAME TO "ReviewerAway"');
    try {
      for (const accept of ACCEPTS) {
        const [direct, yoga] = await pair.both(
          json({ query: '{ viewer { __typename } }' }, { authorization: 'Bearer lxi_0123456789abcdef', ...(accept ? { accept } : {}) }),
        );
        expect(direct.body).toContain('INTERNAL_SERVER_ERROR');
        expect({ accept, ...direct }).toEqual({ accept, ...yoga });
      }
    } finally {
      await pair.server.db.sql.exec('ALTER TABLE "ReviewerAway" RENAME TO "Reviewer"');
    }
  });

  it('an unexpected failure: masked the same way, with the same status', async () => {
    await pair.server.db.sql.exec('ALTER TABLE "Cohort" RENAME TO "CohortAway"');
    try {
      for (const accept of ACCEPTS) {
        const [direct, yoga] = await pair.both(json({ query: '{ cohort(year: 2020) { name } }' }, accept ? { accept } : {}));
        expect(direct.body).toContain('INTERNAL_SERVER_ERROR');
        expect({ accept, ...direct }).toEqual({ accept, ...yoga });
      }
    } finally {
      await pair.server.db.sql.exec('ALTER TABLE "CohortAway" RENAME TO "Cohort"');
    }
  });
});

describe('trusted documents, answered directly and through yoga', () => {
  let pair: Awaited<ReturnType<typeof startPair>>;
  const [documentId, text] =
    [...loadPersistedDocuments(DEFAULT_PERSISTED_DOCUMENTS_PATH)].find(([id, text]) => id.startsWith('sha256:') && text.startsWith('query')) ?? [];

  beforeAll(async () => {
    pair = await startPair({ TRUSTED_DOCUMENTS: 'on' });
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('a known document, an unknown one, none, and a query text', async () => {
    expect(documentId && text).toBeTruthy();
    for (const sent of [
      json({ documentId }),
      json({ extensions: { persistedQuery: { version: 1, sha256Hash: documentId!.slice('sha256:'.length) } } }),
      json({ documentId: 'sha256:0000' }),
      json({ variables: {} }),
      json({ query: text }),
    ]) {
      const [direct, yoga] = await pair.both(sent);
      expect(direct).toEqual(yoga);
    }
  });
});

describe('the media type of a JSON answer, as yoga negotiates it', () => {
  it.each([
    [undefined, 'application/json'],
    ['*/*', 'application/json'],
    ['application/json', 'application/json'],
    ['application/graphql-response+json', 'application/graphql-response+json'],
    ['application/graphql-response+json, application/json', 'application/graphql-response+json'],
    ['application/json, application/graphql-response+json', 'application/json'],
    ['application/json; charset=latin1', null],
    ['text/event-stream', null],
    ['multipart/mixed', null],
    ['text/html', null],
  ])('accept %s → %s', (accept, expected) => {
    expect(jsonMediaTypeFor(accept)).toBe(expected);
  });
});

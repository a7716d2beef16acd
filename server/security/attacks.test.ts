import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, findStudents, itemOf, ref, whileHistoryWritesFail } from '../testing/demo.js';
import { VIEWER_TYPENAME } from '../testing/documents.js';
import { globalId } from '../testing/ids.js';
import { freePort } from '../testing/ports.js';
import { waitFor } from '../testing/wait.js';
import { CSRF_HEADER } from '../security.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { expectNoLeak, openSocket, RawSocket } from '../testing/raw-socket.js';

/**
 * Attacks a client can make with a valid-looking request, each over HTTP and over
 * graphql-ws (a socket's subscribe message may carry a query or a mutation, and the
 * socket server executes it through the same envelop).
 */

/** What the socket made of one operation: its result, its error message, or the socket's close. */
type WsAnswer =
  | { kind: 'result'; payload: { data?: any; errors?: any[] } }
  | { kind: 'error'; errors: any[] }
  | { kind: 'closed'; code: number; reason: string };

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INTERNAL = '服务器内部错误 / Unexpected error';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

const REJECT = `mutation ($items: [ItemRefInput!]!, $reason: String!) {
  rejectItems(items: $items, reason: $reason) {
    __typename
    ... on MutationRejectItemsSuccess { data { failed outcomes { id ok status error { code } } } }
    ... on Error { code }
  }
}`;
const APPROVE = `mutation ($items: [ItemRefInput!]!) {
  approveItems(items: $items) {
    __typename
    ... on MutationApproveItemsSuccess { data { approved failed outcomes { id ok status version error { code message } } } }
    ... on Error { code }
  }
}`;
const ITEM_READ = 'query ($id: ID!) { node(id: $id) { __typename ... on ClearanceItem { id status reason history { reason toStatus } } } }';
const SUBMIT = `mutation ($answers: [SurveyAnswerInput!]!) {
  submitSurvey(answers: $answers) { __typename ... on MutationSubmitSurveySuccess { data { number surveyCompletedAt } } ... on DomainError { code message field } }
}`;

describe('attacks over HTTP and graphql-ws', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  let wsCount = 0;

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    api = clients(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  /** POST as JSON, with a bearer token when given; every error answer is checked for leaks. */
  async function http(query: string, variables?: Record<string, unknown>, token?: string) {
    // Text: the same text goes over a raw graphql-ws socket (`ws`), and many attacks are malformed, aliased or over-deep.
    const result = await server.gqlText(query, variables, token ? { authorization: `Bearer ${token}` } : {});
    expectNoLeak(result.errors);
    return result;
  }

  /** One operation on a fresh socket (authenticated when a token is given). */
  async function ws(query: string, variables?: Record<string, unknown>, token?: string): Promise<WsAnswer> {
    const socket = await openSocket(server.wsUrl, token);
    const id = `op-${++wsCount}`;
    try {
      socket.send({ type: 'subscribe', id, payload: { query, variables } });
      const end = await socket
        .next((m) => m.id === id && (m.type === 'complete' || m.type === 'error'))
        .catch(async () => ({ type: 'closed' as const, ...(await socket.closed) }));
      if (end.type === 'closed') {
        const closed = end as { code: number; reason: string };
        expectNoLeak([closed.reason]);
        return { kind: 'closed', code: closed.code, reason: closed.reason };
      }
      if (end.type === 'error') {
        expectNoLeak((end as { payload: unknown }).payload);
        return { kind: 'error', errors: (end as { payload: any[] }).payload };
      }
      const next = socket.messages.find((m) => m.id === id && m.type === 'next');
      expectNoLeak(next?.payload?.errors);
      return { kind: 'result', payload: next!.payload };
    } finally {
      socket.close();
    }
  }

  /** A refused operation: a GraphQL error whose message says what and not how much. */
  function expectRefused(answer: { errors?: any[] } | WsAnswer, pattern: RegExp) {
    const errors = 'kind' in answer ? (answer.kind === 'error' ? answer.errors : answer.kind === 'result' ? answer.payload.errors : null) : answer.errors;
    expect(errors, JSON.stringify(answer)).toBeTruthy();
    expect(errors!.length).toBeGreaterThan(0);
    expect(errors![0].message).toMatch(pattern);
    expect(errors![0].extensions?.code).toBe('OPERATION_LIMIT');
    // The limits themselves (12, 15, 1000, 50, 20 000) are not echoed: no number at all.
    expect(errors![0].message).not.toMatch(/\d/);
    if ('data' in answer) expect(answer.data ?? null).toBeNull();
  }

  describe('operation limits', () => {
    // ClearanceItem.student → Student.clearanceItems → … is a cycle: 2 levels per turn.
    const deep = `{ node(id: "x") { ... on ClearanceItem { ${'student { clearanceItems { '.repeat(7)} id ${'} } '.repeat(7)} } } }`;
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: cohorts { year }`).join(' ')} }`;
    const typenames = `{ ${'__typename '.repeat(1000)}}`;
    const directives = `{ __typename ${'@include(if: true) '.repeat(51)}}`;

    it('refuses nesting past the depth limit', async () => {
      expectRefused(await http(deep), /too deep/);
      expectRefused(await ws(deep), /too deep/);
      // Just inside the limit the same shape is fine (no node: null).
      const shallow = `{ node(id: "x") { ... on ClearanceItem { ${'student { clearanceItems { '.repeat(5)} id ${'} } '.repeat(5)} } } }`;
      expect((await http(shallow)).errors?.[0]?.message ?? '').not.toMatch(/too deep/);
    });

    it('refuses 16 aliases of a real field and accepts 15', async () => {
      expectRefused(await http(aliases(16)), /too many aliases/);
      expectRefused(await ws(aliases(16)), /too many aliases/);
      const fifteen = await http(aliases(15));
      expect(fifteen.errors).toBeUndefined();
      expect(Object.keys(fifteen.data)).toHaveLength(15);
    });

    it('refuses 1,000 __typename (token limit)', async () => {
      expectRefused(await http(typenames), /too large/);
      expectRefused(await ws(typenames), /too large/);
    });

    it('refuses 51 directives', async () => {
      expectRefused(await http(directives), /too many directives/);
      expectRefused(await ws(directives), /too many directives/);
    });

    it('fails only the refused operation on a socket: the socket and its other operations live on', async () => {
      const socket = await openSocket(server.wsUrl);
      for (const [index, query] of [deep, aliases(16), typenames, directives, '{ cohorts { year '].entries()) {
        const { errors } = await socket.run(`bad-${index}`, query);
        expect(errors?.[0]?.message, query.slice(0, 40)).toBeTruthy();
        expect(errors![0].message).not.toMatch(/\d/);
      }
      const { results, errors } = await socket.run('good', '{ cohort(year: 2020) { year } }');
      expect(errors).toBeNull();
      expect(results).toEqual([{ data: { cohort: { year: 2020 } } }]);
      expect(socket.socket.readyState).toBe(socket.socket.OPEN);
      socket.close();
    });

    it('refuses circular fragments with a validation error, without recursing', async () => {
      for (const query of [
        'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }',
        'query { ...A } fragment A on Query { cohorts { year } ...A }',
      ]) {
        const viaHttp = await http(query);
        expect(viaHttp.errors?.[0]?.message).toMatch(/Cannot spread fragment "A" within itself/);
        expect(viaHttp.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
        const viaWs = await ws(query);
        expect(viaWs.kind).toBe('error');
        expect((viaWs as { errors: any[] }).errors[0].message).toMatch(/Cannot spread fragment "A" within itself/);
      }
    });

    it('costs reviewQueue(first: 100000) as the 100 items its resolver caps it at, written in the document or sent as a variable', async () => {
      const token = await api.staff('library');
      // The cost limit sees variables (server/operation-cost.ts): both spellings are the same operation.
      const literal = '{ reviewQueue(first: 100000) { edges { node { id } } pageInfo { hasNextPage } } }';
      const variable = 'query ($n: Int) { reviewQueue(first: $n) { edges { node { id } } pageInfo { hasNextPage } } }';
      for (const viaHttp of [await http(literal, undefined, token), await http(variable, { n: 100000 }, token)]) {
        expect(viaHttp.errors).toBeUndefined();
        expect(viaHttp.data.reviewQueue.edges).toHaveLength(100);
        expect(viaHttp.data.reviewQueue.pageInfo.hasNextPage).toBe(true);
      }
      const viaWs = await ws(variable, { n: 100000 }, token);
      expect(viaWs.kind).toBe('result');
      expect((viaWs as { payload: any }).payload.data.reviewQueue.edges).toHaveLength(100);
      // Capped at 500 changes, each with its student's sheet, it is still over the budget: refused over HTTP and sockets.
      const changes = 'query ($n: Int) { changesSince(first: $n) { changes { seq student { clearanceItems { status } } } } }';
      expectRefused(await http(changes, { n: 100000 }, token), /too expensive/);
      expectRefused(await ws(changes, { n: 100000 }, token), /too expensive/);
    });
  });

  describe('request shapes', () => {
    it('refuses a JSON array batch', async () => {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
      });
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body.data).toBeUndefined();
      expect(body.errors[0].message).toMatch(/Batching is not supported/);
      // graphql-ws has no batches: an array is not a protocol message and closes the socket 4400.
      const socket = await new RawSocket(server.wsUrl).init();
      socket.send([{ type: 'subscribe', id: 'a', payload: { query: '{ __typename }' } }]);
      expect((await socket.closed).code).toBe(4400);
    });

    it('refuses CSRF-style requests: GET without the header, text/plain and form POSTs', async () => {
      const mutation = 'mutation { logout }';
      const get = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json' } });
      expect(get.status).toBe(403);
      expect((await get.json()).errors[0].message).toMatch(/CSRF/);
      for (const [type, body] of [
        ['text/plain', JSON.stringify({ query: mutation })],
        ['application/x-www-form-urlencoded', `query=${encodeURIComponent(mutation)}`],
      ] as const) {
        const post = await fetch(server.url, { method: 'POST', headers: { 'content-type': type }, body });
        expect(post.status, type).toBe(403);
        const answer = await post.json();
        expect(answer.data, type).toBeUndefined();
        expectNoLeak(answer.errors);
      }
      // The same GET with the header is served (queries only).
      const withHeader = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { accept: 'application/json', [CSRF_HEADER]: '1' },
      });
      expect(withHeader.status).toBe(200);
      expect(await withHeader.json()).toEqual({ data: { __typename: 'Query' } });
      // graphql-ws: a browser's cross-site socket carries no token (no cookies are used), so it is anonymous.
      const anonymous = await ws('{ viewer { __typename } }');
      expect(anonymous).toMatchObject({ kind: 'result', payload: { data: { viewer: null } } });
    });
  });

  describe('authorization', () => {
    it("gives a student null and FORBIDDEN for another student's item by node id", async () => {
      const [me, other] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'GEMMOLOGY' }, 2, 10);
      const token = await api.student(me!.number);
      const theirs = await itemOf(server, other!.number, 'LIBRARY');
      const viaHttp = await http(ITEM_READ, { id: theirs.id }, token);
      expect(viaHttp.data.node).toBeNull();
      expect(viaHttp.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const viaWs = await ws(ITEM_READ, { id: theirs.id }, token);
      expect(viaWs).toMatchObject({ kind: 'result', payload: { data: { node: null } } });
      expect((viaWs as { payload: any }).payload.errors[0].extensions.code).toBe('FORBIDDEN');
      // Nor through the student: another student's whole record is refused too.
      const student = await http('query ($id: ID!) { node(id: $id) { ... on Student { number } } }', { id: globalId('Student', other!.id) }, token);
      expect(student.data.node).toBeNull();
      expect(student.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('refuses, per item, a reviewer deciding outside their scope (DecisionReport of approveItems)', async () => {
      const [a, b] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'EARTH_SCIENCES' }, 2, 10);
      const token = await api.staff('library');
      for (const [transport, student] of [
        ['http', a!],
        ['ws', b!],
      ] as const) {
        const own = await itemOf(server, student.number, 'LIBRARY');
        const foreign = await itemOf(server, student.number, 'FINANCE');
        const variables = { items: [ref(own), ref(foreign)] };
        const answer = transport === 'http' ? await http(APPROVE, variables, token) : await ws(APPROVE, variables, token);
        const data = transport === 'http' ? (answer as { data: any }).data : (answer as { payload: any }).payload.data;
        expect(data.approveItems.__typename, transport).toBe('MutationApproveItemsSuccess');
        const report = data.approveItems.data;
        expect(report.outcomes[0]).toMatchObject({ id: own.id, ok: own.status === 'PENDING' });
        expect(report.outcomes[1]).toMatchObject({ id: foreign.id, ok: false, status: null, error: { code: 'FORBIDDEN' } });
        expect((await itemOf(server, student.number, 'FINANCE')).version, transport).toBe(foreign.version);
      }
    });
  });

  describe('injection: SQL metacharacters are data', () => {
    const REASONS = [`'); DROP TABLE "Student"; --`, `"; DELETE FROM "SurveyResponse" WHERE '1'='1'; -- \\' \\\\ $1 %s \${x} 退回 🙂`];

    it('stores a rejection reason verbatim, over HTTP and graphql-ws, and every table survives', async () => {
      const students = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'EARTH_RESOURCES' }, 2, 12);
      const token = await api.staff('library');
      for (const [index, transport] of (['http', 'ws'] as const).entries()) {
        const reason = REASONS[index]!;
        const item = await itemOf(server, students[index]!.number, 'LIBRARY');
        expect(item.status).toBe('PENDING');
        const variables = { items: [ref(item)], reason };
        const answer = transport === 'http' ? await http(REJECT, variables, token) : await ws(REJECT, variables, token);
        const data = transport === 'http' ? (answer as { data: any }).data : (answer as { payload: any }).payload.data;
        expect(data.rejectItems.data.outcomes[0], transport).toMatchObject({ ok: true, status: 'REJECTED' });

        const read = await http(ITEM_READ, { id: item.id }, token);
        expect(read.data.node.reason).toBe(reason);
        expect(read.data.node.history.at(-1)).toEqual({ reason, toStatus: 'REJECTED' });
        const row = await server.db.prisma.clearanceItem.findUniqueOrThrow({ where: { id: item.dbId } });
        expect(Buffer.from(row.reason!, 'utf8').equals(Buffer.from(reason, 'utf8'))).toBe(true);
      }
      const tables = await server.db.prisma.$queryRaw<{ name: string | null }[]>`
        SELECT to_regclass('"Student"')::text AS name UNION ALL SELECT to_regclass('"ClearanceEvent"')::text`;
      expect(tables.map((t) => t.name)).toEqual(['"Student"', '"ClearanceEvent"']);
      expect(await server.db.prisma.student.count()).toBeGreaterThan(100);
      expect(await server.db.prisma.clearanceEvent.count()).toBeGreaterThan(100);
    });

    it('stores a survey text answer with quotes, backslashes, Chinese and emoji byte-identical', async () => {
      const fresh = await server.db.prisma.student.findMany({
        where: { cohort: { year: 2020 }, category: 'UNDERGRADUATE', surveyCompletedAt: null, deferrals: { none: {} } },
        orderBy: { number: 'desc' },
        take: 2,
      });
      const texts = [
        `He said "it's fine" \\ C:\\path\\ '; DROP TABLE "SurveyResponse"; -- 中文建议：加强实践 👩‍🎓🎓 \u2028 tab\there`,
        `\\"\\\\'' OR 1=1; -- 𠮷野家 ✅ 😀 <script>alert(1)</script>`,
      ];
      for (const [index, transport] of (['http', 'ws'] as const).entries()) {
        const student = fresh[index]!;
        const token = await api.student(student.number);
        const answers = [
          { question: 'DESTINATION', choices: ['FURTHER_STUDY'] },
          { question: 'JOB_RELEVANCE', choices: ['SOMEWHAT'] },
          { question: 'OVERALL_SATISFACTION', choices: ['VERY_SATISFIED'] },
          { question: 'MOST_HELPFUL', choices: ['COURSES'] },
          { question: 'SUGGESTIONS', text: texts[index] },
        ];
        const answer = transport === 'http' ? await http(SUBMIT, { answers }, token) : await ws(SUBMIT, { answers }, token);
        const data = transport === 'http' ? (answer as { data: any }).data : (answer as { payload: any }).payload.data;
        expect(data.submitSurvey.__typename, JSON.stringify(data)).toBe('MutationSubmitSurveySuccess');
        const response = await server.db.prisma.surveyResponse.findFirstOrThrow({ where: { studentId: student.id } });
        const stored = response.answers as { question: string; text?: string }[];
        const text = stored.find((a) => a.question === 'SUGGESTIONS')?.text;
        expect(text, JSON.stringify(stored)).toBe(texts[index]);
        expect(Buffer.from(text!, 'utf8').equals(Buffer.from(texts[index]!, 'utf8'))).toBe(true);
      }
      expect(await server.db.prisma.surveyResponse.count()).toBeGreaterThan(1);
    });
  });

  describe('malformed input answers a typed error, not a database error', () => {
    it('answers NOT_FOUND for a global id whose decoded id is not a uuid, over HTTP and graphql-ws', async () => {
      const token = await api.staff('admin');
      const query = 'query ($id: ID!) { node(id: $id) { id } }';
      for (const id of [b64('ClearanceItem:not-a-uuid'), 'not base64 at all', b64('no-colon')]) {
        const viaHttp = await http(query, { id }, token);
        expect(viaHttp.data.node).toBeNull();
        expect(viaHttp.errors?.[0], id).toMatchObject({ extensions: { code: 'NOT_FOUND' }, path: ['node'] });
        const viaWs = await ws(query, { id }, token);
        expect((viaWs as { payload: any }).payload.errors[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
      }
    });

    it('refuses a NUL character in variables or literals as INVALID_INPUT, writing nothing', async () => {
      const [student] = await findStudents(server, { category: 'UNDERGRADUATE' }, 1, 40);
      const items = [await itemOf(server, student!.number, 'LIBRARY')];
      const token = await api.staff('library');
      const events = await server.db.prisma.clearanceEvent.count();
      const viaHttp = await http(REJECT, { items: items.map(ref), reason: 'bad\u0000reason' }, token);
      expect(viaHttp.errors?.[0]).toMatchObject({ extensions: { code: 'INVALID_INPUT' } });
      expect(viaHttp.errors?.[0]?.message).toContain('U+0000');
      const viaWs = await ws(REJECT, { items: items.map(ref), reason: 'bad\u0000reason' }, token);
      expect((viaWs as { payload: any }).payload.errors[0]).toMatchObject({ extensions: { code: 'INVALID_INPUT' } });
      const literal = await http(`mutation { login(username: "admin\\u0000", password: "x") { __typename } }`);
      expect(literal.errors?.[0]).toMatchObject({ extensions: { code: 'INVALID_INPUT' } });
      expect(await server.db.prisma.clearanceEvent.count()).toBe(events);
      expect((await itemOf(server, student!.number, 'LIBRARY')).version).toBe(items[0]!.version);
    });
  });

  describe('error masking', () => {
    it("masks a database error from a read: the driver's message never reaches the client", async () => {
      // A table gone missing (a botched migration, say) is the server's fault, not the client's.
      const token = await api.staff('admin');
      const query = '{ departments { code } }';
      expect((await http(query, {}, token)).errors).toBeUndefined();
      await server.db.sql.exec('ALTER TABLE "Department" RENAME TO "Department_away"');
      try {
        const viaHttp = await http(query, {}, token);
        expect(viaHttp.errors).toHaveLength(1);
        expect(viaHttp.errors![0]).toMatchObject({ message: INTERNAL, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
        const viaWs = await ws(query, {}, token);
        expect((viaWs as { payload: any }).payload.errors[0]).toMatchObject({ message: INTERNAL, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
        for (const text of [JSON.stringify(viaHttp), JSON.stringify(viaWs)]) {
          expect(text).not.toMatch(/Department_away|relation|does not exist|prisma|postgres|pglite|select|from/i);
        }
      } finally {
        await server.db.sql.exec('ALTER TABLE "Department_away" RENAME TO "Department"');
      }
    });

    it('masks a database error from a write, and the failed batch leaves nothing behind', async () => {
      const students = await findStudents(server, { category: 'UNDERGRADUATE' }, 3, 41);
      const items = await Promise.all(students.map((student) => itemOf(server, student.number, 'LIBRARY')));
      const token = await api.staff('library');
      const events = await server.db.prisma.clearanceEvent.count();
      const [viaHttp, viaWs] = await whileHistoryWritesFail(server, async () => [
        await http(REJECT, { items: items.map(ref), reason: '证件未还' }, token),
        await ws(REJECT, { items: items.map(ref), reason: '证件未还' }, token),
      ]);
      expect(viaHttp.errors?.[0]).toMatchObject({ message: INTERNAL, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect((viaWs as { payload: any }).payload.errors[0]).toMatchObject({ message: INTERNAL });
      expect(JSON.stringify([viaHttp, viaWs])).not.toMatch(/disk full|simulated|trigger|postgres|prisma/i);
      expect(await server.db.prisma.clearanceEvent.count()).toBe(events);
      for (const [index, student] of students.entries()) {
        expect(await itemOf(server, student.number, 'LIBRARY')).toEqual(items[index]);
      }
    });
  });

  // Last: these failures count against this client address (30 per 15 minutes).
  describe('login brute force', () => {
    const attempts = (username: string, n: number) =>
      `mutation { ${Array.from({ length: n }, (_, i) => `a${i}: login(username: "${username}", password: "guess-${i}") { ... on DomainError { code } }`).join(' ')} }`;

    it('locks the account part-way through aliases in one document, over HTTP and graphql-ws', async () => {
      for (const [transport, username] of [
        ['http', 'asset'],
        ['ws', 'career'],
      ] as const) {
        const document = attempts(username, 7);
        const answer = transport === 'http' ? await http(document) : await ws(document);
        const data = transport === 'http' ? (answer as { data: any }).data : (answer as { payload: any }).payload.data;
        const codes = Object.values(data as Record<string, { code: string }>).map((a) => a.code);
        expect(codes, transport).toEqual([...Array(5).fill('INVALID_CREDENTIALS'), 'LOGIN_LOCKED', 'LOGIN_LOCKED']);
        // Now even the right password is refused.
        const right = await http(`mutation { login(username: "${username}", password: "Lixiao@2020") { __typename ... on DomainError { code } } }`);
        expect(right.data.login, transport).toEqual({ __typename: 'DomainError', code: 'LOGIN_LOCKED' });
      }
    });
  });
});

describe('an expired token on an open socket', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ demo: true, env: { ACCESS_TOKEN_SECONDS: '2' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('closes the socket 4403 when the token expires, refuses it on a new socket, and answers TOKEN_EXPIRED over HTTP', async () => {
    const token = await server.login('library', 'Lixiao@2020');
    const socket = await openSocket(server.wsUrl, token);
    const { results } = await socket.run('1', '{ viewer { ... on Reviewer { username } } }');
    expect(results).toEqual([{ data: { viewer: { username: 'library' } } }]);
    const started = Date.now();
    const closed = await socket.closed;
    expect(closed.code).toBe(4403);
    expect(Date.now() - started).toBeLessThan(4000);

    const again = new RawSocket(server.wsUrl);
    await again.opened;
    again.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    expect((await again.closed).code).toBe(4403);

    const viaHttp = await server.gql(VIEWER_TYPENAME, undefined, { authorization: `Bearer ${token}` });
    expect(viaHttp.errors?.[0]?.extensions?.code).toBe('TOKEN_EXPIRED');
    expectNoLeak(viaHttp.errors);
  });
});

/**
 * Production settings on the real process (`tsx server/main.ts`, as `npm start` runs it).
 * Not through startTestServer: under vitest, `graphql` loads as two module copies (ESM and CJS)
 * and graphql's own NoSchemaIntrospectionCustomRule then fails its realm check, so the
 * refusal would surface as a masked internal error instead of the validation error users get.
 */
describe('production', () => {
  let child: ChildProcess;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/graphql`;
    child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'server/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        JWT_SECRET: 'production-test-secret-0123456789abcdef',
        DATA_DIR: 'memory://',
        PORT: String(port),
        LOG_LEVEL: 'error',
      },
      stdio: 'ignore',
    });
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      50_000,
      'the production server to become ready',
    );
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('refuses introspection over HTTP and graphql-ws, and serves no GraphiQL', async () => {
    const introspection = '{ __schema { queryType { name } } }';
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: introspection }) });
    const viaHttp = (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
    expect(viaHttp.data ?? null).toBeNull();
    expect(viaHttp.errors?.[0]?.message).toMatch(/introspection has been disabled/);
    expect(viaHttp.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expectNoLeak(viaHttp.errors);
    const socket = await openSocket(url.replace('http:', 'ws:'));
    const viaWs = await socket.run('i', introspection);
    expect(viaWs.errors?.[0]?.message).toMatch(/introspection has been disabled/);
    socket.close();
    const page = await fetch(url, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(await page.text()).not.toMatch(/graphiql/i);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER, OPERATION_LIMITS } from '../../security.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { clients, findStudents, itemOf, ref } from '../../testing/demo.js';
import { globalId } from '../../testing/ids.js';
import { streamsOpened } from '../../testing/live.js';
import { waitFor } from '../../testing/wait.js';
import { graphql } from '../../testing/generated/index.js';

/**
 * Staff subscriptions over Server-Sent Events (yoga's GraphQL over SSE, "distinct connections"
 * mode): one HTTP response per subscription on /graphql, on a real port, with the same
 * authorization, scope checks and operation limits as graphql-ws.
 */

const APPROVE = graphql(`
  mutation SseApprove($items: [ItemRefInput!]!) {
    approveItems(items: $items) {
      ... on MutationApproveItemsSuccess { data { approved } }
    }
  }
`);

interface SseMessage {
  event: string;
  data: any;
}

/** Opens one SSE subscription and collects its messages in the background until closed. */
function subscribeOverSse(
  server: TestServer,
  request: { query: string; variables?: Record<string, unknown>; token?: string; method?: 'GET' | 'POST'; headers?: Record<string, string> },
) {
  const abort = new AbortController();
  const messages: SseMessage[] = [];
  let failure: unknown = null;
  const headers: Record<string, string> = { accept: 'text/event-stream', ...request.headers };
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  const body = JSON.stringify({ query: request.query, variables: request.variables ?? {} });
  const url = new URL(server.url);
  if (request.method === 'GET') {
    url.searchParams.set('query', request.query);
    url.searchParams.set('variables', JSON.stringify(request.variables ?? {}));
  } else {
    headers['content-type'] = 'application/json';
  }
  const response = fetch(url, { method: request.method ?? 'POST', headers, body: request.method === 'GET' ? undefined : body, signal: abort.signal });
  void (async () => {
    const answer = await response;
    if (!answer.body) return;
    const decoder = new TextDecoder();
    let buffered = '';
    const reader = answer.body.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      buffered += decoder.decode(read.value, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const fields = Object.fromEntries(
          frame
            .split('\n')
            .filter((line) => line && !line.startsWith(':'))
            .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trimStart()]),
        );
        if (fields.event) messages.push({ event: fields.event, data: fields.data ? JSON.parse(fields.data) : null });
      }
    }
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) failure = error;
  });
  return {
    response,
    close: () => abort.abort(),
    until(predicate: (message: SseMessage) => boolean, timeoutMs = 10_000): Promise<SseMessage> {
      return waitFor(
        () => {
          if (failure) throw failure;
          return messages.find(predicate);
        },
        timeoutMs,
        () => `a matching SSE message; got ${JSON.stringify(messages)}`,
      );
    },
  };
}

describe('staff subscriptions over SSE', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  const open: { close(): void }[] = [];
  const sse = (...args: Parameters<typeof subscribeOverSse>) => {
    const subscription = subscribeOverSse(...args);
    open.push(subscription);
    return subscription;
  };

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    api = clients(server);
  });
  afterAll(async () => {
    for (const subscription of open) subscription.close();
    await server?.close();
  });

  it('delivers cohortStatsUpdated, reviewQueueChanged and clearanceItemUpdated after a decision', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'COMPUTER_SCIENCE' }, 1, 5);
    const libraryItem = await itemOf(server, student!.number, 'LIBRARY');
    const libraryApproved = (message: SseMessage) =>
      message.data.data.cohortStatsUpdated.items.find((item: { template: { code: string } }) => item.template.code === 'LIBRARY').approved as number;

    const opened = streamsOpened(server, 3);
    const stats = sse(server, {
      query: 'subscription { cohortStatsUpdated(year: 2020) { items { template { code } approved } } }',
      token: await api.staff('admin'),
    });
    const queue = sse(server, {
      query: 'subscription { reviewQueueChanged(cohortYear: 2020) { seq item { id code status student { number } } } }',
      token: await api.staff('library'),
    });
    // GET works too, with the CSRF header a browser cannot send cross-site without a preflight.
    const followed = sse(server, {
      method: 'GET',
      query: 'subscription ($id: ID!) { clearanceItemUpdated(studentId: $id) { seq item { id status } progress { approved } } }',
      variables: { id: globalId('Student', student!.id) },
      token: await api.staff('xgz-computer-science'),
      headers: { [CSRF_HEADER]: '1' },
    });
    for (const subscription of [stats, queue, followed]) {
      const answer = await subscription.response;
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/event-stream/);
    }
    const now = await stats.until((message) => message.event === 'next');
    const before = libraryApproved(now);
    await opened;

    const decided = await api.as(await api.staff('library'), APPROVE, { items: [ref(libraryItem)] });
    expect(decided.data?.approveItems && 'data' in decided.data.approveItems ? decided.data.approveItems.data.approved : undefined).toBe(1);

    const change = await queue.until((message) => message.event === 'next');
    expect(change.data.data.reviewQueueChanged.item).toEqual({ id: libraryItem.id, code: 'LIBRARY', status: 'APPROVED', student: { number: student!.number } });
    const update = await followed.until((message) => message.event === 'next');
    expect(update.data.data.clearanceItemUpdated.item).toEqual({ id: libraryItem.id, status: 'APPROVED' });
    expect(update.data.data.clearanceItemUpdated.seq).toBe(change.data.data.reviewQueueChanged.seq);
    const latest = await stats.until((message) => message.event === 'next' && libraryApproved(message) === before + 1);
    expect(latest.data.errors).toBeUndefined();
  });

  it('refuses anonymous and out-of-scope subscriptions with the typed error, and GETs without the CSRF header', async () => {
    const [stranger] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'EARTH_SCIENCES' }, 1);
    const refusals = [
      { code: 'UNAUTHENTICATED', request: { query: 'subscription { cohortStatsUpdated(year: 2020) { graduates } }' } },
      {
        code: 'NOT_FOUND',
        request: {
          query: 'subscription ($id: ID!) { clearanceItemUpdated(studentId: $id) { seq } }',
          variables: { id: globalId('Student', stranger!.id) },
          token: await api.staff('xgz-computer-science'),
        },
      },
      {
        code: 'FORBIDDEN',
        request: {
          query: 'subscription { cohortStatsUpdated(year: 2020, collegeCode: "EARTH_SCIENCES") { graduates } }',
          token: await api.staff('xgz-computer-science'),
        },
      },
      { code: 'FORBIDDEN', request: { query: 'subscription { cohortStatsUpdated(year: 2020) { graduates } }', token: await api.staff('library') } },
    ];
    for (const { code, request } of refusals) {
      const refused = sse(server, request);
      const error = await refused.until((message) => message.event === 'next' && message.data.errors !== undefined);
      expect(error.data.errors[0].extensions.code, JSON.stringify(request)).toBe(code);
      expect(error.data.errors[0].message).toBeTruthy();
      expect(error.data.data ?? null).toBeNull();
      await refused.until((message) => message.event === 'complete');
    }

    // In the request's language, like the same refusal over plain HTTP.
    const english = sse(server, { ...refusals[3]!.request, headers: { 'accept-language': 'en' } });
    const refusal = await english.until((message) => message.event === 'next');
    expect(refusal.data.errors[0]).toMatchObject({ message: 'You are not allowed to do this.', extensions: { code: 'FORBIDDEN' } });

    const withoutHeader = sse(server, {
      method: 'GET',
      query: 'subscription { cohortStatsUpdated(year: 2020) { graduates } }',
      token: await api.staff('admin'),
    });
    expect((await withoutHeader.response).status).toBe(403);
  });

  it('applies the operation limits to SSE subscriptions', async () => {
    // item → student → clearanceItems → student → …: far deeper than the limit.
    const deep = Array.from({ length: OPERATION_LIMITS.depth }).reduce<string>((inner) => `student { clearanceItems { ${inner} } }`, 'id');
    const aliases = Array.from({ length: OPERATION_LIMITS.aliases + 1 }, (_, index) => `a${index}: seq`).join(' ');
    const token = await api.staff('library');
    const limits = [
      { selection: `item { ${deep} }`, refusal: /depth|深/ },
      { selection: aliases, refusal: /alias|别名/ },
    ];
    for (const { selection, refusal } of limits) {
      const refused = sse(server, { query: `subscription { reviewQueueChanged(cohortYear: 2020) { ${selection} } }`, token });
      expect((await refused.response).status).toBe(200);
      const answer = await refused.until((message) => message.event === 'next');
      await refused.until((message) => message.event === 'complete');
      expect(answer.data.data ?? null).toBeNull();
      expect(JSON.stringify(answer.data.errors)).toMatch(refusal);
      // The same refusal as the document gets over plain HTTP (operation name aside).
      // Text: the selection is built at run time from the limits, and goes past them on purpose.
      const overHttp = await server.gqlText(`subscription { reviewQueueChanged(cohortYear: 2020) { ${selection} } }`, {}, { authorization: `Bearer ${token}` });
      expect(overHttp.errors?.length).toBeGreaterThan(0);
      expect(answer.data.errors).toEqual(overHttp.errors);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type clients, findStudents, itemOf, openDemoServer, ref } from '../testing/demo.js';
import { globalId } from '../testing/ids.js';
import { expectNoLeak, openSocket, RawSocket } from '../testing/raw-socket.js';
import type { TestServer } from '../testing/server.js';
import { APPROVE } from '../testing/documents.js';
import { streamsOpened } from '../testing/live.js';

/** graphql-ws limits, spoken by hand on a real socket: what one client sends never closes the socket with raw error text. */
describe('graphql-ws socket limits', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer({ env: { MAX_SOCKET_SUBSCRIPTIONS: '3' } })));
  afterAll(() => server?.close());

  it('refuses a frame larger than MAX_BODY_BYTES before connection_init (1009), and keeps serving others', async () => {
    const socket = new RawSocket(server.wsUrl);
    await socket.opened;
    socket.send({ type: 'connection_init', payload: { junk: 'x'.repeat(2 * 1024 * 1024) } });
    const closed = await socket.closed;
    expect(closed.code).toBe(1009);
    expect(socket.messages).toEqual([]);
    const other = await openSocket(server.wsUrl);
    expect((await other.run('ok', '{ cohort(year: 2020) { year } }')).results).toEqual([{ data: { cohort: { year: 2020 } } }]);
    other.close();
  });

  it('refuses a subscription past the per-socket limit with SUBSCRIPTION_LIMIT; the socket and its other subscriptions go on', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'GEMMOLOGY' }, 1);
    const socket = await openSocket(server.wsUrl, await api.staff('admin'));
    const watch = (id: string) =>
      socket.send({
        type: 'subscribe',
        id,
        payload: {
          query: 'subscription ($id: ID!) { clearanceItemUpdated(studentId: $id) { seq item { status } } }',
          variables: { id: globalId('Student', student!.id) },
        },
      });
    const opened = streamsOpened(server, 3);
    for (const id of ['a', 'b', 'c', 'd']) watch(id);
    const refused = await socket.next((m) => m.id === 'd' && m.type === 'error');
    expect(refused.payload[0].extensions).toEqual({ code: 'SUBSCRIPTION_LIMIT', limit: 3 });
    expect(refused.payload[0].message).toBe(
      '每个连接最多同时进行 3 个订阅或操作，请先结束不再需要的订阅。 / At most 3 subscriptions or operations may run at once on one connection: end one you no longer need first.',
    );
    await opened;
    await api.as(await api.staff('library'), APPROVE, { items: [ref(await itemOf(server, student!.number, 'LIBRARY'))] });
    for (const id of ['a', 'b', 'c']) {
      const event = await socket.next((m) => m.id === id && m.type === 'next');
      expect(event.payload.data.clearanceItemUpdated.item.status).toBe('APPROVED');
    }
    // Ending one makes room for another.
    // graphql-ws reads a socket's messages in order and frees the slot as it reads `complete`.
    socket.send({ type: 'complete', id: 'a' });
    const reopened = streamsOpened(server);
    watch('e');
    await Promise.race([reopened, socket.next((m) => m.id === 'e' && m.type === 'error')]);
    expect(socket.messages.filter((m) => m.id === 'e' && m.type === 'error')).toEqual([]);
    await api.as(await api.staff('finance'), APPROVE, { items: [ref(await itemOf(server, student!.number, 'FINANCE'))] });
    expect((await socket.next((m) => m.id === 'e' && m.type === 'next')).payload.data.clearanceItemUpdated.item.status).toBe('APPROVED');
    socket.close();
  });

  it('fails a deeply nested or malformed operation alone, with a typed error, and keeps the socket', async () => {
    const socket = await openSocket(server.wsUrl, await api.staff('library'));
    // Written by hand: JSON.stringify itself would overflow the stack on it.
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    socket.send(`{"type":"subscribe","id":"deep-variables","payload":{"query":${JSON.stringify(String(APPROVE))},"variables":{"items":${deep}}}}`);
    const deepEnd = await socket.next((m) => m.id === 'deep-variables' && (m.type === 'error' || m.type === 'complete'));
    const deepErrors = deepEnd.type === 'error' ? deepEnd.payload : socket.messages.find((m) => m.id === 'deep-variables' && m.type === 'next')?.payload.errors;
    expect(deepErrors).toHaveLength(1);
    expect(deepErrors[0].extensions.code).toMatch(/^[A-Z_]+$/);
    expectNoLeak(deepErrors);

    const nested = `{ ${'cohort(year: 2020) { year '.repeat(1)}${'__typename '.repeat(1)}} }`;
    socket.send({ type: 'subscribe', id: 'deep-query', payload: { query: `{ viewer { ${'... on Staff { '.repeat(500)}__typename${' }'.repeat(500)} } }` } });
    const deepQuery = await socket.next((m) => m.id === 'deep-query' && (m.type === 'error' || m.type === 'complete'));
    expect(deepQuery.type).toBe('error');
    expect(deepQuery.payload[0].extensions.code).toBe('OPERATION_LIMIT');

    socket.send({ type: 'subscribe', id: 'syntax', payload: { query: '{ cohort(year: ' } });
    const syntax = await socket.next((m) => m.id === 'syntax' && m.type === 'error');
    expect(syntax.payload[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    socket.send({ type: 'subscribe', id: 'unknown-field', payload: { query: '{ noSuchField }' } });
    expect((await socket.next((m) => m.id === 'unknown-field' && m.type === 'error')).payload[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');

    expect((await socket.run('still-open', nested)).results).toEqual([{ data: { cohort: { year: 2020, __typename: 'Cohort' } } }]);
    socket.close();
  });
});

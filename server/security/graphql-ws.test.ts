import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type clients, findStudents, openDemoServer } from '../testing/demo.js';
import type { TestServer } from '../testing/server.js';
import { streamsOpened } from '../testing/live.js';
import { RawSocket } from '../testing/raw-socket.js';

/**
 * The graphql-transport-ws protocol, spoken by hand on a raw socket: every way a
 * client can break it ends in the close code the protocol names.
 */
describe('graphql-ws protocol on a real socket', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer()));
  afterAll(() => server?.close());

  it('closes 4400 on a message that is not a protocol message', async () => {
    for (const garbage of [
      'not json',
      JSON.stringify({ type: 'no_such_type' }),
      JSON.stringify({ type: 'subscribe', payload: { query: '{ cohorts { year } }' } }),
    ]) {
      const socket = new RawSocket(server.wsUrl);
      await socket.opened;
      if (garbage.includes('subscribe')) {
        // A subscribe without an id, after the handshake.
        socket.send({ type: 'connection_init' });
        await socket.next((m) => m.type === 'connection_ack');
      }
      socket.send(garbage);
      const closed = await socket.closed;
      expect(closed.code, garbage).toBe(4400);
    }
  });

  it('closes 4401 on subscribe before connection_ack', async () => {
    const socket = new RawSocket(server.wsUrl);
    await socket.opened;
    socket.send({ type: 'subscribe', id: '1', payload: { query: '{ cohorts { year } }' } });
    expect((await socket.closed).code).toBe(4401);
    expect(socket.messages).toEqual([]);
  });

  it('closes 4403 when connection_init carries a bad token', async () => {
    const socket = new RawSocket(server.wsUrl);
    await socket.opened;
    socket.send({ type: 'connection_init', payload: { authorization: 'Bearer junk' } });
    const closed = await socket.closed;
    expect(closed.code).toBe(4403);
    expect(socket.messages.some((m) => m.type === 'connection_ack')).toBe(false);
  });

  it('refuses a wrong subprotocol: the handshake names none (client aborts), and a socket without one is closed 4406', async () => {
    // The server picks graphql-transport-ws or nothing: a client asking only for the
    // legacy `graphql-ws` gets no Sec-WebSocket-Protocol and the ws client refuses the handshake.
    const legacy = new RawSocket(server.wsUrl, 'graphql-ws');
    await expect(legacy.opened).rejects.toThrow(/subprotocol/i);
    const legacyClosed = await legacy.closed;
    expect(legacyClosed.code).toBe(1006);

    // A client asking for no subprotocol at all gets the socket, which the server closes 4406.
    const none = new RawSocket(server.wsUrl, null);
    await none.opened;
    expect(none.socket.protocol).toBe('');
    expect((await none.closed).code).toBe(4406);
  });

  it("closes 4408 when no connection_init arrives within graphql-ws's default 3 s", async () => {
    // server/app.ts does not set connectionInitWaitTimeout, so graphql-ws's default (3 s) applies.
    const socket = new RawSocket(server.wsUrl);
    await socket.opened;
    const started = Date.now();
    const closed = await socket.closed;
    expect(closed.code).toBe(4408);
    expect(Date.now() - started).toBeGreaterThan(2500);
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('closes 4409 when a second subscribe reuses an operation id still in use', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE' }, 1, 30);
    const token = await api.student(student!.number);
    const socket = await new RawSocket(server.wsUrl).init({ authorization: `Bearer ${token}` });
    const subscription = 'subscription { myClearanceUpdated { item { id status } } }';
    const opened = streamsOpened(server);
    socket.send({ type: 'subscribe', id: 'same', payload: { query: subscription } });
    // Running: a live subscription holds the id.
    await opened;
    expect(socket.messages.filter((m) => m.id === 'same')).toEqual([]);
    socket.send({ type: 'subscribe', id: 'same', payload: { query: subscription } });
    expect((await socket.closed).code).toBe(4409);
  });

  it('closes 4429 on a second connection_init', async () => {
    const socket = await new RawSocket(server.wsUrl).init();
    socket.send({ type: 'connection_init', payload: {} });
    expect((await socket.closed).code).toBe(4429);
  });

  it('still serves a well-behaved client on the same server', async () => {
    const socket = await new RawSocket(server.wsUrl).init();
    const { results, errors } = await socket.run('ok', '{ cohort(year: 2020) { year } }');
    expect(errors).toBeNull();
    expect(results).toEqual([{ data: { cohort: { year: 2020 } } }]);
    socket.close();
  });
});

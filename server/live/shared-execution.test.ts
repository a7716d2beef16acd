import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type clients, findStudents, itemOf, openDemoServer, ref } from '../testing/demo.js';
import { APPROVE } from '../testing/documents.js';
import { globalId } from '../testing/ids.js';
import type { TestServer } from '../testing/server.js';
import { follow, socketClient, streamsOpened, type Followed } from '../testing/live.js';
import { success } from '../testing/request.js';
import { waitFor } from '../testing/wait.js';
import { graphql } from '../testing/generated/index.js';

const WATCH = graphql(`
  subscription SharedExecutionWatch($s: ID!) {
    clearanceItemUpdated(studentId: $s) { seq item { id name status version } progress { approved required } }
  }
`);

/** A socket whose upgrade request prefers English, as a browser set to English would send it. */
class EnglishSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { headers: { 'accept-language': 'en' } });
  }
}

/**
 * An event is executed once per subscription whose result it provably shares (same document,
 * variables, viewer and language): those subscribers get identical payloads, and a subscriber
 * that differs in any of them gets its own.
 */
describe('one execution per event for identical subscriptions', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => ({ server, api } = await openDemoServer()));
  afterAll(async () => {
    for (const close of closers) await close();
    await server?.close();
  });

  it('gives identical subscribers identical payloads, and a subscriber in another language its own', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE' }, 1, 7);
    const variables = { s: globalId('Student', student!.id) };
    const admin = await api.staff('admin');
    const open = (client: ReturnType<typeof socketClient>) => {
      closers.push(() => client.dispose() as Promise<void>);
      return follow(client, WATCH, variables);
    };
    const subscribed = streamsOpened(server, 3);
    const same = [open(socketClient(server, admin)), open(socketClient(server, admin))];
    const english = open(
      createClient({ url: server.wsUrl, webSocketImpl: EnglishSocket, connectionParams: { authorization: `Bearer ${admin}` }, retryAttempts: 0, lazy: false }),
    );
    await subscribed;

    const item = await itemOf(server, student!.number, 'LIBRARY');
    const answer = await api.as(await api.staff('library'), APPROVE, { items: [ref(item)] });
    expect(success(answer.data?.approveItems).approved).toBe(1);
    const everyone: Followed[] = [...same, english];
    await waitFor(() => everyone.every((f) => f.events.length === 1), 10_000);

    const [first, second] = same.map((f) => f.events[0]!);
    expect(first!.errors).toBeUndefined();
    const { clearanceItemUpdated: firstUpdate } = first!.data!;
    expect(firstUpdate.item).toMatchObject({ id: item.id, status: 'APPROVED', version: item.version + 1 });
    expect({ data: second!.data, errors: second!.errors }).toEqual({ data: first!.data, errors: first!.errors });

    const inEnglish = english.events[0]!.data!.clearanceItemUpdated;
    expect(inEnglish.seq).toBe(firstUpdate.seq);
    expect(inEnglish.item!.name).not.toBe(firstUpdate.item!.name);
    expect(inEnglish.item!.name).toMatch(/^[\x20-\x7e]+$/);
  }, 60_000);
});

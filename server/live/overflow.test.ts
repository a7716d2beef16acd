import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients } from '../testing/demo.js';
import { TEST_DATABASE_URL, type Backend } from '../testing/databases.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { databaseId } from '../testing/ids.js';
import { APPLY_RULE_CHANGE, APPROVE, CHANGES } from '../testing/documents.js';
import { success } from '../testing/request.js';
import { follow, importGraduates, openSecondServer, pendingItems, redisListeners, socketClient, streamsOpened } from '../testing/live.js';
import { waitFor } from '../testing/wait.js';
import { graphql } from '../testing/generated/index.js';

const COHORT_YEAR = graphql(`
  query OverflowCohortYear {
    cohort(year: 2020) { year }
  }
`);
const STATS = graphql(`
  subscription OverflowStats {
    cohortStatsUpdated(year: 2020) { items { template { code } waived outstanding } }
  }
`);
const QUEUE = graphql(`
  subscription OverflowQueue {
    reviewQueueChanged(cohortYear: 2020) { seq item { id code status } }
  }
`);

/**
 * Bursts larger than any subscriber's buffer, on the default set-up (PGlite, no Redis):
 * the process stays up, coalesced dashboards end on the latest numbers, and a queue
 * subscriber gets every event it may see, or RESYNC_REQUIRED with the last seq it was given.
 */
const REDIS = process.env.TEST_REDIS_URL;
const SETUPS: { name: string; backend: Backend; env: Record<string, string>; remote: boolean }[] = [
  { name: 'PGlite, default buffers', backend: 'pglite', env: {}, remote: false },
  { name: 'PGlite, a 100-event buffer', backend: 'pglite', env: { LIVE_BUFFER_EVENTS: '100' }, remote: false },
  ...(TEST_DATABASE_URL && REDIS
    ? [
        { name: 'PostgreSQL + Redis, subscribers on another server', backend: 'postgres' as const, env: { REDIS_URL: REDIS }, remote: true },
        {
          name: 'PostgreSQL + Redis, a 100-event buffer on another server',
          backend: 'postgres' as const,
          env: { REDIS_URL: REDIS, LIVE_BUFFER_EVENTS: '100' },
          remote: true,
        },
      ]
    : []),
];

describe.each(SETUPS)('a burst larger than a buffer ($name)', ({ backend, env, remote }) => {
  let server: TestServer;
  let subscribeTo: Awaited<ReturnType<typeof openSecondServer>> | null = null;
  let api: ReturnType<typeof clients>;
  const sockets: Client[] = [];
  beforeAll(async () => {
    server = await startTestServer({ backend, demo: true, env });
    if (remote) subscribeTo = await openSecondServer(server, env);
    api = clients(server);
    await importGraduates(server, await api.staff('admin'), 1700, 'B');
  }, 180_000);
  afterAll(async () => {
    for (const client of sockets) await client.dispose();
    await subscribeTo?.close();
    await server?.close();
  });
  const socket = (token: string) => {
    const client = socketClient(subscribeTo ?? server, token);
    sockets.push(client);
    return client;
  };

  it("keeps the process up and the dashboard on the latest numbers when a rule change rewrites every student's item", async () => {
    const stats = follow(socket(await api.staff('admin')), STATS);
    const career = (data: any) => data.cohortStatsUpdated.items.find((i: any) => i.template.code === 'CAREER');
    const before = career((await waitFor(() => stats.events[0])).data);
    expect(before.outstanding).toBeGreaterThan(1100);
    const { ruleSetVersion } = await server.db.prisma.cohort.findUniqueOrThrow({ where: { year: 2020 } });
    // Deactivating CAREER waives every undecided CAREER item: one commit, more events than a subscriber buffer holds.
    const answer = await api.as(await api.staff('admin'), APPLY_RULE_CHANGE, {
      input: { cohortYear: 2020, template: { code: 'CAREER', active: false } },
      version: ruleSetVersion,
    });
    expect(success(answer.data?.applyRuleChange)).toMatchObject({ applied: true });
    await waitFor(() => stats.events.length > 1 && career(stats.events.at(-1)!.data)?.outstanding === 0, 5000);
    expect(career(stats.events.at(-1)!.data).waived).toBe(before.waived + before.outstanding);
    // Still serving.
    expect((await server.gql(COHORT_YEAR)).data).toEqual({ cohort: { year: 2020 } });
    expect(stats.events.every((e) => e.errors === undefined)).toBe(true);
    stats.stop();
  }, 60_000);

  it('gives a queue subscriber every event of two simultaneous 1,000-item batches, or RESYNC_REQUIRED and a gapless catch-up', async () => {
    const libraryToken = await api.staff('library');
    const cursor = (await api.as(libraryToken, CHANGES, { cursor: null, first: 1 })).data!.changesSince.cursor;
    const opened = streamsOpened(subscribeTo ?? server);
    const queue = follow(socket(libraryToken), QUEUE);
    await opened;
    if (remote) {
      const { id } = await server.db.prisma.cohort.findUniqueOrThrow({ where: { year: 2020 } });
      await waitFor(() => redisListeners(env.REDIS_URL!, `cohort:items:${id}`), 10_000, 'the other server to listen on Redis');
    }
    const library = await pendingItems(server, 'LIBRARY', 1000);
    const finance = await pendingItems(server, 'FINANCE', 1000);
    expect(library).toHaveLength(1000);
    const [libraryAnswer, financeAnswer] = await Promise.all([
      api.as(libraryToken, APPROVE, { items: library.map((i) => i.ref) }),
      api.as(await api.staff('finance'), APPROVE, { items: finance.map((i) => i.ref) }),
    ]);
    expect(success(libraryAnswer.data?.approveItems).approved).toBe(1000);
    expect(success(financeAnswer.data?.approveItems).approved).toBe(finance.length);

    const approvedLibrary = new Set(library.map((i) => i.dbId));
    const seen = new Set<string>();
    const resync = await waitFor(() => {
      for (const event of queue.events.splice(0)) {
        if (event.errors) return event.errors[0];
        const update = event.data!.reviewQueueChanged;
        expect(update.item!.code).toBe('LIBRARY');
        if (update.item!.status === 'APPROVED') seen.add(databaseId(update.item!.id));
      }
      return seen.size === approvedLibrary.size ? 'all delivered' : undefined;
    }, 10_000);
    if (resync === 'all delivered') {
      expect(env.LIVE_BUFFER_EVENTS).toBeUndefined();
    } else {
      expect(resync.extensions.code).toBe('RESYNC_REQUIRED');
      expect(resync.message).toMatch(/changesSince/);
      await waitFor(() => queue.completed());
      // The catch-up from the last seq delivered (or from before the subscription) brings every approval not delivered.
      let from = (resync.extensions.lastSeq as string | null) ?? cursor;
      for (;;) {
        const page = (await api.as(libraryToken, CHANGES, { cursor: from, first: 500 })).data!.changesSince;
        for (const change of page.changes) {
          if (change.template.code === 'LIBRARY' && change.toStatus === 'APPROVED') seen.add(databaseId(change.item!.id));
        }
        from = page.cursor;
        if (!page.hasMore) break;
      }
    }
    for (const id of approvedLibrary) expect(seen.has(id)).toBe(true);
    expect((await server.gql(COHORT_YEAR)).data).toEqual({ cohort: { year: 2020 } });
    queue.stop();
  }, 60_000);
});

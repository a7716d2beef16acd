/** The helpers script authors would otherwise write: pagination, chunked decisions, retries, aborts, timeouts. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../../server/testing/server.js';
import { CohortStatsUpdatedDocument, createClient, LixiaoError, type LixiaoClient } from '../src/index.js';

const PASSWORD = 'Lixiao@2020';

type Step = 'forward' | 'unavailable' | 'slow';

/** A proxy in front of the real server: each request takes the next planned step (then forwards). */
async function startProxy(target: string) {
  const plan: Step[] = [];
  const seen: { at: number; operation: string }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const body = Buffer.concat(chunks);
      seen.push({ at: Date.now(), operation: (JSON.parse(body.toString() || '{}') as { operationName?: string }).operationName ?? '' });
      const step = plan.shift() ?? 'forward';
      if (step === 'unavailable') {
        // What a load balancer answers while the service restarts.
        response.writeHead(503, { 'content-type': 'text/html', 'retry-after': '1' });
        return response.end('<html>503 Service Temporarily Unavailable</html>');
      }
      if (step === 'slow') await new Promise((resolve) => setTimeout(resolve, 3_000));
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'host'),
      );
      try {
        const answer = await fetch(target, { method: request.method, headers, body });
        response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        response.end(Buffer.from(await answer.arrayBuffer()));
      } catch {
        response.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    plan,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('SDK helpers against a real server', () => {
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  const clients: LixiaoClient[] = [];
  const loggedIn = async (username: string, options: Partial<Parameters<typeof createClient>[0]> = {}) => {
    const client = createClient({ url: server.url, webSocketImpl: WebSocket, locale: 'en', ...options });
    clients.push(client);
    await client.login(username, PASSWORD);
    return client;
  };

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    proxy = await startProxy(server.url);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await proxy?.close();
    await server?.close();
  });

  it('iterates every page of the review queue, and approves any count in batches of 1,000 with one combined report', async () => {
    let requests = 0;
    const library = await loggedIn('library', { fetch: (input, init) => (requests++, fetch(input, init)) });
    const pending = [];
    requests = 0;
    for await (const item of library.reviewQueueItems({ filter: { status: ['PENDING'] }, first: 50 })) pending.push(item);
    const pageRequests = requests;
    const { counts } = await library.reviewQueue({ filter: { status: ['PENDING'] }, first: 1 });
    expect(pending.length).toBe(counts.pending);
    expect(new Set(pending.map((item) => item.id)).size).toBe(pending.length);
    expect(pageRequests).toBe(Math.ceil(counts.pending / 50));

    // 1,000 unknown ids first, so the real items travel in the second batch.
    const unknown = Array.from({ length: 1000 }, (_, index) => ({ id: `missing-${index}`, expectedVersion: 1 }));
    const real = pending.map((item) => ({ id: item.id, expectedVersion: item.version }));
    requests = 0;
    const report = await library.approve([...unknown, ...real]);
    expect(requests).toBe(2);
    expect(report).toMatchObject({ approved: real.length, failed: 1000, rejected: 0 });
    expect(report.outcomes.map((outcome) => outcome.id)).toEqual([...unknown, ...real].map((item) => item.id));
    expect((await library.reviewQueue({ filter: { status: ['PENDING'] }, first: 1 })).counts.pending).toBe(0);
  });

  it('retries a query after a 503 honouring Retry-After, never a decision; aborts and timeouts are LixiaoErrors', async () => {
    const finance = await loggedIn('finance', { url: proxy.url });
    proxy.seen.length = 0;
    proxy.plan.push('unavailable');
    const page = await finance.reviewQueue({ first: 1 });
    expect(page.counts.total).toBeGreaterThan(0);
    expect(proxy.seen.map((request) => request.operation)).toEqual(['ReviewQueue', 'ReviewQueue']);
    const waited = proxy.seen[1]!.at - proxy.seen[0]!.at;
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(3_000);

    // A decision is not repeated: its first answer may have been lost after it was applied.
    proxy.seen.length = 0;
    proxy.plan.push('unavailable');
    const refused = await finance.approve([{ id: page.edges[0]!.node.id, expectedVersion: page.edges[0]!.node.version }]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LixiaoError);
    expect(refused).toMatchObject({ code: 'NETWORK_ERROR', status: 503, retryAfterSeconds: 1 });
    expect(proxy.seen).toHaveLength(1);

    proxy.plan.push('slow');
    const started = Date.now();
    const timedOut = await finance.reviewQueue({ first: 1 }, { timeoutMs: 300, retry: false }).catch((error: unknown) => error);
    expect(timedOut).toMatchObject({ name: 'LixiaoError', code: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(2_000);

    proxy.plan.push('slow');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const aborted = await finance.reviewQueue({ first: 1 }, { signal: controller.signal }).catch((error: unknown) => error);
    expect(aborted).toMatchObject({ name: 'LixiaoError', code: 'ABORTED' });
  });

  it('ends a subscription by its AbortSignal, and at once with UNAUTHENTICATED when the server revokes the socket (4403)', async () => {
    const admin = await loggedIn('admin');
    const controller = new AbortController();
    const events: number[] = [];
    const loop = (async () => {
      for await (const event of admin.subscribe(CohortStatsUpdatedDocument, { year: 2020 }, { signal: controller.signal }))
        events.push(event.cohortStatsUpdated.graduates);
    })();
    await expect.poll(() => events.length, { timeout: 10_000 }).toBeGreaterThan(0);
    controller.abort();
    await expect(loop).resolves.toBeUndefined();

    // Logging out elsewhere revokes every token, refresh tokens included, and closes the socket with 4403.
    const watcher = await loggedIn('xgz-computer-science');
    const sameAccount = await loggedIn('xgz-computer-science');
    const watch = watcher.subscribe(CohortStatsUpdatedDocument, { year: 2020 });
    await watch.next();
    await sameAccount.logout();
    const started = Date.now();
    const ended = await watch.next().catch((error: unknown) => error);
    expect(ended).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((ended as Error).message).toMatch(/log in again/i);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

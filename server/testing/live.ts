import { createClient, type Client } from 'graphql-ws';
import { createApp, GRAPHQL_PATH } from '../app.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { createServices } from '../services/runtime.js';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { studentRows, utf8Csv, STUDENT_HEADER_ZH, type Cell } from './import-files.js';
import { globalId } from './ids.js';
import type { Services } from '../services/runtime.js';
import type { TestServer } from './server.js';
import { TEST_JWT_SECRET } from './keys.js';
import type { TypedDocument, VariablesArgument } from './request.js';

/** Helpers for the live-update suites (not a test file itself). */

/** Per server, the probes waiting for live streams to open (the server's pubsub is wrapped once). */
const streamProbes = new WeakMap<Services['pubsub'], Set<() => void>>();

/**
 * Resolves once the server has opened `count` more live streams (the item stream or statistics
 * signal behind a subscription). graphql-ws and SSE say nothing when a subscription starts: call
 * this before subscribing and await it before making the change the subscription must hear.
 */
export function streamsOpened(server: { services: Services }, count = 1): Promise<void> {
  const pubsub = server.services.pubsub;
  let probes = streamProbes.get(pubsub);
  if (!probes) {
    const waiting = (probes = new Set());
    streamProbes.set(pubsub, waiting);
    const { items, changes } = pubsub;
    const opened = <T>(stream: T) => {
      for (const probe of [...waiting]) probe();
      return stream;
    };
    pubsub.items = (...args) => opened(items.apply(pubsub, args));
    pubsub.changes = (...args) => opened(changes.apply(pubsub, args));
  }
  const waiting = probes;
  return new Promise((resolve) => {
    let seen = 0;
    const probe = () => {
      if (++seen < count) return;
      waiting.delete(probe);
      resolve();
    };
    waiting.add(probe);
  });
}

export interface Followed<R = any> {
  events: { at: number; data?: R | null; errors?: readonly any[] }[];
  completed: () => boolean;
  failure: () => unknown;
  stop: () => void;
}

/** Collects a typed subscription's results (a graphql(`…`) document) until stopped; `completed` once the server ends it. */
export function follow<R, V>(client: Client, document: TypedDocument<R, V>, ...[variables]: VariablesArgument<V>): Followed<R> {
  return followText(client, document.toString(), variables as Record<string, unknown> | undefined);
}

/** The same with an untyped subscription text (see requestText: only for what no typed document can express). */
export function followText(client: Client, query: string, variables: Record<string, unknown> = {}): Followed {
  const events: Followed['events'] = [];
  let failure: unknown = null;
  let completed = false;
  const stop = client.subscribe(
    { query, variables },
    {
      next: (message) => events.push({ at: Date.now(), data: message.data, errors: message.errors }),
      error: (error) => (failure = error),
      complete: () => (completed = true),
    },
  );
  return { events, stop, failure: () => failure, completed: () => completed };
}

export function socketClient(server: { wsUrl: string }, token: string): Client {
  return createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false });
}

/** Uploads a file to importStudents or importStaff (applied, not a dry run) and returns the report. */
export async function uploadImport(server: TestServer, adminToken: string, mutation: 'importStudents' | 'importStaff', bytes: Uint8Array) {
  const success = mutation === 'importStudents' ? 'MutationImportStudentsSuccess' : 'MutationImportStaffSuccess';
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: `mutation ($file: File!) { ${mutation}(file: $file, dryRun: false) { __typename ... on ${success} { data { applied created updated errorCount } } } }`,
      variables: { file: null },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([bytes as Uint8Array<ArrayBuffer>]), 'import.csv');
  const response = await fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'x-graphql-yoga-csrf': '1' }, body: form });
  const body = (await response.json()) as any;
  const report = body.data?.[mutation]?.data;
  if (!report?.applied) throw new Error(`${mutation} failed: ${JSON.stringify(body)}`);
  return report as { applied: boolean; created: number; updated: number; errorCount: number };
}

/** Imports `count` extra 2020 graduates through the importStudents mutation, so batches of 1,000 find enough items. */
export async function importGraduates(server: TestServer, adminToken: string, count: number, prefix: string) {
  const report = await uploadImport(server, adminToken, 'importStudents', utf8Csv([[...STUDENT_HEADER_ZH] as Cell[], ...studentRows(count, prefix)]));
  if (report.created !== count) throw new Error(`import created ${report.created} of ${count}`);
}

/** Up to `count` PENDING items of template `code` in cohort 2020, as approveItems refs, with their database ids. */
export async function pendingItems(server: TestServer, code: string, count: number, skip = 0) {
  const rows = await server.db.prisma.clearanceItem.findMany({
    where: { status: 'PENDING', template: { code }, cohort: { year: 2020 } },
    orderBy: { id: 'asc' },
    skip,
    take: count,
    select: { id: true, version: true },
  });
  return rows.map((row) => ({ dbId: row.id, ref: { id: globalId('ClearanceItem', row.id), expectedVersion: row.version } }));
}

/**
 * A second server on the same database, as another process behind Redis would be
 * (its own Redis connections and origin): what it hears of A's commits came through Redis.
 */
export async function openSecondServer(server: TestServer, env: Record<string, string>) {
  const config = loadConfig({ PORT: '0', SHUTDOWN_GRACE_SECONDS: '1', JWT_SECRET: TEST_JWT_SECRET, ...env });
  const runtime = createServices(config, server.db, createLogger('silent'));
  const app = createApp(config, runtime.services);
  const { port } = await app.listen();
  return {
    wsUrl: `ws://127.0.0.1:${port}${GRAPHQL_PATH}`,
    services: runtime.services,
    async close() {
      await app.close();
      await runtime.close();
    },
  };
}

/**
 * Whether `count` connections listen on a Redis channel (`student:items:<id>`, …): a server process
 * subscribes there when its first subscriber of that channel starts, so events from other processes reach it.
 */
export async function redisListeners(redisUrl: string, channel: string, count = 1): Promise<boolean> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    const [, listeners] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
    return listeners >= count;
  } finally {
    redis.disconnect();
  }
}

/**
 * W4c: 1,000 students each followed by one subscription selecting item + progress,
 * one 1,000-item batch; against the same batch with no subscribers and the same fan-out
 * selecting only { seq } (transport without execution), in the same run.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Row } from '../lib/context.js';
import { countStatements, cpuMs, describe } from '../lib/statements.js';
import { fmt, fmtInt, sleep, summarize, wallMs } from '../lib/stats.js';
import { tsxChild, cleanups, type Target } from '../lib/target.js';
import type { WsCommand, WsReport } from '../lib/ws-worker.js';

type Gql = (target: Target, query: string, variables?: Record<string, unknown>, token?: string) => Promise<{ data?: any; errors?: unknown[] }>;

const APPROVE =
  'mutation ($items: [ItemRefInput!]!) { approveItems(items: $items) { __typename ... on MutationApproveItemsSuccess { data { approved } } ... on Error { code } } }';
const SUBSCRIPTION = 'subscription ($s: ID!) { clearanceItemUpdated(studentId: $s) { seq item { id status version } progress { approved required cleared } } }';
const SEQ_SUBSCRIPTION = 'subscription ($s: ID!) { clearanceItemUpdated(studentId: $s) { seq } }';
const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`, 'utf8').toString('base64');

/** `count` students of cohort 2020 with a pending LIBRARY item each, skipping the first `skip`. */
async function pendingLibrary(target: Target, count: number, skip: number) {
  return target.db.sql.query<PendingItem>(
    `SELECT i.id, i.version, i."studentId" FROM "ClearanceItem" i JOIN "ItemTemplate" t ON t.id = i."templateId" JOIN "Cohort" c ON c.id = i."cohortId" AND c.year = 2020
     WHERE t.code = 'LIBRARY' AND i.status = 'PENDING' ORDER BY i."studentId" DESC OFFSET ${skip} LIMIT ${count}`,
  );
}

const refs = (items: { id: string; version: number }[]) => items.map((item) => ({ id: globalId('ClearanceItem', item.id), expectedVersion: item.version }));

/** Toggles the server's CPU profiler around the deliveries alone (`--cpu-prof`), or null. */
export type DeliveryProfiler = { start(): void; stop(): Promise<void> } | null;

interface FanOut {
  connected: number;
  sent: number;
  answered: number;
  lastArrival: number;
  arrivals: number[];
  /** Server CPU (ms) from sending the batch to 0.5 s after its last delivery. */
  cpu: number | null;
}

/**
 * One batch of `watched`'s items approved while each of their students is followed by one
 * subscription of `query`; arrival times of every delivery and the server's CPU meanwhile.
 */
async function fanOut(
  target: Target,
  adminToken: string,
  query: string,
  watched: PendingItem[],
  approve: Approve,
  profiler: DeliveryProfiler,
  log: (line: string) => void,
): Promise<FanOut> {
  const count = watched.length;
  log(`W4c: opening ${count} graphql-ws subscribers, one per student`);
  const child = tsxChild('./ws-worker.ts');
  cleanups.push({ name: `ws worker ${child.pid}`, run: async () => void child.kill() });
  const arrivals: number[] = [];
  let ready: Extract<WsReport, { type: 'ready' }> | null = null;
  child.on('message', (report: WsReport) => {
    if (report.type === 'ready') ready = report;
    if (report.type === 'event') arrivals.push(...report.arrivals);
  });
  child.send({
    cmd: 'start',
    url: target.wsUrl,
    token: adminToken,
    count,
    field: 'clearanceItemUpdated',
    query,
    variables: {},
    variablesList: watched.map((item) => ({ s: globalId('Student', item.studentId) })),
    perEvent: 1,
  } satisfies WsCommand);
  for (const deadline = Date.now() + 120_000; ready === null && Date.now() < deadline; ) await sleep(100);
  const r = ready as Extract<WsReport, { type: 'ready' }> | null;
  if (!r) throw new Error('W4c: subscribers did not connect');
  log(`W4c: ${r.connected} connected, ${r.failed} failed in ${fmt(r.connectMs / 1000, 1)} s`);
  await sleep(1000);

  profiler?.start();
  const run = await approve(watched);
  for (const deadline = Date.now() + 30_000; arrivals.length < count && Date.now() < deadline; ) await sleep(20);
  await profiler?.stop();
  const lastArrival = Math.max(...arrivals);
  // The same settle time after the last delivery as after the baseline's answer.
  await sleep(Math.max(0, 500 - (wallMs() - lastArrival)));
  const cpuAfter = cpuMs(target.serverPid);
  child.send({ cmd: 'close' } satisfies WsCommand);
  await new Promise((resolve) => {
    child.once('exit', resolve);
    setTimeout(resolve, 10_000);
  });
  child.kill();
  const cpu = cpuAfter !== null && run.cpuBefore !== null ? cpuAfter - run.cpuBefore : null;
  return { connected: r.connected, sent: run.sent, answered: run.answered, lastArrival, arrivals, cpu };
}

type PendingItem = { id: string; version: number; studentId: string };
type Approve = (items: PendingItem[]) => Promise<{ sent: number; answered: number; cpuBefore: number | null }>;

export async function w4cFanOut(
  target: Target,
  adminToken: string,
  libraryToken: string,
  gql: Gql,
  count: number,
  profiler: DeliveryProfiler,
  log: (line: string) => void,
): Promise<Row> {
  const warmUp = await pendingLibrary(target, count, 0);
  const alone = await pendingLibrary(target, count, count);
  const seqOnly = await pendingLibrary(target, count, 2 * count);
  const watched = await pendingLibrary(target, count, 3 * count);
  if (watched.length < count) throw new Error(`W4c: only ${warmUp.length + alone.length + seqOnly.length + watched.length} pending LIBRARY items`);
  const approve: Approve = async (items) => {
    const cpuBefore = cpuMs(target.serverPid);
    const sent = wallMs();
    const result = await gql(target, APPROVE, { items: refs(items) }, libraryToken);
    const answered = wallMs();
    if (result.data?.approveItems?.data?.approved !== items.length) throw new Error(`W4c batch failed: ${JSON.stringify(result).slice(0, 300)}`);
    return { sent, answered, cpuBefore };
  };

  // Untimed, so the baseline does not pay for compiling the batch's path (when W2 did not run before).
  await approve(warmUp);
  // The batch with nobody listening: its CPU is what the fan-outs are compared with.
  const base = await approve(alone);
  await sleep(500);
  const baseCpuAfter = cpuMs(target.serverPid);
  const baseCpu = baseCpuAfter !== null && base.cpuBefore !== null ? baseCpuAfter - base.cpuBefore : null;
  const perDelivery = (fan: FanOut) => (fan.cpu !== null && baseCpu !== null ? ((fan.cpu - baseCpu) * 1000) / Math.max(1, fan.arrivals.length) : null);
  const µs = (value: number | null) => (value === null ? 'n/a' : `${fmt(value)} µs`);

  // Transport alone: the same fan-out selecting only { seq } (nothing read, next to nothing executed).
  const transport = await fanOut(target, adminToken, SEQ_SUBSCRIPTION, seqOnly, approve, null, log);
  const full = await fanOut(target, adminToken, SUBSCRIPTION, watched, approve, profiler, log);

  const afterAnswer = summarize(full.arrivals.map((at) => at - full.answered));
  const sendToLast = full.lastArrival - full.sent;
  const lastAfterAnswer = full.lastArrival - full.answered;
  const cpuPerDelivery = perDelivery(full);
  const transportPerDelivery = perDelivery(transport);
  log(
    `W4c: send→last ${fmt(sendToLast)} ms, after answer p50 ${fmt(afterAnswer.p50)} p99 ${fmt(afterAnswer.p99)} ms, CPU/delivery ${µs(cpuPerDelivery)} ({ seq } only: ${µs(transportPerDelivery)})`,
  );
  return {
    id: 'W4c',
    what: `live fan-out of one ${fmtInt(count)}-item approveItems batch to ${fmtInt(full.connected)} subscribers, one per student (clearanceItemUpdated(studentId) { seq item { id status version } progress { … } }, admin token)`,
    result: `send→last delivery ${fmt(sendToLast)} ms (batch answered after ${fmt(full.answered - full.sent)} ms); after the answer: p50 ${fmt(afterAnswer.p50)} ms, p99 ${fmt(afterAnswer.p99)} ms, last ${fmt(lastAfterAnswer)} ms`,
    baseline: `the same batch size with no subscribers: answered after ${fmt(base.answered - base.sent)} ms; with ${fmtInt(transport.connected)} subscribers selecting only { seq }: last delivery ${fmt(transport.lastArrival - transport.answered)} ms after the answer`,
    ratio: `${fmtInt(full.arrivals.length)}/${fmtInt(count)} deliveries; server CPU per delivery ${cpuPerDelivery === null ? 'n/a (in-process server)' : `${µs(cpuPerDelivery)}, of which transport ({ seq } only) ${µs(transportPerDelivery)}`}`,
    target: 'last delivery ≤ 150 ms after the answer; ≤ 100 µs CPU per delivery',
    met: full.arrivals.length === count && lastAfterAnswer <= 150 && (cpuPerDelivery === null || cpuPerDelivery <= 100),
    notes: [
      `Server CPU per delivery = (server CPU from sending the batch to 0.5 s after its last delivery − server CPU from sending the no-subscriber batch to 0.5 s after its answer) / deliveries, from /proc (PostgreSQL target only). The { seq } fan-out (other students, same size, same run) is what the socket, graphql-ws and the bus cost without reading or executing the item: the difference is the execution.`,
      `Statements of the fan-out: see the W4c row of the statements table (an in-process copy of the app, smaller sizes).`,
    ],
  };
}

/** Statements the fan-out adds: one batch with `count` sheet subscribers − the same-size batch with none. */
export async function w4cStatements(local: Target, adminToken: string, libraryToken: string, gql: Gql, count: number) {
  const alone = await pendingLibrary(local, count, 0);
  const watched = await pendingLibrary(local, count, count);
  const quiet = await countStatements(() => gql(local, APPROVE, { items: refs(alone) }, libraryToken));
  let delivered = 0;
  const client = createClient({
    url: local.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${adminToken}` },
    lazy: false,
    retryAttempts: 0,
  });
  const disposers = watched.map((item) =>
    client.subscribe(
      { query: SUBSCRIPTION, variables: { s: globalId('Student', item.studentId) } },
      { next: () => void delivered++, error: () => undefined, complete: () => undefined },
    ),
  );
  await sleep(1000);
  const loud = await countStatements(async () => {
    await gql(local, APPROVE, { items: refs(watched) }, libraryToken);
    for (const deadline = Date.now() + 15_000; delivered < watched.length && Date.now() < deadline; ) await sleep(20);
    await sleep(100);
  });
  for (const dispose of disposers) dispose();
  await client.dispose();
  return {
    operation: `W4c fan-out of one ${count}-item batch to ${count} sheet subscribers (item + progress), ${delivered} delivered`,
    statements: loud.statements.length - quiet.statements.length,
    detail: `batch with subscribers: ${describe(loud.statements)}; alone: ${describe(quiet.statements)}`,
  };
}

/**
 * Child process: opens many graphql-ws clients to one server, subscribes each to
 * the same operation (with its own variables, or shared ones) and records when every event arrives at every client
 * (wall-clock ms, comparable with the parent's clock). Talks to the parent over IPC.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { wallMs } from './stats.js';

export type WsCommand =
  | {
      cmd: 'start';
      url: string;
      token: string;
      count: number;
      query: string;
      variables: Record<string, unknown>;
      /** Per subscriber (index = subscriber), instead of `variables` for all. */
      variablesList?: Record<string, unknown>[];
      field: string;
      /** Arrivals of one seq before it is reported: every subscriber (default) or, when each follows its own student, 1. */
      perEvent?: number;
    }
  | { cmd: 'flush' }
  | { cmd: 'close' };

export type WsReport =
  | { type: 'ready'; connected: number; failed: number; firstError: string | null; connectMs: number }
  | { type: 'event'; seq: string; arrivals: number[]; complete: boolean }
  | { type: 'closed'; errors: number };

const clients: Client[] = [];
const disposers: (() => void)[] = [];
const pending = new Map<string, number[]>();
let expected = 0;
let errors = 0;

function send(report: WsReport) {
  process.send!(report);
}

async function start(command: Extract<WsCommand, { cmd: 'start' }>) {
  expected = command.perEvent ?? command.count;
  const started = performance.now();
  let connected = 0;
  let failed = 0;
  let firstError: string | null = null;
  const BATCH = 100;
  for (let offset = 0; offset < command.count; offset += BATCH) {
    const batch = Array.from(
      { length: Math.min(BATCH, command.count - offset) },
      (_, index) =>
        new Promise<void>((resolve) => {
          let settled = false;
          const done = (ok: boolean, error?: unknown) => {
            if (settled) return;
            settled = true;
            if (ok) connected++;
            else {
              failed++;
              firstError ??= String(error instanceof Error ? error.message : ((error as { reason?: string })?.reason ?? JSON.stringify(error)));
            }
            resolve();
          };
          const client = createClient({
            url: command.url,
            webSocketImpl: WebSocket,
            connectionParams: { authorization: `Bearer ${command.token}` },
            lazy: false,
            retryAttempts: 0,
            keepAlive: 0,
            on: { connected: () => done(true), closed: (event) => done(false, event), error: (error) => done(false, error) },
          });
          clients.push(client);
          disposers.push(
            client.subscribe<Record<string, { seq?: string }>>(
              { query: command.query, variables: command.variablesList?.[offset + index] ?? command.variables },
              {
                next: (message) => {
                  const at = wallMs();
                  const seq = message.data?.[command.field]?.seq;
                  if (!seq) {
                    errors++;
                    return;
                  }
                  let arrivals = pending.get(seq);
                  if (!arrivals) pending.set(seq, (arrivals = []));
                  arrivals.push(at);
                  if (arrivals.length === expected) {
                    pending.delete(seq);
                    send({ type: 'event', seq, arrivals, complete: true });
                  }
                },
                error: () => void errors++,
                complete: () => undefined,
              },
            ),
          );
        }),
    );
    await Promise.all(batch);
  }
  send({ type: 'ready', connected, failed, firstError, connectMs: performance.now() - started });
}

process.on('message', (command: WsCommand) => {
  if (command.cmd === 'start') void start(command);
  else if (command.cmd === 'flush') {
    for (const [seq, arrivals] of pending) send({ type: 'event', seq, arrivals, complete: false });
    pending.clear();
  } else if (command.cmd === 'close') {
    for (const dispose of disposers) dispose();
    void Promise.all(clients.map((c) => c.dispose())).finally(() => {
      send({ type: 'closed', errors });
      setTimeout(() => process.exit(0), 100);
    });
  }
});
process.on('disconnect', () => process.exit(0));

import { expect } from 'vitest';
import WebSocket from 'ws';

/** Helpers for the security suites (not a test file itself). */

export const STAFF_PASSWORD = 'Lixiao@2020';
export const SUBPROTOCOL = 'graphql-transport-ws';

export interface WsMessage {
  type: string;
  id?: string;
  payload?: any;
}

/**
 * A raw graphql-transport-ws socket: every message received is kept, and the
 * close code and reason are recorded, so tests can speak the protocol (and break it) by hand.
 */
export class RawSocket {
  readonly messages: WsMessage[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { match: (m: WsMessage) => boolean; resolve: (m: WsMessage) => void }[] = [];
  readonly socket: WebSocket;
  error: Error | null = null;

  /** `protocols` null asks for no subprotocol at all. */
  constructor(url: string, protocols: string | string[] | null = SUBPROTOCOL) {
    this.socket = protocols === null ? new WebSocket(url) : new WebSocket(url, protocols);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.socket.on('error', (error) => (this.error = error));
    this.closed = new Promise((resolve) => this.socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    this.socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as WsMessage;
      this.messages.push(message);
      for (const waiter of [...this.waiters]) {
        if (waiter.match(message)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
    });
  }

  send(message: unknown) {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next (or an already received) message matching `match`; rejects if the socket closes first. */
  next(match: (m: WsMessage) => boolean): Promise<WsMessage> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiters.push({ match, resolve });
      void this.closed.then(({ code, reason }) => reject(new Error(`socket closed ${code} ${reason} while waiting`)));
    });
  }

  /** Opens, sends connection_init with `payload`, and waits for connection_ack. */
  async init(payload: Record<string, unknown> = {}) {
    await this.opened;
    this.send({ type: 'connection_init', payload });
    await this.next((m) => m.type === 'connection_ack');
    return this;
  }

  /**
   * Runs one operation (query, mutation or subscription's first event) over the socket
   * and returns every `next` payload, or the `error` message's payload.
   */
  async run(id: string, query: string, variables?: Record<string, unknown>): Promise<{ results: any[]; errors: any[] | null }> {
    this.send({ type: 'subscribe', id, payload: { query, variables } });
    const end = await this.next((m) => m.id === id && (m.type === 'complete' || m.type === 'error'));
    const results = this.messages.filter((m) => m.id === id && m.type === 'next').map((m) => m.payload);
    return { results, errors: end.type === 'error' ? (end.payload as any[]) : null };
  }

  close() {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
  }
}

/** An authenticated raw socket. */
export async function openSocket(url: string, token?: string): Promise<RawSocket> {
  const socket = new RawSocket(url);
  return socket.init(token ? { authorization: `Bearer ${token}` } : {});
}

/** A limit error must say what was refused but not where the line is, and carry no stack. */
export function expectNoLeak(errors: unknown) {
  const text = JSON.stringify(errors ?? []);
  expect(text).not.toMatch(/\b(12|15|50|1000|20000|20_000)\b/);
  expect(text).not.toMatch(/\bat .+:\d+:\d+/);
  expect(text).not.toMatch(/stack|stacktrace|node_modules|\.ts:\d|\.js:\d/i);
}

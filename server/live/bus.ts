import type { Logger } from '../log.js';

/** Carries channel messages to the other server processes (Redis); absent with one process. */
export interface Transport {
  send(channel: string, payload: unknown): void;
  /** Starts hearing `channel` from other processes; `receive` gets each of their messages. */
  open(channel: string): void;
  close(channel: string): void;
  shutdown(): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: each topic's listeners take that topic's payload type; the bus only passes it on
type Listener = (payload: any) => void;

/**
 * Channels with synchronous listeners. Publishing hands the payload to this process's
 * listeners directly (one payload object, shared by every subscriber) and to the other
 * processes through the transport. A listener that throws is logged and skipped: the
 * publisher's change is already committed, and one subscriber must not cost the others
 * (nor the process) anything.
 */
export class Bus {
  private readonly listeners = new Map<string, Set<Listener>>();
  private transport: Transport | null = null;

  constructor(private readonly log: Logger) {}

  connect(transport: Transport) {
    this.transport = transport;
  }

  publish(channel: string, payload: unknown) {
    this.deliver(channel, payload);
    this.transport?.send(channel, payload);
  }

  /** A message another process published. */
  receive(channel: string, payload: unknown) {
    this.deliver(channel, payload);
  }

  listen(channel: string, listener: Listener): () => void {
    let set = this.listeners.get(channel);
    if (!set) {
      this.listeners.set(channel, (set = new Set()));
      this.transport?.open(channel);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(channel);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(channel);
      this.transport?.close(channel);
    };
  }

  async shutdown() {
    this.listeners.clear();
    await this.transport?.shutdown();
  }

  private deliver(channel: string, payload: unknown) {
    const set = this.listeners.get(channel);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (error) {
        this.log.error('event listener failed', { channel, error });
      }
    }
  }
}

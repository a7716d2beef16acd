/** One graphql-ws subscription as an async iterator that, after a lost socket, resumes from the last seq it received. */
import type { Client as SocketClient, SubscribePayload } from 'graphql-ws/client';
import { fromGraphQLErrors, type GraphQLErrorShape, type LixiaoError } from './errors.js';

/** A running subscription: iterate it; `return()` ends it. */
export interface Subscription<T> extends AsyncIterableIterator<T> {
  next(): Promise<IteratorResult<T, undefined>>;
  return(): Promise<IteratorReturnResult<undefined>>;
  [Symbol.asyncIterator](): Subscription<T>;
}

/** What the socket's reconnect handling needs to know of a running subscription. */
export interface Resumable {
  /** Whether its document takes `$since`: then a resubscription replays what it missed. */
  readonly resumesFromSeq: boolean;
  /** Points the next (re)subscription at the changes after the last seq received (or the one it started from). */
  resumeFromLastSeq(): void;
}

/** graphql-ws's payload, whose variables a resubscription after a reconnect may change. */
export type SubscriptionPayload = { -readonly [Key in keyof SubscribePayload]: SubscribePayload[Key] };

type Message<T> = { data?: T | null; errors?: readonly GraphQLErrorShape[] };

export interface SubscriptionHooks {
  /** Each event's seq, if it carries one, as the caller consumes it. */
  onSeq(seq: string | null): void;
  /** A failure of the socket (not of the operation) as the caller should see it. */
  socketError(error: unknown): LixiaoError;
  /** The subscription has ended, however. */
  onEnd(): void;
}

export function isNewer(seq: string, than: string | null): boolean {
  return than === null || BigInt(seq) > BigInt(than);
}

/** The seq of a subscription event whose root field carries one (ClearanceUpdate.seq). */
export function seqOf(data: unknown): string | null {
  for (const value of Object.values((data ?? {}) as Record<string, unknown>)) {
    const seq = (value as { seq?: unknown } | null)?.seq;
    if (typeof seq === 'string' && /^\d+$/.test(seq)) return seq;
  }
  return null;
}

/**
 * Subscribes `payload` on `socket` and buffers what arrives. graphql-ws sends the same payload
 * object again after a reconnect, so `resumeFromLastSeq` (called when the new socket is
 * acknowledged, before the resubscription) sets its `since` to the newest seq received: the
 * server replays only what this subscription has not had.
 */
export function openSubscription<T>(
  socket: SocketClient,
  payload: SubscriptionPayload,
  resumesFromSeq: boolean,
  hooks: SubscriptionHooks,
): Subscription<T> & Resumable {
  const received: Message<T>[] = [];
  let lastSeq = typeof payload.variables?.since === 'string' ? payload.variables.since : null;
  let failure: unknown = null;
  let finished = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const dispose = socket.subscribe<T>(payload, {
    next(message) {
      const seq = seqOf(message.data);
      if (seq !== null && isNewer(seq, lastSeq)) lastSeq = seq;
      received.push(message as Message<T>);
      notify();
    },
    error(error) {
      failure = error;
      finished = true;
      notify();
    },
    complete() {
      finished = true;
      notify();
    },
  });
  let ended = false;
  const end = async (): Promise<IteratorReturnResult<undefined>> => {
    if (!ended) {
      ended = true;
      finished = true;
      received.length = 0;
      dispose();
      notify();
      hooks.onEnd();
    }
    return { done: true, value: undefined };
  };
  const subscription: Subscription<T> & Resumable = {
    resumesFromSeq,
    resumeFromLastSeq() {
      if (resumesFromSeq && lastSeq !== null) payload.variables = { ...payload.variables, since: lastSeq };
    },
    async next() {
      while (received.length === 0 && !finished) await new Promise<void>((resolve) => (wake = resolve));
      const message = received.shift();
      if (!message) {
        const error = failure;
        await end();
        if (error) throw hooks.socketError(error);
        return { done: true, value: undefined };
      }
      if (message.errors?.length) {
        await end();
        throw fromGraphQLErrors(message.errors, message);
      }
      hooks.onSeq(seqOf(message.data));
      return { done: false, value: message.data as T };
    },
    return: end,
    [Symbol.asyncIterator]() {
      return subscription;
    },
  };
  return subscription;
}

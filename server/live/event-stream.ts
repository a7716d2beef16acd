/**
 * What a subscriber that fell behind receives last: the seq of the last event it
 * was given (or, when it was given none, the seq just before the first it missed),
 * so it can ask changesSince(cursor: lastSeq) for everything after it.
 */
export class ResyncRequired {
  constructor(readonly lastSeq: string | null) {}
}

export function isResyncRequired(value: unknown): value is ResyncRequired {
  return value instanceof ResyncRequired;
}

type Result<T> = IteratorResult<T | ResyncRequired, undefined>;

/**
 * One subscriber's queue of events. `offer` runs inside the publisher's call and
 * never blocks or throws: past `capacity` undelivered events the queue is dropped
 * and the stream ends with ResyncRequired, so a slow or stalled subscriber costs at
 * most `capacity` references (events are shared between subscribers, never copied).
 */
export class EventStream<T extends { seq: string }> implements AsyncIterableIterator<T | ResyncRequired> {
  private queue: T[] = [];
  private head = 0;
  private waiting: ((result: Result<T>) => void) | null = null;
  private state: 'open' | 'behind' | 'ended' = 'open';
  private lastSeq: string | null = null;
  private resyncFrom: string | null = null;

  constructor(
    private readonly capacity: number,
    private readonly detach: () => void,
  ) {}

  offer(events: readonly T[]) {
    if (this.state !== 'open' || events.length === 0) return;
    let index = 0;
    if (this.waiting && this.head === this.queue.length) {
      this.hand(this.waiting, events[0]!);
      this.waiting = null;
      index = 1;
    }
    if (this.queue.length - this.head + events.length - index > this.capacity) return this.fallBehind(events[index] ?? null);
    for (; index < events.length; index++) this.queue.push(events[index]!);
  }

  next(): Promise<Result<T>> {
    if (this.head < this.queue.length) {
      const event = this.queue[this.head++]!;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      this.lastSeq = event.seq;
      return Promise.resolve({ done: false, value: event });
    }
    if (this.state === 'behind') {
      this.state = 'ended';
      return Promise.resolve({ done: false, value: new ResyncRequired(this.resyncFrom) });
    }
    if (this.state === 'ended') return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<Result<T>> {
    this.end();
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(error?: unknown): Promise<Result<T>> {
    this.end();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private hand(resolve: (result: Result<T>) => void, event: T) {
    this.lastSeq = event.seq;
    resolve({ done: false, value: event });
  }

  private fallBehind(firstMissed: T | null) {
    const undelivered = this.queue[this.head] ?? firstMissed;
    this.resyncFrom = this.lastSeq ?? (undelivered ? (BigInt(undelivered.seq) - 1n).toString() : null);
    this.queue = [];
    this.head = 0;
    this.state = 'behind';
    this.detach();
  }

  private end() {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.queue = [];
    this.head = 0;
    this.waiting?.({ done: true, value: undefined });
    this.waiting = null;
    this.detach();
  }
}

/**
 * "Something changed" for subscribers that re-read state rather than follow each
 * event (dashboards): any number of offers between two reads is one tick, so it
 * holds no events at all and can never fall behind.
 */
export class ChangeSignal implements AsyncIterableIterator<void> {
  private dirty = false;
  private ended = false;
  private waiting: ((result: IteratorResult<void, undefined>) => void) | null = null;

  constructor(private readonly detach: () => void) {}

  offer() {
    if (this.ended) return;
    if (this.waiting) {
      this.waiting({ done: false, value: undefined });
      this.waiting = null;
    } else this.dirty = true;
  }

  next(): Promise<IteratorResult<void, undefined>> {
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    if (this.dirty) {
      this.dirty = false;
      return Promise.resolve({ done: false, value: undefined });
    }
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<void, undefined>> {
    if (!this.ended) {
      this.ended = true;
      this.waiting?.({ done: true, value: undefined });
      this.waiting = null;
      this.detach();
    }
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

import { isResyncRequired, ResyncRequired } from './event-stream.js';

type Result<T> = IteratorResult<T | ResyncRequired, undefined>;

/**
 * A subscriber that asked for the changes after `since`: the replayed events first,
 * then its live stream, which was registered before the replay was read. Seq order is
 * commit order, so every live event up to the replay's last seq is either in the replay
 * or already the client's (at most `since`): those are dropped, so nothing arrives twice.
 */
export class ReplayThenLive<T extends { seq: string }> implements AsyncIterableIterator<T | ResyncRequired> {
  private replayed: readonly T[];
  private index = 0;
  /** The newest seq the subscriber had or was given by the replay. */
  private readonly coveredUpTo: bigint;
  /** The newest seq it was given since, live. */
  private delivered: bigint;

  constructor(
    since: bigint,
    replayed: readonly T[],
    private readonly live: AsyncIterableIterator<T | ResyncRequired>,
  ) {
    this.replayed = replayed;
    const last = replayed.at(-1);
    this.coveredUpTo = last && BigInt(last.seq) > since ? BigInt(last.seq) : since;
    this.delivered = this.coveredUpTo;
  }

  async next(): Promise<Result<T>> {
    if (this.index < this.replayed.length) return { done: false, value: this.replayed[this.index++]! };
    this.replayed = [];
    for (;;) {
      const result = await this.live.next();
      if (result.done) return result;
      const value = result.value;
      // Everything up to what this subscriber was given, replayed or live, is the client's already.
      if (isResyncRequired(value)) return { done: false, value: new ResyncRequired(this.delivered.toString()) };
      const seq = BigInt(value.seq);
      if (seq <= this.coveredUpTo) continue;
      if (seq > this.delivered) this.delivered = seq;
      return result;
    }
  }

  async return(): Promise<Result<T>> {
    this.replayed = [];
    await this.live.return?.();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/** A subscription that ends at once with RESYNC_REQUIRED from `lastSeq`: too much to replay. */
export async function* resyncFrom(lastSeq: bigint): AsyncGenerator<ResyncRequired, void, undefined> {
  yield new ResyncRequired(lastSeq.toString());
}

import { Repeater } from 'graphql-yoga';

/**
 * One tick right away, then at most one tick per `intervalMs` while `source` has
 * events: bursts collapse into a single tick at the end of the window, so a
 * subscriber re-reading state on each tick always ends on the latest state.
 */
export function coalesce(source: AsyncIterable<unknown>, intervalMs: number): AsyncIterableIterator<void> {
  return new Repeater<void>(async (push, stop) => {
    const events = source[Symbol.asyncIterator]();
    let last = Date.now();
    let timer: NodeJS.Timeout | null = null;
    const tick = () => {
      timer = null;
      last = Date.now();
      void push();
    };
    void stop.then(() => {
      if (timer) clearTimeout(timer);
      void events.return?.();
    });
    await push();
    for (;;) {
      const next = await Promise.race([events.next(), stop.then(() => ({ done: true as const, value: undefined }))]);
      if (next.done) break;
      if (timer) continue;
      const wait = last + intervalMs - Date.now();
      if (wait <= 0) tick();
      else timer = setTimeout(tick, wait);
    }
    stop();
  });
}

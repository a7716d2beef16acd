/**
 * Events that may share results: published once and never changed. Anything else a source
 * yields (a dashboard's tick repeats the same object to mean "read again") is executed every time.
 */
const publishedOnce = new WeakSet<object>();

export function markPublishedOnce(events: readonly object[]) {
  for (const event of events) publishedOnce.add(event);
}

export function isPublishedOnce(event: object): boolean {
  return publishedOnce.has(event);
}

/** Readiness probes: tests wait for an observable condition, never for a fixed time. */

type Maybe<T> = T | undefined | null | false;

/**
 * Polls `check` until it yields a value (anything but undefined, null or false) and returns it;
 * fails after `timeoutMs`, naming `what` (a function is called then, e.g. for a process's output).
 */
export async function waitFor<T>(check: () => Maybe<T> | Promise<Maybe<T>>, timeoutMs = 5000, what: string | (() => string) = 'a condition'): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

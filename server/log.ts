import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { pino, type DestinationStream } from 'pino';
import type { LogLevel } from './config.js';

/** One JSON object per line on stdout (pino), so log shippers need no parser. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What identifies the work a line was logged for: an HTTP request, or a socket and one of its operations. */
export interface LogScope {
  requestId?: string;
  connectionId?: string;
  operationId?: string;
}

/**
 * The scope travels with the async work it started, so every line logged while serving a request
 * carries its id, wherever it is logged (yoga's masked errors, a service, a resolver).
 */
const currentScope = new AsyncLocalStorage<LogScope>();

export function inLogScope<T>(scope: LogScope, run: () => T): T {
  return currentScope.run({ ...currentScope.getStore(), ...scope }, run);
}

/**
 * A subscription's later steps are driven by whoever iterates it (graphql-ws), outside the scope it
 * was started in: each step is run in that scope again.
 */
export function keepLogScope<T>(iterable: AsyncIterable<T>): AsyncIterableIterator<T> {
  const iterator = iterable[Symbol.asyncIterator]();
  const scoped = {
    next: AsyncLocalStorage.bind(() => iterator.next()),
    return: AsyncLocalStorage.bind((value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined })),
    throw: AsyncLocalStorage.bind((error?: unknown) => iterator.throw?.(error) ?? Promise.reject(error)),
    [Symbol.asyncIterator]: () => scoped,
  };
  return scoped as AsyncIterableIterator<T>;
}

/**
 * The id a client (or its proxy) gave, such as X-Request-Id, when it is a plain token, so one id can be
 * followed across services; otherwise a new one.
 */
export function idFromClient(given: unknown): string {
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

export function currentLogScope(): LogScope {
  return currentScope.getStore() ?? {};
}

/**
 * Written synchronously: a line is out before the next statement (the last one before process.exit too),
 * and a reader that went away (EPIPE) silences the log instead of hanging the exit, as pino's
 * asynchronous flush at exit would.
 */
export function createLogger(level: LogLevel, destination: DestinationStream = pino.destination({ dest: 1, sync: true })): Logger {
  const logger = pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { error: pino.stdSerializers.err },
      mixin: currentLogScope,
    },
    destination,
  );
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

/**
 * Whether an error means the database cannot be reached right now (down, restarting,
 * connection dropped, pool exhausted) rather than that something is wrong with the
 * request or the code: the client may simply retry.
 */

/** Prisma's codes for an unreachable server, a dropped connection and an exhausted pool. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
/** PostgreSQL's connection-exception class (08…) and operator interventions (57P01–57P03: shutdown, crash, starting up). */
const POSTGRES_CODES = /^(08\d{3}|57P0[1-3])$/;
/** Socket-level failures from node:net. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTCONN']);
/** node-postgres ends a dropped connection's queries with this message and no code. */
const DROPPED_CONNECTION = /^Connection terminated( unexpectedly| due to connection timeout)?$/;

/** Driver adapter error kinds (Prisma's `DriverAdapterError.cause.kind`) for the same situations. */
const UNREACHABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

/**
 * Walks the error and what it wraps: Prisma's errors keep the driver's under
 * `meta.driverAdapterError`, whose `cause` is a plain object with the PostgreSQL code.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 8 || error === null || typeof error !== 'object') return false;
  const { code, originalCode, kind, message, cause, originalError, meta } = error as Record<string, unknown>;
  for (const candidate of [code, originalCode]) {
    if (typeof candidate === 'string' && (PRISMA_CODES.has(candidate) || POSTGRES_CODES.test(candidate) || SOCKET_CODES.has(candidate))) return true;
  }
  if (typeof kind === 'string' && UNREACHABLE_KINDS.has(kind)) return true;
  if (typeof message === 'string' && DROPPED_CONNECTION.test(message)) return true;
  const driverError = (meta as { driverAdapterError?: unknown } | null | undefined)?.driverAdapterError;
  return [originalError, cause, driverError].some((inner) => inner !== undefined && inner !== error && isDatabaseUnavailable(inner, depth + 1));
}

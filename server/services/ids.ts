import { randomFillSync } from 'node:crypto';

/** Random bytes for ids, drawn 16 at a time from a buffer refilled every 256 ids: an import makes some 100,000 ids, and a call into the CSPRNG for each cost more than the rest of the id. */
const POOL_IDS = 256;
const pool = Buffer.alloc(16 * POOL_IDS);
let poolOffset = pool.length;

/** A version-7 UUID (RFC 9562): 48-bit Unix milliseconds, then random bits. */
export function uuidv7(now = Date.now()): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Timestamps as Prisma stores them: UTC wall time in `timestamp(3)` columns. */
export const utc = (date: Date) => date.toISOString();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every row id is a UUID; anything else cannot name a row (and would make PostgreSQL raise). */
export const isUuid = (value: string) => UUID.test(value);

import type { PrismaClient } from '../generated/prisma/client.js';

/**
 * Password attempts (login and changePassword), counted in the database before
 * the password is verified, so concurrent requests and every server process
 * agree. Following OWASP, an account is never locked for everyone:
 *
 * - one account from one address (an IPv6 /64): 5 attempts per window, then one per 15 minutes;
 * - one address, any accounts: 30 attempts per window, then one per 15 minutes;
 * - one account from all addresses: 20 attempts per window, then one every 30
 *   seconds, a slow-down that holds a distributed guesser to about two guesses a
 *   minute while the owner still gets in.
 *
 * A right password does not count against the address or the account, and clears
 * its account+address counter.
 */
export const LOGIN_POLICY = {
  windowSeconds: 15 * 60,
  pair: { limit: 5, penaltySeconds: 15 * 60 },
  address: { limit: 30, penaltySeconds: 15 * 60 },
  account: { limit: 20, penaltySeconds: 30 },
} as const;

type Scope = 'account' | 'address' | 'pair';
export type ThrottleKeys = Record<Scope, string>;

/** Account names compare like login does: trimmed, case-insensitive. */
export function throttleKeys(accountName: string, clientAddress: string): ThrottleKeys {
  const account = accountName.trim().toLowerCase();
  const address = addressBlock(clientAddress);
  return { account: `account:${account}`, address: `address:${address}`, pair: `pair:${account}@${address}` };
}

/**
 * An IPv6 client is its /64 network: one subscriber usually gets a whole /64, and
 * counting each of its 2^64 addresses apart would let it step round every limit.
 */
export function addressBlock(address: string): string {
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group || '0', 16).toString(16))
    .join(':')}::/64`;
}

const SCOPES: Scope[] = ['account', 'address', 'pair'];

/** Counts one attempt under every key, or none when any is locked: 0 to go ahead, else seconds to wait. */
export async function admitAttempt(prisma: PrismaClient, keys: ThrottleKeys): Promise<number> {
  const rows = await prisma.$queryRaw<{ wait: number }[]>`
    SELECT login_attempt(
      ${SCOPES.map((scope) => keys[scope])}::text[],
      ${SCOPES.map((scope) => LOGIN_POLICY[scope].limit)}::int[],
      ${SCOPES.map((scope) => LOGIN_POLICY[scope].penaltySeconds)}::int[],
      ${LOGIN_POLICY.windowSeconds}::int) AS wait`;
  return rows[0]?.wait ?? 0;
}

/** The attempt was the right password: it stops counting, this account+address starts afresh, and a few stale counters go. */
export async function attemptSucceeded(prisma: PrismaClient, keys: ThrottleKeys): Promise<void> {
  const shared: Scope[] = ['account', 'address'];
  await prisma.$executeRaw`
    SELECT login_attempt_succeeded(
      ${shared.map((scope) => keys[scope])}::text[],
      ${shared.map((scope) => LOGIN_POLICY[scope].limit)}::int[],
      ${keys.pair},
      ${LOGIN_POLICY.windowSeconds}::int)`;
}

/** LOGIN_LOCKED's parameters: people read minutes, programs the exact seconds. */
export function lockedParams(retryAfterSeconds: number) {
  return { retryAfterSeconds, retryAfterMinutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) };
}

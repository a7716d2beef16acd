import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt hashes, self-describing: `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>`.
 *
 * Two costs: a chosen password gets the full cost; an initial password (the last
 * six characters of an ID number: about a million possibilities, useless the
 * moment it is changed) gets a low cost so that importing 10,000 students takes
 * seconds, not minutes. Verification reads the cost from the stored hash.
 */
export const PASSWORD_COST = { logN: 15, r: 8, p: 1 } as const;
export const INITIAL_PASSWORD_COST = { logN: 10, r: 8, p: 1 } as const;

type Cost = { logN: number; r: number; p: number };
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, { logN, r, p }: Cost): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string, cost: Cost = PASSWORD_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost);
  return ['scrypt', cost.logN, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join('$');
}

function costOf(stored: string): Cost | null {
  const [scheme, logN, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !logN || !r || !p || !salt || !hash) return null;
  return { logN: Number(logN), r: Number(r), p: Number(p) };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const cost = costOf(stored);
  if (!cost) return false;
  const [, , , , salt = '', hash = ''] = stored.split('$');
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), cost);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const sameCost = (a: Cost, b: Cost) => a.logN === b.logN && a.r === b.r && a.p === b.p;
const TIMING_SALT = Buffer.alloc(16);

/**
 * A password attempt against an account (or none, for an unknown name) that costs
 * the same whichever it is: one derivation at each of the two costs, the real one
 * where the stored hash has that cost and a throwaway one otherwise. Otherwise the
 * time of an answer would tell which names exist and which are still on their
 * cheap initial password. While on it, `x` is accepted for an ID's check character `X`.
 */
export async function verifyAccountPassword(account: { passwordHash: string; mustChangePassword: boolean } | null, password: string): Promise<boolean> {
  const storedCost = account ? costOf(account.passwordHash) : null;
  const attempt = account?.mustChangePassword ? password.toUpperCase() : password;
  let valid = false;
  let verified = false;
  for (const cost of [PASSWORD_COST, INITIAL_PASSWORD_COST]) {
    if (account && storedCost && !verified && sameCost(cost, storedCost)) {
      valid = await verifyPassword(attempt, account.passwordHash);
      verified = true;
    } else {
      await derive(attempt, TIMING_SALT, cost);
    }
  }
  // A hash of another cost (none is written today) is still checked, at its own price.
  if (account && !verified) valid = await verifyPassword(attempt, account.passwordHash);
  return valid;
}

/** The initial student password: last 6 characters of the national ID, `x` read as `X`. */
export function initialPasswordFromNationalId(nationalId: string): string {
  return nationalId.trim().slice(-6).toUpperCase();
}
export const MAX_PASSWORD_LENGTH = 128;
export const MAX_LOGIN_NAME_LENGTH = 64;

/** 8–128 characters, at least two of letters / digits / other, and not the account name. */
export function checkPasswordStrength(password: string, accountName: string): boolean {
  if (password.length < 8 || password.length > MAX_PASSWORD_LENGTH) return false;
  if (accountName && password.toLowerCase().includes(accountName.toLowerCase())) return false;
  const classes = [/\p{L}/u, /\p{Nd}/u, /[^\p{L}\p{Nd}]/u].filter((pattern) => pattern.test(password)).length;
  return classes >= 2;
}

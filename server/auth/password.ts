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

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, logN, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !logN || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), { logN: Number(logN), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
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

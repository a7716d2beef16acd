import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Stored password hashes name their scheme in a prefix:
 *
 * - `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>`: passwords users chose (full cost), and
 *   initial passwords written before keyed hashes existed (low cost; still accepted, replaced
 *   by the forced change like any initial password).
 * - `hmac-sha256$<key id>$<salt b64>$<mac b64>`: initial passwords (six characters of an ID
 *   number: a few hundred thousand possibilities, so no hash cost protects them once a hash leaks).
 *   They are keyed with a secret kept out of the database (`PASSWORD_PEPPER` or a key file):
 *   the database alone gives nothing to brute-force, and hashing costs microseconds, so an
 *   import of 10,000 students does not wait for 10,000 scrypt derivations.
 */
export const PASSWORD_COST = { logN: 15, r: 8, p: 1 } as const;
/** The cost initial passwords were hashed at before keyed hashes; such hashes are still checked. */
export const INITIAL_PASSWORD_COST = { logN: 10, r: 8, p: 1 } as const;

type Cost = { logN: number; r: number; p: number };
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, { logN, r, p }: Cost): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, (error, key) => (error ? reject(error) : resolve(key))),
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
  if (isKeyedHash(stored)) return verifyKeyed(password, stored, initialPasswordKey);
  const cost = costOf(stored);
  if (!cost) return false;
  const [, , , , salt = '', hash = ''] = stored.split('$');
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), cost);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const KEYED_SCHEME = 'hmac-sha256';
/** The prefix of every keyed hash, and of those made with one key (`…$<key id>$`). */
export const keyedHashPrefix = (key?: InitialPasswordKey) => (key ? `${KEYED_SCHEME}$${key.id}$` : `${KEYED_SCHEME}$`);

/** The server-side secret of initial-password hashes; its id (a MAC of a constant) tells hashes of another key apart. */
export class InitialPasswordKey {
  readonly id: string;
  constructor(private readonly secret: string) {
    this.id = createHmac('sha256', secret).update('lixiao initial password key id').digest('base64url').slice(0, 12);
  }
  mac(password: string, salt: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(salt).update(password.normalize('NFKC')).digest();
  }
}

// One key per process, like its JWT_SECRET: set at start-up, before any import or login.
let initialPasswordKey: InitialPasswordKey | null = null;
const THROWAWAY_KEY = new InitialPasswordKey(randomBytes(32).toString('hex'));

/** Sets the key initial passwords are hashed and checked with (null: none, and importing initial passwords fails). */
export function useInitialPasswordKey(secret: string | null): InitialPasswordKey | null {
  initialPasswordKey = secret ? new InitialPasswordKey(secret) : null;
  return initialPasswordKey;
}

export function isKeyedHash(stored: string): boolean {
  return stored.startsWith(keyedHashPrefix());
}

/** The hash of an initial password, compared in capitals (an ID's check character may be typed `x`). */
export async function hashInitialPassword(password: string): Promise<string> {
  if (!initialPasswordKey) {
    throw new Error(
      'No initial-password key: set PASSWORD_PEPPER (the same on every server process) to import initial passwords / 未设置 PASSWORD_PEPPER，无法导入初始密码',
    );
  }
  const salt = randomBytes(16);
  const mac = initialPasswordKey.mac(password.toUpperCase(), salt);
  return [KEYED_SCHEME, initialPasswordKey.id, salt.toString('base64'), mac.toString('base64')].join('$');
}

/**
 * A keyed hash's check (null: a throwaway MAC, for equal work). False for a hash of another key
 * (rotated, or a server started with the wrong one), never an error. The MAC is computed whatever
 * the key id, so a hash of another key answers in the time of a wrong password.
 */
function verifyKeyed(password: string, stored: string | null, key: InitialPasswordKey | null): boolean {
  const [, keyId, salt = '', expected = ''] = (stored ?? '').split('$');
  const actual = (key ?? THROWAWAY_KEY).mac(password, Buffer.from(salt, 'base64'));
  const wanted = Buffer.from(expected, 'base64');
  return stored !== null && key !== null && keyId === key.id && actual.length === wanted.length && timingSafeEqual(actual, wanted);
}

const sameCost = (a: Cost, b: Cost) => a.logN === b.logN && a.r === b.r && a.p === b.p;
const TIMING_SALT = Buffer.alloc(16);

/**
 * A password attempt against an account (or none, for an unknown name) that costs
 * the same whichever it is: one MAC with the initial-password key and one scrypt
 * derivation at each of the two costs, the real one where the stored hash is of that
 * kind and a throwaway one otherwise. Otherwise the time of an answer would tell which
 * names exist and which are still on their initial password. While on it, `x` is
 * accepted for an ID's check character `X`.
 */
export async function verifyAccountPassword(account: { passwordHash: string; mustChangePassword: boolean } | null, password: string): Promise<boolean> {
  const storedCost = account ? costOf(account.passwordHash) : null;
  const attempt = account?.mustChangePassword ? password.toUpperCase() : password;
  const keyedHash = account && isKeyedHash(account.passwordHash) ? account.passwordHash : null;
  let valid = verifyKeyed(attempt, keyedHash, initialPasswordKey);
  let verified = keyedHash !== null;
  for (const cost of [PASSWORD_COST, INITIAL_PASSWORD_COST]) {
    if (account && storedCost && !verified && sameCost(cost, storedCost)) {
      valid = await verifyPassword(attempt, account.passwordHash);
      verified = true;
    } else {
      await derive(attempt, TIMING_SALT, cost);
    }
  }
  // A scrypt hash of another cost (none is written today) is still checked, at its own price.
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

import { randomBytes } from 'node:crypto';
import { hashPassword, INITIAL_PASSWORD_COST, MAX_LOGIN_NAME_LENGTH } from '../auth/password.js';
import type { LocalLogin } from '../config.js';
import type { Database } from '../db/client.js';
import { AppError } from '../errors.js';
import type { SignInOutcome } from './handoff.js';

/**
 * The account a provider's identity names: a student by number or an active staff account
 * by username, as password login matches them. Accounts are never created here; an identity
 * without one is refused, naming it, so the user can tell the office which one to add.
 */
export async function matchIdentity(db: Database, identity: string): Promise<SignInOutcome> {
  const name = identity.trim();
  if (!name || name.length > MAX_LOGIN_NAME_LENGTH) return { refusal: 'SSO_UNKNOWN_IDENTITY', params: { identity: name.slice(0, MAX_LOGIN_NAME_LENGTH) } };
  const credential = await db.prisma.credential.findFirst({
    where: { OR: [{ student: { number: name } }, { reviewer: { username: name, active: true } }] },
    select: { id: true, mustChangePassword: true },
  });
  if (!credential) return { refusal: 'SSO_UNKNOWN_IDENTITY', params: { identity: name } };
  if (credential.mustChangePassword) await retireInitialPassword(db, credential.id);
  return { credentialId: credential.id };
}

/**
 * An initial password is guessable (six characters of the ID number) and exists only until
 * its owner picks one. Someone the university's provider has signed in has no use for it, so
 * it is replaced by a random one nobody knows: the account signs in through the provider from
 * now on, and nothing needs changing before the session works.
 */
async function retireInitialPassword(db: Database, credentialId: string) {
  const unknowable = await hashPassword(randomBytes(32).toString('base64url'), INITIAL_PASSWORD_COST);
  await db.prisma.credential.updateMany({
    where: { id: credentialId, mustChangePassword: true },
    data: { passwordHash: unknowable, mustChangePassword: false, passwordChangedAt: new Date() },
  });
}

/** Password login for a role that signs in through the university's provider is refused, after the password is checked. */
export function assertLocalLoginAllowed(localLogin: LocalLogin, credential: { studentId: string | null }) {
  const role = credential.studentId ? 'students' : 'staff';
  if (!localLogin[role]) throw new AppError('LOCAL_LOGIN_DISABLED');
}

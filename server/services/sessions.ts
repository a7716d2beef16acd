import { checkPasswordStrength, hashPassword, MAX_LOGIN_NAME_LENGTH, MAX_PASSWORD_LENGTH, verifyAccountPassword, verifyPassword } from '../auth/password.js';
import { rotateRefreshToken, startSession } from '../auth/sessions.js';
import type { TokenSubject } from '../auth/tokens.js';
import { admitAttempt, attemptSucceeded, lockedParams, throttleKeys } from '../auth/throttle.js';
import { AppError } from '../errors.js';
import { assertLocalLoginAllowed } from '../sso/accounts.js';
import type { Services } from './runtime.js';

export interface Session {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  mustChangePassword: boolean;
}

type SessionServices = Pick<Services, 'db' | 'tokens'>;

async function signSession(services: SessionServices, subject: TokenSubject, credential: { mustChangePassword: boolean }): Promise<Session> {
  const access = await services.tokens.sign(subject, 'access');
  const refresh = await services.tokens.sign(subject, 'refresh');
  return {
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken: refresh.token,
    refreshTokenExpiresAt: refresh.expiresAt,
    mustChangePassword: credential.mustChangePassword,
  };
}

/** A new login: a new session family. */
export async function issueSession(services: SessionServices, credential: { id: string; tokenVersion: number; mustChangePassword: boolean }): Promise<Session> {
  return signSession(services, await startSession(services.db.prisma, credential, services.tokens.refreshSeconds), credential);
}

/** Tokens and open sockets of the account stop working (sockets close with 4403). */
function revokeSessions(services: Pick<Services, 'pubsub'>, credentialId: string) {
  services.pubsub.publish('auth:revoked', { credentialId });
}

/** Unknown accounts and wrong passwords get the same answer; attempts are throttled before the password is checked. */
export async function logIn(
  services: Pick<Services, 'db' | 'tokens' | 'signIn'>,
  attempt: { username: string; password: string; clientAddress: string },
): Promise<Session> {
  const { username, password } = attempt;
  if (username.length > MAX_LOGIN_NAME_LENGTH || password.length > MAX_PASSWORD_LENGTH) throw new AppError('INVALID_CREDENTIALS');
  const keys = throttleKeys(username, attempt.clientAddress);
  const retryAfterSeconds = await admitAttempt(services.db.prisma, keys);
  if (retryAfterSeconds > 0) throw new AppError('LOGIN_LOCKED', lockedParams(retryAfterSeconds));
  const name = username.trim();
  const credential = await services.db.prisma.credential.findFirst({
    where: { OR: [{ student: { number: name } }, { reviewer: { username: name, active: true } }] },
  });
  const valid = await verifyAccountPassword(credential, password);
  if (!credential || !valid) throw new AppError('INVALID_CREDENTIALS');
  await attemptSucceeded(services.db.prisma, keys);
  assertLocalLoginAllowed(services.signIn.localLogin, credential);
  return issueSession(services, credential);
}

/** New tokens for the newest refresh token of a session; one already used ends that session (REFRESH_TOKEN_REUSED). */
export async function refreshSession(services: SessionServices & Pick<Services, 'pubsub'>, refreshToken: string): Promise<Session> {
  const claims = await services.tokens.verify(refreshToken, 'refresh');
  if (typeof claims === 'string') throw new AppError(claims);
  const rotation = await rotateRefreshToken(services.db.prisma, claims, services.tokens.refreshSeconds);
  if ('refused' in rotation) {
    // The family's access tokens stop working on every process now, not when a process's cached session expires.
    if (rotation.refused === 'REFRESH_TOKEN_REUSED') services.pubsub.publish('session:revoked', { familyId: claims.familyId });
    throw new AppError(rotation.refused);
  }
  return signSession(services, rotation.subject, rotation.credential);
}

/** Sets a new password and ends every earlier session; the answer is the session that replaces them. */
export async function changePassword(
  services: Pick<Services, 'db' | 'tokens' | 'pubsub'>,
  change: { credentialId: string; currentPassword: string; newPassword: string; clientAddress: string },
): Promise<Session> {
  const { prisma } = services.db;
  const credential = await prisma.credential.findUniqueOrThrow({
    where: { id: change.credentialId },
    include: { student: { select: { number: true } }, reviewer: { select: { username: true } } },
  });
  const accountName = credential.student?.number ?? credential.reviewer?.username ?? '';
  // Guessing the current password through a stolen token counts like guessing at login.
  const keys = throttleKeys(accountName, change.clientAddress);
  const retryAfterSeconds = await admitAttempt(prisma, keys);
  if (retryAfterSeconds > 0) throw new AppError('LOGIN_LOCKED', lockedParams(retryAfterSeconds));
  if (change.currentPassword.length > MAX_PASSWORD_LENGTH || !(await verifyAccountPassword(credential, change.currentPassword))) {
    throw new AppError('CURRENT_PASSWORD_WRONG');
  }
  await attemptSucceeded(prisma, keys);
  if (!checkPasswordStrength(change.newPassword, accountName) || (await verifyPassword(change.newPassword, credential.passwordHash))) {
    throw new AppError('WEAK_PASSWORD');
  }
  const updated = await prisma.credential.update({
    where: { id: credential.id },
    data: { passwordHash: await hashPassword(change.newPassword), mustChangePassword: false, tokenVersion: { increment: 1 }, passwordChangedAt: new Date() },
  });
  revokeSessions(services, credential.id);
  return issueSession(services, updated);
}

/** Ends every session of the account: all its tokens stop working. */
export async function logOut(services: Pick<Services, 'db' | 'pubsub'>, credentialId: string): Promise<void> {
  await services.db.prisma.credential.update({ where: { id: credentialId }, data: { tokenVersion: { increment: 1 } } });
  revokeSessions(services, credentialId);
}

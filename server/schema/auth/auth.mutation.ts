import { checkPasswordStrength, hashPassword, MAX_LOGIN_NAME_LENGTH, MAX_PASSWORD_LENGTH, verifyAccountPassword, verifyPassword } from '../../auth/password.js';
import { rotateRefreshToken, startSession } from '../../auth/sessions.js';
import type { TokenSubject } from '../../auth/tokens.js';
import { admitAttempt, attemptSucceeded, lockedParams, throttleKeys } from '../../auth/throttle.js';
import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { assertLocalLoginAllowed } from '../../sso/accounts.js';

interface Session {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  mustChangePassword: boolean;
}

export const SessionRef = builder.objectRef<Session>('Session').implement({
  description: 'Tokens for `Authorization: Bearer <accessToken>` (HTTP) or `connectionParams.authorization` (graphql-ws).',
  fields: (t) => ({
    accessToken: t.exposeString('accessToken'),
    accessTokenExpiresAt: t.expose('accessTokenExpiresAt', { type: 'DateTime' }),
    refreshToken: t.exposeString('refreshToken', { description: 'Trade it for new tokens with `refreshSession` before it expires.' }),
    refreshTokenExpiresAt: t.expose('refreshTokenExpiresAt', { type: 'DateTime' }),
    mustChangePassword: t.exposeBoolean('mustChangePassword', {
      description: 'True while the account still has its initial password: only `changePassword` works until then.',
    }),
  }),
});

async function signSession(ctx: Context, subject: TokenSubject, credential: { mustChangePassword: boolean }): Promise<Session> {
  const access = await ctx.tokens.sign(subject, 'access');
  const refresh = await ctx.tokens.sign(subject, 'refresh');
  return {
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken: refresh.token,
    refreshTokenExpiresAt: refresh.expiresAt,
    mustChangePassword: credential.mustChangePassword,
  };
}

/** A new login: a new session family. */
export async function issueSession(ctx: Context, credential: { id: string; tokenVersion: number; mustChangePassword: boolean }): Promise<Session> {
  return signSession(ctx, await startSession(ctx.db.prisma, credential, ctx.tokens.refreshSeconds), credential);
}

async function findCredential(ctx: Context, username: string) {
  const name = username.trim();
  return ctx.db.prisma.credential.findFirst({
    where: { OR: [{ student: { number: name } }, { reviewer: { username: name, active: true } }] },
  });
}

async function revokeSessions(ctx: Context, credentialId: string) {
  await ctx.pubsub.publish('auth:revoked', { credentialId });
}

builder.mutationFields((t) => ({
  login: t.field({
    type: SessionRef,
    description: 'Log in with a student number (学号) or staff username. Unknown accounts and wrong passwords get the same answer.',
    skipTypeScopes: true,
    errors: {},
    args: {
      username: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
    },
    resolve: async (_root, { username, password }, ctx) => {
      if (username.length > MAX_LOGIN_NAME_LENGTH || password.length > MAX_PASSWORD_LENGTH) throw new AppError('INVALID_CREDENTIALS');
      const keys = throttleKeys(username, ctx.clientAddress);
      const retryAfterSeconds = await admitAttempt(ctx.db.prisma, keys);
      if (retryAfterSeconds > 0) throw new AppError('LOGIN_LOCKED', lockedParams(retryAfterSeconds));
      const credential = await findCredential(ctx, username);
      const valid = await verifyAccountPassword(credential, password);
      if (!credential || !valid) throw new AppError('INVALID_CREDENTIALS');
      await attemptSucceeded(ctx.db.prisma, keys);
      assertLocalLoginAllowed(ctx.signIn.localLogin, credential);
      return issueSession(ctx, credential);
    },
  }),

  refreshSession: t.field({
    type: SessionRef,
    description:
      'New tokens for the newest refresh token of a session; the one presented stops working. Presenting a refresh token that was already used ends that session (`REFRESH_TOKEN_REUSED`): it was copied. A password change or logout invalidates every session.',
    skipTypeScopes: true,
    errors: {},
    args: { refreshToken: t.arg.string({ required: true }) },
    resolve: async (_root, { refreshToken }, ctx) => {
      const claims = await ctx.tokens.verify(refreshToken, 'refresh');
      if (typeof claims === 'string') throw new AppError(claims);
      const rotation = await rotateRefreshToken(ctx.db.prisma, claims, ctx.tokens.refreshSeconds);
      if ('refused' in rotation) throw new AppError(rotation.refused);
      return signSession(ctx, rotation.subject, rotation.credential);
    },
  }),

  changePassword: t.field({
    type: SessionRef,
    description: 'Sets a new password and ends every earlier session (their tokens stop working, open sockets close with 4403).',
    skipTypeScopes: true,
    authScopes: { loggedIn: true },
    errors: {},
    args: {
      currentPassword: t.arg.string({ required: true }),
      newPassword: t.arg.string({ required: true }),
    },
    resolve: async (_root, { currentPassword, newPassword }, ctx) => {
      const credentialId = ctx.viewer?.credentialId;
      if (!credentialId) throw new AppError('FORBIDDEN');
      const credential = await ctx.db.prisma.credential.findUniqueOrThrow({
        where: { id: credentialId },
        include: { student: { select: { number: true } }, reviewer: { select: { username: true } } },
      });
      const accountName = credential.student?.number ?? credential.reviewer?.username ?? '';
      // Guessing the current password through a stolen token counts like guessing at login.
      const keys = throttleKeys(accountName, ctx.clientAddress);
      const retryAfterSeconds = await admitAttempt(ctx.db.prisma, keys);
      if (retryAfterSeconds > 0) throw new AppError('LOGIN_LOCKED', lockedParams(retryAfterSeconds));
      if (currentPassword.length > MAX_PASSWORD_LENGTH || !(await verifyAccountPassword(credential, currentPassword))) {
        throw new AppError('CURRENT_PASSWORD_WRONG');
      }
      await attemptSucceeded(ctx.db.prisma, keys);
      if (!checkPasswordStrength(newPassword, accountName) || (await verifyPassword(newPassword, credential.passwordHash))) {
        throw new AppError('WEAK_PASSWORD');
      }
      const updated = await ctx.db.prisma.credential.update({
        where: { id: credential.id },
        data: { passwordHash: await hashPassword(newPassword), mustChangePassword: false, tokenVersion: { increment: 1 }, passwordChangedAt: new Date() },
      });
      await revokeSessions(ctx, credential.id);
      return issueSession(ctx, updated);
    },
  }),

  logout: t.boolean({
    description: 'Ends every session of this account: all its tokens stop working.',
    skipTypeScopes: true,
    authScopes: { loggedIn: true },
    resolve: async (_root, _args, ctx) => {
      const credentialId = ctx.viewer?.credentialId;
      if (!credentialId) return false;
      await ctx.db.prisma.credential.update({ where: { id: credentialId }, data: { tokenVersion: { increment: 1 } } });
      await revokeSessions(ctx, credentialId);
      return true;
    },
  }),
}));

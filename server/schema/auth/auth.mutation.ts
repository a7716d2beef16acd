import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
import { changePassword, logIn, logOut, refreshSession, type Session } from '../../services/sessions.js';

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
    resolve: (_root, { username, password }, ctx) => logIn(ctx, { username, password, clientAddress: ctx.clientAddress }),
  }),

  refreshSession: t.field({
    type: SessionRef,
    description:
      'New tokens for the newest refresh token of a session; the one presented stops working. Presenting a refresh token that was already used ends that session (`REFRESH_TOKEN_REUSED`): it was copied. A password change or logout invalidates every session.',
    skipTypeScopes: true,
    errors: {},
    args: { refreshToken: t.arg.string({ required: true }) },
    resolve: (_root, { refreshToken }, ctx) => refreshSession(ctx, refreshToken),
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
      return changePassword(ctx, { credentialId, currentPassword, newPassword, clientAddress: ctx.clientAddress });
    },
  }),

  logout: t.boolean({
    description: 'Ends every session of this account: all its tokens stop working.',
    skipTypeScopes: true,
    authScopes: { loggedIn: true },
    resolve: async (_root, _args, ctx) => {
      const credentialId = ctx.viewer?.credentialId;
      if (!credentialId) return false;
      await logOut(ctx, credentialId);
      return true;
    },
  }),
}));

import { builder } from '../../builder.js';
import { AppError } from '../../errors.js';
import { ErrorInterface } from '../error/error.type.js';
import { takeHandoff } from '../../sso/handoff.js';
import type { SignInProvider } from '../../sso/sign-in.js';
import { issueSession } from '../../services/sessions.js';
import { SessionRef } from '../auth/auth.mutation.js';

const SignInProviderKindEnum = builder.enumType('SignInProviderKind', {
  description: 'OIDC: OpenID Connect; CAS: CAS 3.0 (the campus portal’s 统一身份认证).',
  values: ['OIDC', 'CAS'] as const,
});

const SignInProviderRef = builder.objectRef<SignInProvider>('SignInProvider').implement({
  description: 'A university identity provider this server signs people in through (统一身份认证登录).',
  fields: (t) => ({
    kind: t.field({ type: SignInProviderKindEnum, resolve: (provider) => provider.kind }),
    startUrl: t.exposeString('startUrl', {
      description: 'Open it in the browser (a full-page navigation): it ends at the portal’s SSO_RETURN_URL with `#sso_code=…` for `completeSsoSignIn`.',
    }),
    logoutUrl: t.exposeString('logoutUrl', {
      nullable: true,
      description: 'The provider’s logout page, to open after `logout` so the provider’s session ends too; null when it has none.',
    }),
  }),
});

interface SignInOptions {
  studentPasswordLogin: boolean;
  staffPasswordLogin: boolean;
  providers: SignInProvider[];
}

const SignInOptionsRef = builder.objectRef<SignInOptions>('SignInOptions').implement({
  description: 'How people sign in here: what a login page shows.',
  fields: (t) => ({
    studentPasswordLogin: t.exposeBoolean('studentPasswordLogin', { description: 'False when LOCAL_LOGIN turns password login off for students.' }),
    staffPasswordLogin: t.exposeBoolean('staffPasswordLogin', { description: 'False when LOCAL_LOGIN turns password login off for staff.' }),
    providers: t.field({ type: [SignInProviderRef], resolve: (options) => options.providers }),
  }),
});

builder.queryField('signInOptions', (t) =>
  t.field({
    type: SignInOptionsRef,
    description: 'Public: which sign-in methods are available (a login page shows “统一身份认证登录” when `providers` is not empty).',
    skipTypeScopes: true,
    resolve: async (_root, _args, ctx) => ({
      studentPasswordLogin: ctx.signIn.localLogin.students,
      staffPasswordLogin: ctx.signIn.localLogin.staff,
      providers: await ctx.signIn.providers(),
    }),
  }),
);

/** Why a provider's sign-in was refused, with what the help desk needs to act on it. */
class SsoRefusal extends AppError {}

builder.objectType(SsoRefusal, {
  name: 'SsoRefusal',
  description: 'A sign-in through the university’s provider that was refused: `code` and `message` as any error, plus the details.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    identity: t.string({
      nullable: true,
      description: 'For SSO_UNKNOWN_IDENTITY: the identity the provider named, which has no account here.',
      resolve: (error) => (typeof error.params.identity === 'string' ? error.params.identity : null),
    }),
    providerReason: t.string({
      nullable: true,
      description: 'For SSO_PROVIDER_REFUSED: what the provider or the check said (invalid_grant, INVALID_TICKET, aud, …).',
      resolve: (error) => (typeof error.params.reason === 'string' ? error.params.reason : null),
    }),
  }),
});

/** Codes are 43 characters (32 random bytes); anything much longer is not one of ours. */
const MAX_CODE_LENGTH = 128;

builder.mutationField('completeSsoSignIn', (t) =>
  t.field({
    type: SessionRef,
    description:
      'Trades the one-time code from `#sso_code=…` (valid 60 s, once) for the usual tokens, or answers why the provider’s sign-in was refused (SSO_UNKNOWN_IDENTITY names the identity).',
    skipTypeScopes: true,
    errors: { types: [SsoRefusal] },
    args: { code: t.arg.string({ required: true }) },
    resolve: async (_root, { code }, ctx) => {
      const outcome = code.length <= MAX_CODE_LENGTH ? await takeHandoff(ctx.db, code) : null;
      if (!outcome) throw new SsoRefusal('SSO_CODE_INVALID');
      if ('refusal' in outcome) throw new SsoRefusal(outcome.refusal, outcome.params);
      const credential = await ctx.db.prisma.credential.findUnique({ where: { id: outcome.credentialId } });
      if (!credential) throw new SsoRefusal('SSO_CODE_INVALID');
      return issueSession(ctx, credential);
    },
  }),
);

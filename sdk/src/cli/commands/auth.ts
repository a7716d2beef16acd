import { rmSync } from 'node:fs';
import { EXIT } from '../errors.js';
import { tokenFile, writeStoredToken } from '../files.js';
import { ViewerDocument } from '../../generated/graphql.js';
import type { Session } from '../../session.js';
import type { Context } from '../context.js';
import { promptPassword } from '../output.js';
import { signInThroughProvider, type ProviderKind } from '../sso.js';
import { oneOf, positiveInt, type Registration } from './types.js';

interface LoginOptions {
  username?: string;
  password?: string;
  sso?: boolean;
  provider?: ProviderKind;
  open: boolean;
  timeout: number;
}

const SSO_TIMEOUT_MINUTES = 5;

export function registerAuth({ program, help, t, run }: Registration) {
  program
    .command('login')
    .description(help.login)
    .argument('[username]', help.username)
    .option('-u, --username <name>', help.username)
    .option('--password <password>', help.password)
    .option('--sso', help.sso)
    .option('--provider <kind>', help.provider, oneOf(t, '--provider', ['oidc', 'cas'] as const))
    .option('--no-open', help.noOpen)
    .option('--timeout <minutes>', help.ssoTimeout, positiveInt(t, '--timeout'), SSO_TIMEOUT_MINUTES)
    .action((positional: string | undefined, options: LoginOptions, command) =>
      run(command, async (context) => {
        const { io } = context;
        if (options.sso) {
          const session = await signInThroughProvider(context, { provider: options.provider, open: options.open, timeoutMinutes: options.timeout });
          const { viewer } = await context.client.request(ViewerDocument, {});
          const username = viewer?.__typename === 'Student' ? viewer.number : viewer?.__typename === 'Reviewer' ? (viewer.username ?? undefined) : undefined;
          keepSession(context, username, session, () => context.t.loggedIn(username ?? '?'));
          return EXIT.OK;
        }
        const username = options.username ?? positional ?? io.env.LIXIAO_USERNAME;
        if (!username) {
          command.error(`login: ${t.required('--username <name>')}`, { code: 'lixiao.usage', exitCode: EXIT.USAGE });
        }
        const password = options.password ?? io.env.LIXIAO_PASSWORD ?? (await (io.readPassword ?? promptPassword)(t.passwordPrompt));
        const session = await context.client.login(username!, password);
        keepSession(context, username, session, () => [t.loggedIn(username!), ...(session.mustChangePassword ? [t.mustChange] : [])].join('\n'));
        return EXIT.OK;
      }),
    );

  program
    .command('logout')
    .description(help.logout)
    .action((_options, command) =>
      run(command, async (context) => {
        context.requireToken();
        await context.client.logout();
        if (!context.envToken) rmSync(tokenFile(context.io.env), { force: true });
        context.out({ loggedOut: true }, () => t.loggedOut);
        return EXIT.OK;
      }),
    );
}

/** Stores a new session in the token file and reports it, however it was signed in to. */
function keepSession(context: Context, username: string | undefined, session: Session, human: () => string) {
  writeStoredToken(context.io.env, { url: context.url, username, ...session });
  context.out(
    {
      username,
      url: context.url,
      mustChangePassword: session.mustChangePassword,
      accessTokenExpiresAt: session.accessTokenExpiresAt,
      tokenFile: tokenFile(context.io.env),
    },
    human,
  );
}

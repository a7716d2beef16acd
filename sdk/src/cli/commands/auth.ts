import { rmSync } from 'node:fs';
import { EXIT } from '../context.js';
import { tokenFile, writeStoredToken } from '../files.js';
import { promptPassword } from '../output.js';
import type { Registration } from './types.js';

export function registerAuth({ program, help, t, run }: Registration) {
  program
    .command('login')
    .description(help.login)
    .argument('[username]', help.username)
    .option('-u, --username <name>', help.username)
    .option('--password <password>', help.password)
    .action((positional: string | undefined, options: { username?: string; password?: string }, command) =>
      run(command, async (context) => {
        const { io } = context;
        const username = options.username ?? positional ?? io.env.LIXIAO_USERNAME;
        if (!username) {
          command.error(`login: ${t.required('--username <name>')}`, { code: 'lixiao.usage', exitCode: EXIT.USAGE });
        }
        const password = options.password ?? io.env.LIXIAO_PASSWORD ?? (await (io.readPassword ?? promptPassword)(t.passwordPrompt));
        const session = await context.client.login(username!, password);
        writeStoredToken(io.env, { url: context.url, username, ...session });
        context.out(
          { username, url: context.url, mustChangePassword: session.mustChangePassword, accessTokenExpiresAt: session.accessTokenExpiresAt, tokenFile: tokenFile(io.env) },
          () => [t.loggedIn(username!), ...(session.mustChangePassword ? [t.mustChange] : [])].join('\n'),
        );
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

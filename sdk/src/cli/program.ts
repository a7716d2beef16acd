/** The `lixiao` program: commander for parsing, help, suggestions and usage errors; exit codes and JSON errors here. */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { LixiaoError } from '../errors.js';
import { registerAuth } from './commands/auth.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerReview } from './commands/review.js';
import { registerSync } from './commands/sync.js';
import type { Runner } from './commands/types.js';
import { registerWatch } from './commands/watch.js';
import { createContext, languageOf, type CliIo, type Context } from './context.js';
import { DataError, EXIT, UsageError } from './errors.js';
import { HELP } from './help.js';
import { MESSAGES, type Lang } from './messages.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Commander's usage messages (English only) in Chinese; the rest of the wording is ours already. */
const ZH_USAGE: [RegExp, (...groups: string[]) => string][] = [
  [/unknown option '([^']+)'(?:\s*\(Did you mean (.+)\?\))?/s, (option, guess) => `未知选项 ${option}${guess ? `（是否想输入 ${guess}？）` : ''}`],
  [/unknown command '([^']+)'(?:\s*\(Did you mean (.+)\?\))?/s, (command, guess) => `未知命令 ${command}${guess ? `（是否想输入 ${guess}？）` : ''}`],
  [/required option '([^']+)' not specified/, (option) => `缺少必需的选项 ${option}`],
  [/option '([^']+)' argument missing/, (option) => `选项 ${option} 缺少取值`],
  [/missing required argument '([^']+)'/, (argument) => `缺少参数 <${argument}>`],
  [/too many arguments/, () => '参数过多'],
  [/is invalid\. (.*)$/s, (why) => why],
];

function usageMessage(raw: string, lang: Lang): string {
  const message = raw.replace(/^error: /, '').trim();
  if (lang === 'en') return message.replace(/^.* is invalid\. (.*)$/s, '$1');
  for (const [pattern, zh] of ZH_USAGE) {
    const match = pattern.exec(message);
    if (match) return zh(...match.slice(1).map((group) => group ?? ''));
  }
  return message;
}

/** `lixiao help review list` is `lixiao review list --help`: commander's help command reaches one level only. */
function helpAsFlag(argv: string[]): string[] {
  let index = 0;
  while (index < argv.length && argv[index]!.startsWith('-')) index += /^--(url|lang)$/.test(argv[index]!) ? 2 : 1;
  if (argv[index] !== 'help' || index + 1 >= argv.length) return argv;
  return [...argv.slice(0, index), ...argv.slice(index + 1), '--help'];
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const { lang, invalid } = languageOf(argv, io.env);
  const t = MESSAGES[lang];
  const help = HELP[lang];
  const json = argv.includes('--json');
  let exitCode: number = EXIT.OK;
  let context: Context | null = null;
  let commanderMessage = '';

  const usage = (message: string): number => {
    const suggestion = /Did you mean (.+)\?/.exec(commanderMessage)?.[1];
    if (json) io.stderr(JSON.stringify({ error: { code: 'USAGE', message, ...(suggestion ? { suggestion } : {}) } }));
    else io.stderr(`${message}\n${t.seeHelp}`);
    return EXIT.USAGE;
  };
  if (invalid !== null) return usage(t.choice('--lang', 'en, zh', invalid));

  const program = new Command('lixiao')
    .description(help.program)
    .version(version, '-V, --version', help.version)
    .option('--url <endpoint>', help.url)
    .option('--json', help.json)
    .option('--lang <lang>', help.lang)
    .helpOption('-h, --help', help.helpOption)
    .helpCommand('help [command]', help.helpCommand)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text.replace(/\n$/, '')),
      // Help shown because a command is incomplete: not under --json, where the usage error says it.
      writeErr: (text) => {
        if (!json) io.stderr(text.replace(/\n$/, ''));
      },
      outputError: (text) => {
        commanderMessage = text;
      },
    })
    .addHelpText('afterAll', `\n${help.footer}`);

  const run: Runner = async (command, body) => {
    context = await createContext(command.optsWithGlobals(), io, lang, (command.opts() as { username?: string }).username);
    exitCode = await body(context);
  };
  const registration = { program, help, t, run };
  registerAuth(registration);
  registerImport(registration);
  registerReview(registration);
  registerSync(registration);
  registerExport(registration);
  registerWatch(registration);

  const parsed = helpAsFlag(argv);
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT.USAGE;
    }
    await program.parseAsync(parsed, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.OK;
      // An incomplete command (`lixiao review`): its help went to stderr.
      if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT.OK : json ? usage(t.seeHelp) : EXIT.USAGE;
      return usage(usageMessage(commanderMessage || error.message, lang));
    }
    if (error instanceof UsageError) return usage(error.message);
    if (error instanceof DataError) {
      io.stderr(json ? JSON.stringify({ error: { code: 'INVALID_INPUT', message: error.message } }) : error.message);
      return EXIT.DATA;
    }
    if (error instanceof LixiaoError) {
      io.stderr(json ? JSON.stringify({ error: { code: error.code, message: error.message } }) : `${error.code}: ${error.message}`);
      return error.isServerError ? EXIT.SERVER : EXIT.DATA;
    }
    io.stderr(`INTERNAL: ${(error as Error)?.stack ?? String(error)}`);
    return EXIT.SERVER;
  } finally {
    await (context as Context | null)?.dispose();
  }
}

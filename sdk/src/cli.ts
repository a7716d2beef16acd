#!/usr/bin/env node
/**
 * lixiao: the command line for the Lixiao API, built on the SDK client only (commands in cli/commands/).
 *
 * Exit codes: 0 ok; 1 user or data error (refused login, a report with errors,
 * failed items, a domain error); 2 usage (unknown command or option, missing
 * argument); 3 server or network.
 */
import { EXIT } from './cli/errors.js';
import { main } from './cli/program.js';

export type { CliIo } from './cli/context.js';
export { EXIT, main };

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
  } catch {
    return false;
  }
})();

if (invokedDirectly || /(^|[\\/])(lixiao|cli\.js)$/.test(process.argv[1] ?? '')) {
  // `lixiao review list | head`: a reader that stops early is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    stdoutStream: process.stdout,
    stderrStream: process.stderr,
    env: process.env,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = EXIT.SERVER;
    },
  );
}

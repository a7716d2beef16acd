import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LOG_MODULE = fileURLToPath(new URL('./log.ts', import.meta.url));

/** Runs a script that logs two lines and exits, with stdout as a pipe; `closeReader` closes our end first. */
function runLogging({ closeReader }: { closeReader: boolean }): Promise<{ code: number | null; output: string }> {
  const script = `import { createLogger } from ${JSON.stringify(LOG_MODULE)};
    const log = createLogger('info');
    setTimeout(() => { log.info('one', { n: 1 }); log.warn('two'); process.exit(0); }, 200);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  if (closeReader) child.stdout.destroy();
  else child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after 30 s:\n${output}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('log output', () => {
  it('writes JSON lines to stdout, the last one before process.exit included', async () => {
    const { code, output } = await runLogging({ closeReader: false });
    expect(code).toBe(0);
    const lines = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', msg: 'one', n: 1, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }),
      expect.objectContaining({ level: 'warn', msg: 'two' }),
    ]);
  });

  it('lets the process exit when whoever read its output has gone away', async () => {
    expect((await runLogging({ closeReader: true })).code).toBe(0);
  }, 40_000);
});

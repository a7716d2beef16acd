/** The built `lixiao` binary, as users run it. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const sdk = join(dirname(fileURLToPath(import.meta.url)), '..');
export const cli = join(sdk, 'dist', 'cli.js');

/** Builds dist/ with tsc when it is missing or older than a source file (CI builds it first: `npm run build -w @lixiao/sdk`). */
export function ensureBuilt() {
  const newest = (dir: string): number =>
    Math.max(
      ...readdirSync(dir, { withFileTypes: true }).map((entry) =>
        entry.isDirectory() ? newest(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs,
      ),
    );
  if (existsSync(cli) && statSync(cli).mtimeMs >= newest(join(sdk, 'src'))) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(sdk, 'tsconfig.build.json')], { stdio: 'inherit' });
  execFileSync(process.execPath, [join(sdk, 'scripts', 'copy-assets.mjs')], { stdio: 'inherit' });
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// Builds the portal (portal/dist) when it is missing or older than its sources, so that
// `npm start` serves the current portal without a separate step. `--force` always builds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, 'portal/dist/.built');
const lock = join(root, 'portal/.build-lock');
const STALE_LOCK_MS = 120_000;
const SOURCES = [
  'portal/src',
  'portal/public',
  'portal/codegen.ts',
  'portal/index.html',
  'portal/vite.config.ts',
  'portal/package.json',
  'sdk/src',
  'schema.graphql',
];

function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

/** One build at a time (test files run in parallel processes and each wants the portal). */
async function exclusively(work) {
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      // A build that died leaves its lock behind.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      await sleep(200);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function buildPortalIfStale(options = {}) {
  return exclusively(() => build(options));
}

async function build({ force = false, log = console.log } = {}) {
  const generated = ['sdk/src/generated/graphql.ts', 'portal/src/generated/graphql.ts'].map((path) => join(root, path));
  if (!generated.every((path) => existsSync(path))) {
    log('portal: generating the typed documents (npm run codegen)…');
    const codegen = spawnSync('npm', ['run', 'codegen', '--silent'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
    if (codegen.status !== 0) throw new Error('npm run codegen failed');
  }
  const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  const sourcesAt = Math.max(...SOURCES.map((source) => newestChange(join(root, source))));
  if (!force && builtAt > sourcesAt) return { built: false };
  const started = performance.now();
  const vite = await import('vite');
  await vite.build({ configFile: join(root, 'portal/vite.config.ts'), logLevel: 'warn' });
  writeFileSync(stamp, new Date().toISOString());
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  log(`portal: built portal/dist in ${seconds} s`);
  return { built: true };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildPortalIfStale({ force: process.argv.includes('--force') }).catch((error) => {
    console.error(`portal build failed / 门户构建失败: ${error?.stack ?? error}`);
    process.exit(1);
  });
}

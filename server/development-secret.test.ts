/** Without JWT_SECRET in development, a restart of the real server process keeps every session. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { DEVELOPMENT_SECRET_FILE } from './config.js';
import { freePort } from './testing/ports.js';
import { waitFor } from './testing/wait.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const dataDir = mkdtempSync(join(tmpdir(), 'lixiao-dev-secret-'));
let child: ChildProcess | null = null;

/** Starts `server/main.ts` as `npm start` does, on the embedded database in dataDir, without JWT_SECRET. */
async function start(port: number): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: join(dataDir, 'pglite'), PORT: String(port), LOG_LEVEL: 'error', DEMO_DATA: 'on' };
  delete env.JWT_SECRET;
  delete env.NODE_ENV;
  delete env.DATABASE_URL;
  child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'server/main.ts'], { cwd: ROOT, env, stdio: 'ignore' });
  const running = child;
  await waitFor(
    async () => {
      if (running.exitCode !== null) throw new Error(`the server exited with ${running.exitCode}`);
      return fetch(`http://127.0.0.1:${port}/readyz`).then(
        (response) => response.ok,
        () => false,
      );
    },
    120_000,
    'the server to become ready',
  );
}

async function stop(): Promise<void> {
  const running = child;
  child = null;
  if (!running || running.exitCode !== null) return;
  const exited = new Promise((resolve) => running.once('exit', resolve));
  running.kill('SIGTERM');
  await exited;
}

async function gql(port: number, query: string, token?: string) {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: Record<string, any>; errors?: { extensions?: { code?: string } }[] };
}

afterAll(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('keeps the generated key under DATA_DIR: a token issued before a restart still works after it', async () => {
  const port = await freePort();
  await start(port);
  const login = await gql(
    port,
    'mutation { login(username: "admin", password: "Lixiao@2020") { ... on MutationLoginSuccess { data { accessToken refreshToken } } } }',
  );
  const { accessToken, refreshToken } = login.data!.login.data as { accessToken: string; refreshToken: string };
  await stop();

  const secretFile = join(dataDir, 'pglite', DEVELOPMENT_SECRET_FILE);
  expect(statSync(secretFile).mode & 0o777).toBe(0o600);

  await start(port);
  const viewer = await gql(port, '{ viewer { ... on Reviewer { username } } }', accessToken);
  expect(viewer.errors).toBeUndefined();
  expect(viewer.data?.viewer).toEqual({ username: 'admin' });
  const refreshed = await gql(port, `mutation { refreshSession(refreshToken: "${refreshToken}") { __typename } }`);
  expect(refreshed.data?.refreshSession).toEqual({ __typename: 'MutationRefreshSessionSuccess' });
}, 240_000);

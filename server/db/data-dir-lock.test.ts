import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../scale/processes.js';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/** Runs `npm start`'s entry point until it exits by itself (bounded), returning its exit code and output. */
function runUntilExit(env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the embedded database directory is locked by one process', () => {
  const root = mkdtempSync(join(tmpdir(), 'lixiao-lock-'));
  const dataDir = join(root, 'pglite');
  const env = { DATA_DIR: dataDir, DEMO_DATA: 'off' };
  const started: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of started) await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a second server on the same DATA_DIR, naming the directory and the holder PID, while the first keeps serving', async () => {
    const first = await startServerProcess(env);
    started.push(first);
    const second = await runUntilExit(env);
    expect(second.code).toBe(1);
    expect(second.output).toContain(`DATA_DIR ${dataDir} is in use by another Lixiao process (PID ${first.child.pid}`);
    expect(second.output).toContain(`数据目录 ${dataDir} 正被另一个 Lixiao 进程使用（PID ${first.child.pid}`);
    expect(second.output).not.toMatch(/\bat .+:\d+:\d+/);
    expect((await fetch(`${first.origin}/readyz`)).status).toBe(200);

    expect(await first.stop()).toBe(0);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  }, 120_000);

  it('takes over the lock a killed process left behind', async () => {
    const killed = await startServerProcess(env);
    const exited = new Promise((resolve) => killed.child.once('exit', resolve));
    killed.child.kill('SIGKILL');
    await exited;
    expect(existsSync(`${dataDir}.lock`)).toBe(true);

    const next = await startServerProcess(env);
    started.push(next);
    expect((await fetch(`${next.origin}/readyz`)).status).toBe(200);
  }, 120_000);
});

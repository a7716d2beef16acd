import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runUntilExit, startServerProcess, type ServerProcess } from '../testing/processes.js';

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

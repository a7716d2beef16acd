import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOGIN } from '../testing/documents.js';
import { request } from '../testing/request.js';
import { runUntilExit, startServerProcess, type ServerProcess } from '../testing/processes.js';

const login = async (server: ServerProcess, username: string, password: string) => (await request(server.url, LOGIN, { username, password })).data?.login;

describe('the initial-password key of a deployment', () => {
  const root = mkdtempSync(join(tmpdir(), 'lixiao-pepper-'));
  const dataDir = join(root, 'pglite');
  const keyFile = join(root, 'password-pepper.key');
  // No PASSWORD_PEPPER: the key file next to the embedded database stands in.
  const local = { DATA_DIR: dataDir, PASSWORD_PEPPER: '' };
  let running: ServerProcess | null = null;
  afterAll(async () => {
    await running?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  /** The first demo student the first start prints, with its initial password. */
  let student = { username: '', password: '' };

  it('outside production creates a key file once, next to the embedded database, and keeps using it', async () => {
    running = await startServerProcess({ ...local, DEMO_DATA: 'on' });
    const printed = /^\s+student \S+\s+(\d+)\s+([0-9X]{6})$/m.exec(running.output());
    expect(printed, running.output()).not.toBeNull();
    student = { username: printed![1]!, password: printed![2]! };
    expect(readFileSync(keyFile, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dataDir, 'password-pepper.key'))).toBe(false);
    expect(await login(running, student.username, student.password)).toMatchObject({ __typename: 'MutationLoginSuccess', data: { mustChangePassword: true } });
    const key = readFileSync(keyFile, 'utf8');
    expect(await running.stop()).toBe(0);

    running = await startServerProcess(local);
    expect(readFileSync(keyFile, 'utf8')).toBe(key);
    expect(await login(running, student.username, student.password.toLowerCase())).toMatchObject({ __typename: 'MutationLoginSuccess' });
    expect(await running.stop()).toBe(0);
    running = null;
  }, 180_000);

  it('a server started with another key refuses the old initial passwords as wrong, says why at start, and still serves chosen passwords', async () => {
    running = await startServerProcess({ DATA_DIR: dataDir, PASSWORD_PEPPER: 'another-pepper-another-pepper-another!' });
    expect(running.output()).toMatch(/"accounts":\d+,"msg":"initial passwords hashed with another PASSWORD_PEPPER cannot be used to log in/);
    expect(await login(running, student.username, student.password)).toMatchObject({ __typename: 'DomainError', code: 'INVALID_CREDENTIALS' });
    expect(await login(running, 'admin', 'Lixiao@2020')).toMatchObject({ __typename: 'MutationLoginSuccess' });
    expect(await running.stop()).toBe(0);
    running = null;
  }, 120_000);

  it('in production refuses to start without PASSWORD_PEPPER while accounts are on their initial password, naming the variable', async () => {
    const refused = await runUntilExit({ DATA_DIR: dataDir, NODE_ENV: 'production', JWT_SECRET: 'production-secret-production-secret!', PASSWORD_PEPPER: '' });
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('PASSWORD_PEPPER: required in production while accounts are on their initial password');
    expect(refused.output).toContain('生产环境中仍有账号使用初始密码时必须设置 PASSWORD_PEPPER');
    expect(refused.output).not.toMatch(/\bat .+:\d+:\d+/);
  }, 120_000);

  it('refuses a PASSWORD_PEPPER shorter than 32 characters', async () => {
    const refused = await runUntilExit({ DATA_DIR: dataDir, PASSWORD_PEPPER: 'too-short' });
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('PASSWORD_PEPPER: at least 32 characters');
  }, 120_000);
});

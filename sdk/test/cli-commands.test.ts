/** Every command of the built `lixiao` binary: its help, its JSON form and its exit codes. */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAFF_COLUMNS, STUDENT_COLUMNS } from '../../server/services/import/index.js';
import { LOGOUT } from '../../server/testing/documents.js';
import { streamsOpened } from '../../server/testing/live.js';
import { startTestServer, type TestServer } from '../../server/testing/server.js';
import { cli, ensureBuilt, sdk, type Run } from './built-cli.js';

const COMMANDS = [
  'login',
  'logout',
  'import students',
  'import staff',
  'import template',
  'review list',
  'review approve',
  'review reject',
  'sync',
  'export summary',
  'watch stats',
];
const PASSWORD = 'Lixiao@2020';

describe('every lixiao command (built binary)', () => {
  let server: TestServer;
  let home: string;

  const run = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [cli, '--url', server.url, ...args],
        { env: { PATH: process.env.PATH ?? '', HOME: home, LANG: 'C', ...env }, encoding: 'utf8', timeout: 30_000, cwd: home },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 99) : 0, stdout, stderr }),
      );
    });
  /** A HOME of its own where `username` is logged in. */
  const loggedIn = async (username: string) => {
    const env = { HOME: join(home, username) };
    expect((await run(['login', username, '--password', PASSWORD], env)).code).toBe(0);
    return env;
  };

  beforeAll(async () => {
    ensureBuilt();
    home = mkdtempSync(join(tmpdir(), 'lixiao-commands-'));
    server = await startTestServer({ demo: true });
  });
  afterAll(async () => {
    await server?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('prints help for every command, as `help <command>` and `<command> --help`, in both languages; --version', async () => {
    for (const command of COMMANDS) {
      const viaHelp = await run(['help', ...command.split(' ')]);
      expect(viaHelp.code, command).toBe(0);
      expect(viaHelp.stdout).toMatch(new RegExp(`^Usage: lixiao ${command}`));
      expect(viaHelp.stdout).toContain('Exit codes: 0 ok, 1 user or data error, 2 usage, 3 server or network error.');
      const viaFlag = await run([...command.split(' '), '--help']);
      expect(viaFlag).toEqual(viaHelp);
      const zh = await run([...command.split(' '), '--help', '--lang', 'zh']);
      expect(zh.stdout, command).toMatch(/[\u4e00-\u9fff]/);
    }
    // Every import column the server reads is documented in the command's help.
    const students = (await run(['import', 'students', '--help'])).stdout;
    for (const column of STUDENT_COLUMNS) expect(students).toContain(`${column.zh} / ${column.en}`);
    const staff = (await run(['import', 'staff', '--help'])).stdout;
    for (const column of STAFF_COLUMNS) expect(staff).toContain(`${column.zh} / ${column.en}`);

    const version = await run(['--version']);
    expect(version).toEqual({
      code: 0,
      stdout: `${(JSON.parse(readFileSync(join(sdk, 'package.json'), 'utf8')) as { version: string }).version}\n`,
      stderr: '',
    });
    const bare = await run([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^Usage: lixiao/);
  });

  it('answers usage errors with a suggestion, as JSON under --json, with exit code 2', async () => {
    const command = await run(['reviw', 'list']);
    expect(command).toMatchObject({ code: 2, stdout: '' });
    expect(command.stderr).toMatch(/unknown command 'reviw'\n\(Did you mean review\?\)/);
    const flag = await run(['review', 'list', '--stauts', 'PENDING', '--json']);
    expect(flag.code).toBe(2);
    expect(JSON.parse(flag.stderr)).toEqual({
      error: { code: 'USAGE', message: expect.stringContaining("unknown option '--stauts'"), suggestion: '--status' },
    });
    const zh = await run(['export', 'summary', '--cohort', '2020', '--formt', 'csv', '--lang', 'zh']);
    expect(zh.stderr).toMatch(/^未知选项 --formt（是否想输入 --format？）/);
    const missing = await run(['review', 'reject', '--file', 'x.csv', '--json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { code: 'USAGE', message: expect.stringContaining('--reason') } });
    const invalid = await run(['watch', 'stats', '--cohort', 'twenty', '--json']);
    expect(JSON.parse(invalid.stderr)).toEqual({ error: { code: 'USAGE', message: '--cohort: a positive whole number, not twenty' } });
    expect((await run(['review', 'list', '--status', 'DONE'])).code).toBe(2);
    expect((await run(['import', 'template', 'teachers'])).code).toBe(2);
    expect((await run(['review', '--json'])).code).toBe(2);
  });

  it('lists the review queue as CSV that approve reads back, or as JSON; exit 1 without a login', async () => {
    const finance = await loggedIn('finance');
    expect((await run(['review', 'list'])).code).toBe(1);

    const json = await run(['review', 'list', '--cohort', '2020', '--json'], finance);
    expect(json.code, json.stderr).toBe(0);
    const listed = JSON.parse(json.stdout) as { total: number; items: { id: string; version: number; status: string }[] };
    expect(listed.items.length).toBe(listed.total);
    expect(listed.total).toBeGreaterThan(100);
    expect(new Set(listed.items.map((item) => item.status))).toEqual(new Set(['PENDING']));

    const csv = await run(['review', 'list', '--limit', '3'], finance);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('id,version,status,item,name,studentNumber,studentName,college,campus,waitingSince,reason');
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 2).join(','))).toEqual(listed.items.slice(0, 3).map((item) => `${item.id},${item.version}`));

    const file = join(home, 'finance-list.csv');
    writeFileSync(file, csv.stdout);
    const approved = await run(['review', 'approve', '--file', file, '--json'], finance);
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ done: 3, failed: 0 });
    const after = JSON.parse((await run(['review', 'list', '--status', 'APPROVED', '--json'], finance)).stdout) as { total: number };
    expect(after.total).toBe(3);
  });

  it('logs out (exit 0, the stored token gone), then is not logged in (exit 1); login without a name is a usage error', async () => {
    const env = await loggedIn('career');
    const tokenFile = join(home, 'career', '.config', 'lixiao', 'token.json');
    expect(existsSync(tokenFile)).toBe(true);
    const out = await run(['logout', '--json'], env);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ loggedOut: true });
    expect(existsSync(tokenFile)).toBe(false);
    const again = await run(['logout', '--json'], env);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr)).toMatchObject({ error: { code: 'INVALID_INPUT', message: expect.stringContaining('lixiao login') } });
    const nameless = await run(['login', '--password', PASSWORD, '--json']);
    expect(nameless.code).toBe(2);
    expect(JSON.parse(nameless.stderr)).toMatchObject({ error: { code: 'USAGE', message: expect.stringContaining('--username') } });
  });

  it('names the cohort or college that does not exist', async () => {
    const admin = await loggedIn('admin');
    const cohort = await run(['export', 'summary', '--cohort', '1999', '--output', join(home, 'x.csv')], admin);
    expect(cohort.code).toBe(1);
    expect(cohort.stderr).toBe('NOT_FOUND: There is no cohort 1999: check --cohort.\n');
    const college = await run(['watch', 'stats', '--cohort', '2020', '--college', 'NO_SUCH_COLLEGE', '--count', '1', '--json'], admin);
    expect(college.code).toBe(1);
    expect(JSON.parse(college.stderr)).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringContaining('no college NO_SUCH_COLLEGE') } });
  });

  it('writes import templates whose header the server reads, in the chosen language', async () => {
    const zh = await run(['import', 'template', 'students', '--lang', 'zh', '--json']);
    expect(zh.code, zh.stderr).toBe(0);
    expect(JSON.parse(zh.stdout)).toMatchObject({ file: '毕业生导入模板.csv', kind: 'students', columns: STUDENT_COLUMNS.map((column) => column.zh) });
    const bytes = readFileSync(join(home, '毕业生导入模板.csv'));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const staff = await run(['import', 'template', 'staff', '--output', '-']);
    expect(staff.stdout).toBe(`\uFEFF${STAFF_COLUMNS.map((column) => column.en).join(',')}\r\n`);

    // Filled in, the template goes straight into a dry run.
    const admin = await loggedIn('admin');
    const file = join(home, 'staff.csv');
    writeFileSync(file, `${staff.stdout}t9901,王老师,SUPERVISOR,,COMPUTER_SCIENCE,,Init@2020x\r\n`);
    const dryRun = await run(['import', 'staff', file, '--dry-run', '--json'], admin);
    expect(JSON.parse(dryRun.stdout), dryRun.stdout).toMatchObject({ dryRun: true, totalRows: 1, errorCount: 0 });
    expect(dryRun.code).toBe(0);
  });

  it('ends `watch stats` at once when the server revokes the login (4403), saying to log in again', async () => {
    const env = await loggedIn('yjsms-earth-sciences');
    const subscribed = streamsOpened(server);
    const watch = spawn(process.execPath, [cli, '--url', server.url, 'watch', 'stats', '--cohort', '2020'], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    watch.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    watch.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => watch.on('exit', (code) => resolve(code)));
    await expect.poll(() => stdout, { timeout: 20_000 }).toContain('Cohort 2020');
    await subscribed;

    // Logging out elsewhere revokes every token of the account, the stored refresh token included.
    const token = await server.login('yjsms-earth-sciences', PASSWORD);
    await server.gql(LOGOUT, {}, { authorization: `Bearer ${token}` });
    const started = Date.now();
    expect(await exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(stderr).toMatch(/^UNAUTHENTICATED: .*4403/);
    expect(stderr).toContain('Log in again: `lixiao login`.');
  }, 60_000);
});

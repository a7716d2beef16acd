import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STUDENT_HEADER_ZH, studentRows, csvText } from '../../server/testing/import-files.js';
import { findStudents, INTEGRATION_TOKEN, itemOf } from '../../server/testing/demo.js';
import { APPROVE } from '../../server/testing/documents.js';
import { success } from '../../server/testing/request.js';
import { streamsOpened } from '../../server/testing/live.js';
import { startTestServer, type TestServer } from '../../server/testing/server.js';
import { waitFor } from '../../server/testing/wait.js';
import { cli, ensureBuilt, type Run } from './built-cli.js';

describe('the lixiao CLI (built binary)', () => {
  let server: TestServer;
  let home: string;

  /** Runs `node dist/cli.js …` asynchronously (the server answers from this process). */
  const run = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [cli, '--url', server.url, ...args],
        { env: { PATH: process.env.PATH ?? '', HOME: home, LANG: 'C', ...env }, encoding: 'utf8', timeout: 30_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 99) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    ensureBuilt();
    home = mkdtempSync(join(tmpdir(), 'lixiao-cli-'));
    server = await startTestServer({ demo: true });
  });
  afterAll(async () => {
    await server?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** A HOME of its own where `username` is logged in. */
  const loggedIn = async (username: string) => {
    const env = { HOME: join(home, username) };
    const login = await run(['login', '-u', username, '--password', 'Lixiao@2020'], env);
    expect(login.code, login.stderr).toBe(0);
    return env;
  };

  it('logs in and keeps the token in ~/.config/lixiao/token.json', async () => {
    const refused = await run(['login', '--username', 'admin', '--password', 'wrong', '--lang', 'en']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('INVALID_CREDENTIALS: Wrong account or password.');

    const login = await run(['login', '--username', 'admin', '--password', 'Lixiao@2020']);
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toContain('Logged in as admin.');
    const file = join(home, '.config', 'lixiao', 'token.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('dry-runs a GBK CSV import: prints the report table and exits 1 on errors, 0 without', async () => {
    const rows = studentRows(3, 'CLI');
    const bad = [...studentRows(1, 'CLI', 3)[0]!];
    bad[2] = '12345';
    const withError = iconv.encode(csvText([[...STUDENT_HEADER_ZH], ...rows, bad]), 'gbk');
    const clean = iconv.encode(csvText([[...STUDENT_HEADER_ZH], ...rows]), 'gbk');
    const errorFile = join(home, '毕业生-有错误.csv');
    const cleanFile = join(home, 'graduates.csv');
    writeFileSync(errorFile, withError);
    writeFileSync(cleanFile, clean);

    const failed = await run(['import', 'students', errorFile, '--dry-run', '--lang', 'en']);
    expect(failed.code, failed.stderr).toBe(1);
    // Progress on stderr (one line per phase without a terminal), the report on stdout.
    expect(failed.stderr).toMatch(/^Uploading 毕业生-有错误\.csv \(\d+(\.\d)? (B|KiB)\)…$/m);
    expect(failed.stderr).toContain('Uploaded; the server is validating the rows…');
    expect(failed.stdout).toMatch(/^Dry run: 4 rows, 3 valid, 3 new.*1 errors.*\(CSV_GBK, GBK\)/m);
    expect(failed.stdout).toMatch(/Row\s+Column\s+Severity\s+Code\s+Message/);
    expect(failed.stdout).toMatch(/^5\s+身份证号\s+ERROR\s+INVALID_NATIONAL_ID\s+The national ID number is not valid/m);

    const json = await run(['import', 'students', errorFile, '--dry-run', '--json', '--lang', 'zh']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as {
      dryRun: boolean;
      applied: boolean;
      encoding: string;
      errorCount: number;
      problems: { row: number; code: string; message: string }[];
    };
    expect(report).toMatchObject({ dryRun: true, applied: false, encoding: 'GBK', errorCount: 1 });
    expect(report.problems.find((p) => p.code === 'INVALID_NATIONAL_ID')).toMatchObject({ row: 5, message: expect.stringContaining('身份证号') });

    const ok = await run(['import', 'students', cleanFile, '--dry-run', '--cohort', '2020', '--lang', 'zh']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^试导入（未写入）：共 3 行，有效 3 行，新增 3/m);
    expect(ok.stderr).toContain('--cohort 2020');
    expect(ok.stderr).toContain('上传完成，服务器正在校验…');
    expect(json.stderr).toBe('');
    expect((await run(['import', 'students', cleanFile, '--dry-run', '--cohort', '1999'])).code).toBe(1);

    const nothing = await server.db.prisma.student.count({ where: { number: { startsWith: 'CLI' } } });
    expect(nothing).toBe(0);
  }, 120_000);

  it('approves and rejects items from a CSV list, syncs with an API token, and refuses what does not exist', async () => {
    const [first, second] = await findStudents(server, { category: 'UNDERGRADUATE' }, 2, 20);
    const items = [await itemOf(server, first!.number, 'HOSPITAL'), await itemOf(server, second!.number, 'HOSPITAL')];
    const list = join(home, 'approve.csv');
    writeFileSync(list, `id,version\r\n${items.map((item) => `${item.id},${item.version}`).join('\r\n')}\r\n`);
    const hospital = { HOME: join(home, 'hospital') };
    expect((await run(['login', '-u', 'hospital', '--password', 'Lixiao@2020'], hospital)).code).toBe(0);
    const approved = await run(['review', 'approve', '--file', list, '--json'], hospital);
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ done: 2, failed: 0 });
    const again = await run(['review', 'approve', '--file', list], hospital);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/approve: 0 done, 2 failed/);
    expect((await run(['review', 'reject', '--file', list], hospital)).code).toBe(2);

    const [third] = await findStudents(server, { category: 'UNDERGRADUATE' }, 1, 25);
    const results = join(home, 'results.csv');
    writeFileSync(
      results,
      `studentNumber,status,observedAt,reason\n${third!.number},APPROVED,${new Date().toISOString()},\nNOPE000,APPROVED,${new Date().toISOString()},\n`,
    );
    const system = { LIXIAO_TOKEN: INTEGRATION_TOKEN };
    const wrongDepartment = await run(['sync', '--department', 'FINANCE', '--file', results, '--key', 'cli-1'], system);
    expect(wrongDepartment.code).toBe(1);
    const synced = await run(['sync', '--department', 'LIBRARY', '--file', results, '--key', 'cli-1', '--json'], system);
    expect(synced.code).toBe(1);
    expect(JSON.parse(synced.stdout)).toMatchObject({ applied: 1, failed: 1, replayed: false });
    expect((await run(['sync', '--file', results], system)).code).toBe(2);

    const drawn = await run(['watch', 'stats', '--cohort', '2020', '--count', '1']);
    expect(drawn.code, drawn.stderr).toBe(0);
    expect(drawn.stdout).toMatch(/Cohort 2020/);

    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['watch', 'stats', '--cohort', '2020', '--interval', '5'])).code).toBe(2);
    expect((await run(['import', 'students', join(home, 'missing.csv')])).code).toBe(1);
    expect((await run(['watch', 'stats', '--cohort', '2020', '--count', '1'], { HOME: join(home, 'nobody') })).code).toBe(1);
    const down = await new Promise<Run>((resolve) =>
      execFile(
        process.execPath,
        [cli, '--url', 'http://127.0.0.1:9/graphql', 'watch', 'stats', '--cohort', '2020', '--count', '1'],
        { env: { PATH: process.env.PATH ?? '', HOME: home, LIXIAO_TOKEN: 'x' } },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout, stderr }),
      ),
    );
    expect(down.code).toBe(3);
  }, 180_000);

  it('exports the summary list to a file or stdout, as CSV or XLSX, in scope only', async () => {
    const cohort = await server.db.prisma.cohort.findUniqueOrThrow({ where: { year: 2020 } });
    const inCohort = await server.db.prisma.student.count({ where: { cohortId: cohort.id } });
    const admin = await loggedIn('admin');
    const file = join(home, '汇总.csv');
    const saved = await run(['export', 'summary', '--cohort', '2020', '--format', 'csv', '--output', file, '--json'], admin);
    expect(saved.code, saved.stderr).toBe(0);
    const bytes = readFileSync(file);
    expect(JSON.parse(saved.stdout)).toEqual({
      file,
      filename: '汇总统计名单-2020.csv',
      format: 'csv',
      contentType: 'text/csv; charset=utf-8',
      bytes: bytes.length,
    });
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8').split('\r\n').filter(Boolean)).toHaveLength(inCohort + 1);
    expect(existsSync(`${file}.part`)).toBe(false);

    const human = await run(
      ['export', 'summary', '--cohort', '2020', '--output', join(home, 'summary.xlsx'), '--college', 'COMPUTER_SCIENCE', '--lang', 'zh'],
      admin,
    );
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^已保存 .*summary\.xlsx（\d+(\.\d)? KiB）。$/m);
    expect(readFileSync(join(home, 'summary.xlsx')).subarray(0, 2).toString()).toBe('PK');

    const piped = await new Promise<{ code: number; stdout: Buffer; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [cli, '--url', server.url, 'export', 'summary', '--cohort', '2020', '--json'],
        { env: { PATH: process.env.PATH ?? '', ...admin }, encoding: 'buffer' },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout, stderr: stderr.toString() }),
      ),
    );
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout.equals(bytes)).toBe(true);
    expect(JSON.parse(piped.stderr)).toMatchObject({ file: null, format: 'csv', bytes: bytes.length });

    const reviewer = await loggedIn('hospital');
    const refused = await run(['export', 'summary', '--cohort', '2020', '--output', join(home, 'nope.csv'), '--lang', 'zh'], reviewer);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^FORBIDDEN: /);
    expect(existsSync(join(home, 'nope.csv'))).toBe(false);
    const unknown = await run(['export', 'summary', '--cohort', '1999', '--json'], admin);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stderr)).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const usage = await run(['export', 'summary', '--format', 'csv', '--lang', 'zh']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^缺少必需的选项 --cohort <year>\n运行 `lixiao help`/);
    expect((await run(['export', 'summary', '--cohort', '2020', '--format', 'pdf'], admin)).code).toBe(2);
    expect((await run(['export', 'summary', '--cohort', '2020'], { HOME: join(home, 'nobody') })).code).toBe(1);
  }, 120_000);

  it('watches statistics live: the built binary redraws after a decision made through the API', async () => {
    const admin = await loggedIn('admin');
    const subscribed = streamsOpened(server);
    const child = spawn(process.execPath, [cli, '--url', server.url, 'watch', 'stats', '--cohort', '2020', '--count', '2', '--json'], {
      env: { PATH: process.env.PATH ?? '', ...admin },
    });
    const lines: string[] = [];
    let stderr = '';
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const complete = buffered.split('\n');
      buffered = complete.pop()!;
      lines.push(...complete.filter(Boolean));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const until = (check: () => boolean, what: string) => waitFor(check, 20_000, () => `${what}; stdout ${lines.join('\n')}; stderr ${stderr}`);
    type Snapshot = { at: string; items: { template: { code: string }; approved: number }[] };
    const approvedLibrary = (line: string) => (JSON.parse(line) as Snapshot).items.find((item) => item.template.code === 'LIBRARY')!.approved;

    await until(() => lines.length >= 1, 'the first table');
    // The HTTP read is drawn at once; the subscription is live once the server opened its stream.
    await subscribed;
    expect(lines, lines.join('\n')).toHaveLength(1);
    const before = approvedLibrary(lines[0]!);

    const [student] = await findStudents(server, { category: 'UNDERGRADUATE' }, 1, 30);
    const item = await itemOf(server, student!.number, 'LIBRARY');
    const library = await server.login('library', 'Lixiao@2020');
    const decided = await server.gql(APPROVE, { items: [{ id: item.id, expectedVersion: item.version }] }, { authorization: `Bearer ${library}` });
    expect(success(decided.data?.approveItems).approved).toBe(1);

    await until(() => lines.length >= 2, 'the live redraw');
    expect(approvedLibrary(lines[1]!)).toBe(before + 1);
    expect(await exited).toBe(0);
    expect(stderr).toBe('');

    // Without --count it runs until interrupted, and Ctrl-C ends it cleanly.
    const endlessSubscribed = streamsOpened(server);
    const endless = spawn(process.execPath, [cli, '--url', server.url, 'watch', 'stats', '--cohort', '2020', '--lang', 'zh'], {
      env: { PATH: process.env.PATH ?? '', ...admin },
    });
    let table = '';
    endless.stdout.setEncoding('utf8').on('data', (chunk: string) => (table += chunk));
    const interrupted = new Promise<number | null>((resolve) => endless.on('exit', (code) => resolve(code)));
    await until(() => table.includes('届 2020'), 'the table');
    await endlessSubscribed;
    endless.kill('SIGINT');
    expect(await interrupted).toBe(0);
  }, 60_000);
});

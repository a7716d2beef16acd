#!/usr/bin/env node
/**
 * lixiao: the command line for the Lixiao API, built on the SDK client only.
 *
 * Exit codes: 0 ok; 1 user or data error (refused login, a report with errors,
 * failed items, a domain error); 2 usage (unknown command or option, missing
 * argument, a command the server does not offer yet); 3 server or network.
 */
import { chmodSync, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createClient, type LixiaoClient } from './client.js';
import { LixiaoError, unwrap } from './errors.js';
import type { SummaryDownload, SummaryFormat } from './exports.js';
import type { Session } from './session.js';
import {
  CohortsDocument,
  CohortStatsUpdatedDocument,
  ImportStudentsDocument,
  ViewerDocument,
  type CohortStatsFieldsFragment,
  type ImportStudentsMutation,
  type ItemRefInput,
  type SyncResultInput,
  type SyncResultStatus,
} from './generated/graphql.js';

export const EXIT = { OK: 0, DATA: 1, USAGE: 2, SERVER: 3 } as const;
const DEFAULT_URL = 'http://localhost:4000/graphql';
const BATCH = 1000;
/** `watch stats` survives a server restart of about a minute (graphql-ws backoff: 0.25 s doubling, at most 10 s). */
const WATCH_RETRY_ATTEMPTS = 10;

type Lang = 'en' | 'zh';

class UsageError extends Error {}
class DataError extends Error {}

const MESSAGES = {
  en: {
    usage: USAGE_EN(),
    notLoggedIn: 'Not logged in: run `lixiao login` or set LIXIAO_TOKEN.',
    loggedIn: (who: string) => `Logged in as ${who}.`,
    mustChange: 'The account still has its initial password: change it in the portal (or with the SDK) before anything else.',
    loggedOut: 'Logged out.',
    required: (what: string) => `${what} is required`,
    positive: (option: string, raw: string) => `${option}: a positive whole number, not ${raw}`,
    choice: (option: string, choices: string, raw: string) => `${option}: ${choices}, not ${raw}`,
    unexpected: (command: string, extra: string) => `${command}: unexpected ${extra}`,
    unknownCommand: (command: string) => `unknown command: ${command}`,
    onlyForm: (command: string, form: string) => `${command}: only \`${form}\` exists`,
    oneImportFile: 'import students: one file, .csv or .xlsx',
    rows: {
      idVersionColumns: 'expected the columns id,version',
      idVersion: 'expected an item id and a whole-number version',
      missingColumn: (column: string) => `missing column ${column}`,
      status: (value: string) => `status must be APPROVED or REJECTED, not ${value}`,
      dateTime: (value: string) => `observedAt is not a date-time: ${value}`,
    },
    exported: (file: string, bytes: number) => `Saved ${file} (${formatBytes(bytes)}).`,
    xlsxToTerminal: 'export summary: an XLSX file is binary: pass --output <file> (or redirect stdout).',
    downloadBroken: (why: string) => `The download broke off: ${why}`,
    uploading: (file: string, size: string) => `Uploading ${file} (${size})…`,
    serverChecking: (dryRun: boolean) => (dryRun ? 'Uploaded; the server is validating the rows…' : 'Uploaded; the server is validating and importing the rows…'),
    passwordPrompt: 'Password: ',
    noCohort: (year: number) => `There is no cohort ${year}.`,
    cohortNote: (year: number) =>
      `Note: the server takes each row's cohort from the 届/cohort column (empty: the newest cohort with clearance items); --cohort ${year} was only checked to exist.`,
    report: (r: ImportReport) =>
      `${r.dryRun ? 'Dry run' : r.applied ? 'Imported' : 'Not imported'}: ${r.totalRows} rows, ${r.validRows} valid, ${r.created} new, ${r.updated} changed, ${r.unchanged} unchanged, ${r.itemsCreated} items; ${r.errorCount} errors, ${r.warningCount} warnings` +
      (r.format ? ` (${r.format}${r.encoding ? `, ${r.encoding}` : ''})` : ''),
    truncated: 'Only the first 1000 problems are listed.',
    decided: (action: string, ok: number, failed: number) => `${action}: ${ok} done, ${failed} failed.`,
    synced: (applied: number, stale: number, failed: number, replayed: boolean) =>
      `Synced: ${applied} applied, ${stale} stale, ${failed} failed${replayed ? ' (a replay: this key was used before, nothing applied again)' : ''}.`,
    wrongDepartment: (wanted: string, actual: string) => `This token belongs to department ${actual}, not ${wanted}.`,
    emptyFile: 'The file has no rows.',
    badRow: (line: number, why: string) => `Line ${line}: ${why}`,
    stats: 'Cohort',
    graduates: 'graduates',
    cleared: 'cleared',
    updatedAt: 'updated',
    headers: { row: 'Row', column: 'Column', severity: 'Severity', code: 'Code', message: 'Message', id: 'Item', error: 'Error', item: 'Item', outstanding: 'Outstanding', college: 'College' },
  },
  zh: {
    usage: USAGE_ZH(),
    notLoggedIn: '尚未登录：请运行 `lixiao login` 或设置 LIXIAO_TOKEN。',
    loggedIn: (who: string) => `已登录：${who}。`,
    mustChange: '该账号仍在使用初始密码：请先在门户（或通过 SDK）修改密码。',
    loggedOut: '已退出登录。',
    required: (what: string) => `缺少 ${what}`,
    positive: (option: string, raw: string) => `${option} 须为正整数，而不是 ${raw}`,
    choice: (option: string, choices: string, raw: string) => `${option} 只能是 ${choices}，而不是 ${raw}`,
    unexpected: (command: string, extra: string) => `${command}：多余的参数 ${extra}`,
    unknownCommand: (command: string) => `未知命令：${command}`,
    onlyForm: (command: string, form: string) => `${command}：只支持 \`${form}\``,
    oneImportFile: 'import students：需要且只能有一个 .csv 或 .xlsx 文件',
    rows: {
      idVersionColumns: '应有 id,version 两列',
      idVersion: '应为事项 id 和整数版本号',
      missingColumn: (column: string) => `缺少列 ${column}`,
      status: (value: string) => `status 只能是 APPROVED 或 REJECTED，而不是 ${value}`,
      dateTime: (value: string) => `observedAt 不是有效的日期时间：${value}`,
    },
    exported: (file: string, bytes: number) => `已保存 ${file}（${formatBytes(bytes)}）。`,
    xlsxToTerminal: 'export summary：XLSX 是二进制文件，请用 --output <文件> 指定保存位置（或重定向标准输出）。',
    downloadBroken: (why: string) => `下载中断：${why}`,
    uploading: (file: string, size: string) => `正在上传 ${file}（${size}）…`,
    serverChecking: (dryRun: boolean) => (dryRun ? '上传完成，服务器正在校验…' : '上传完成，服务器正在校验并导入…'),
    passwordPrompt: '密码：',
    noCohort: (year: number) => `找不到 ${year} 届。`,
    cohortNote: (year: number) => `提示：服务器按每行的“届”列确定届别（为空时取最新的已配置离校事项的届）；--cohort ${year} 仅用于核对该届存在。`,
    report: (r: ImportReport) =>
      `${r.dryRun ? '试导入（未写入）' : r.applied ? '已导入' : '未导入'}：共 ${r.totalRows} 行，有效 ${r.validRows} 行，新增 ${r.created}，变更 ${r.updated}，未变 ${r.unchanged}，生成事项 ${r.itemsCreated}；错误 ${r.errorCount}，警告 ${r.warningCount}` +
      (r.format ? `（${r.format}${r.encoding ? `，${r.encoding}` : ''}）` : ''),
    truncated: '仅列出前 1000 条问题。',
    decided: (action: string, ok: number, failed: number) => `${action}：成功 ${ok}，失败 ${failed}。`,
    synced: (applied: number, stale: number, failed: number, replayed: boolean) =>
      `同步完成：应用 ${applied}，过期 ${stale}，失败 ${failed}${replayed ? '（重复提交：该键已使用过，未再次应用）' : ''}。`,
    wrongDepartment: (wanted: string, actual: string) => `该令牌属于部门 ${actual}，不是 ${wanted}。`,
    emptyFile: '文件中没有数据行。',
    badRow: (line: number, why: string) => `第 ${line} 行：${why}`,
    stats: '届',
    graduates: '毕业生',
    cleared: '已离校',
    updatedAt: '更新于',
    headers: { row: '行', column: '列', severity: '级别', code: '代码', message: '说明', id: '事项', error: '错误', item: '事项', outstanding: '未完成', college: '培养单位' },
  },
} as const;

type ImportReport = Extract<ImportStudentsMutation['importStudents'], { __typename: 'MutationImportStudentsSuccess' }>['data'];

function USAGE_EN(): string {
  return `Usage: lixiao <command> [options]

Commands:
  login [--username <name>] [--password <pw>]      log in; the token goes to ~/.config/lixiao/token.json
  logout                                           end every session of the account, forget the token
  import students <file.csv|xlsx> [--dry-run] [--cohort <year>]
                                                   upload graduates; prints the validation report
  review approve --file <list.csv>                 approve items (CSV: id,version)
  review reject --file <list.csv> --reason <text>  reject items with a reason
  sync --department <CODE> --file <results.csv> --key <idempotency key>
                                                   department systems: send results
                                                   (CSV: studentNumber,status,observedAt[,reason,externalRef,itemCode])
  export summary --cohort <year> [--format csv|xlsx] [--college <code>] [--output <file>]
                                                   download the summary list (汇总统计名单); stdout without --output
  watch stats --cohort <year> [--college <code>] [--count <n>]
                                                   live statistics, redrawn on every change (stop: Ctrl-C)

Options: --url <endpoint> (LIXIAO_URL; default ${DEFAULT_URL}), --json, --lang en|zh, --help
Tokens: LIXIAO_TOKEN (e.g. an integration's lxi_… API token) wins over the stored login.
Exit codes: 0 ok, 1 user or data error, 2 usage, 3 server or network error.`;
}

function USAGE_ZH(): string {
  return `用法：lixiao <命令> [选项]

命令：
  login [--username <账号>] [--password <密码>]     登录；令牌保存在 ~/.config/lixiao/token.json
  logout                                           退出该账号的所有登录
  import students <文件.csv|xlsx> [--dry-run] [--cohort <届>]
                                                   导入毕业生，并打印校验报告
  review approve --file <清单.csv>                  批量通过（CSV：id,version）
  review reject --file <清单.csv> --reason <原因>    批量退回
  sync --department <部门代码> --file <结果.csv> --key <幂等键>
                                                   部门系统回传结果
  export summary --cohort <届> [--format csv|xlsx] [--college <代码>] [--output <文件>]
                                                   下载汇总统计名单；未给 --output 时写到标准输出
  watch stats --cohort <届> [--college <代码>] [--count <次数>]
                                                   实时显示该届离校统计，数据变化即刷新（Ctrl-C 结束）

选项：--url <地址>（LIXIAO_URL；默认 ${DEFAULT_URL}）、--json、--lang en|zh、--help
令牌：LIXIAO_TOKEN（如部门系统的 lxi_… API 令牌）优先于已保存的登录。
退出码：0 成功，1 用户或数据错误，2 用法错误，3 服务器或网络错误。`;
}

const OPTIONS = {
  url: { type: 'string' },
  json: { type: 'boolean', default: false },
  lang: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
  username: { type: 'string', short: 'u' },
  password: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  cohort: { type: 'string' },
  college: { type: 'string' },
  file: { type: 'string', short: 'f' },
  reason: { type: 'string' },
  department: { type: 'string' },
  key: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  count: { type: 'string' },
} satisfies ParseArgsConfig['options'];

interface StoredToken {
  url: string;
  username?: string;
  accessToken: string;
  accessTokenExpiresAt?: string;
  refreshToken?: string;
  refreshTokenExpiresAt?: string;
}

function tokenFile(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'lixiao', 'token.json');
}

function readStoredToken(env: NodeJS.ProcessEnv): StoredToken | null {
  const file = tokenFile(env);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StoredToken;
  } catch {
    return null;
  }
}

function writeStoredToken(env: NodeJS.ProcessEnv, token: StoredToken) {
  const file = tokenFile(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(token, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Text of a CSV file: UTF-8 (a BOM is dropped), else GBK as Excel saves it on Chinese Windows. */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('gbk').decode(bytes);
  }
}

/** RFC 4180 CSV: quoted cells, doubled quotes, CRLF or LF; blank lines skipped. Each row keeps its line number. */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const endRow = () => {
    cells.push(cell);
    if (cells.some((value) => value.trim() !== '')) rows.push({ line: rowLine, cells: cells.map((value) => value.trim()) });
    cells = [];
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line++;
        cell += char;
      }
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      cells.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else cell += char;
  }
  if (cell !== '' || cells.length > 0) endRow();
  return rows;
}

function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const text = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
  const width = (value: string) => [...value].reduce((sum, char) => sum + (/[\u1100-\uffff]/.test(char) ? 2 : 1), 0);
  const widths = headers.map((header, column) => Math.min(60, Math.max(width(header), ...text.map((row) => width(row[column] ?? '')))));
  const pad = (value: string, column: number) => value + ' '.repeat(Math.max(0, widths[column]! - width(value)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : pad(cell, column))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The raw streams: downloads go to stdout as bytes, progress bars redraw on stderr when it is a terminal. */
  stdoutStream: NodeJS.WritableStream & { isTTY?: boolean };
  stderrStream: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  readPassword?: (prompt: string) => Promise<string>;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];
  let positionals: string[];
  let lang: Lang = /^zh/i.test(io.env.LC_ALL || io.env.LC_MESSAGES || io.env.LANG || '') ? 'zh' : 'en';
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
    if (values.lang !== undefined) {
      if (values.lang !== 'en' && values.lang !== 'zh') throw new UsageError(MESSAGES[lang].choice('--lang', 'en, zh', values.lang));
      lang = values.lang;
    }
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${MESSAGES[lang].usage}`);
    return EXIT.USAGE;
  }
  const t = MESSAGES[lang];
  const json = values.json;
  const out = (value: unknown, human: () => string) => io.stdout(json ? JSON.stringify(value, null, 2) : human());

  if (values.help || positionals.length === 0) {
    io.stdout(t.usage);
    return values.help ? EXIT.OK : EXIT.USAGE;
  }

  const stored = readStoredToken(io.env);
  const url = values.url ?? io.env.LIXIAO_URL ?? stored?.url ?? DEFAULT_URL;
  const envToken = io.env.LIXIAO_TOKEN || null;
  const useStored = !envToken && stored && stored.url === url ? stored : null;
  const client: LixiaoClient = createClient({
    url,
    webSocketImpl: await webSocketImplementation(),
    token: envToken ?? useStored?.accessToken ?? null,
    refreshToken: useStored?.refreshToken ?? null,
    locale: lang === 'zh' ? 'zh-CN' : 'en',
    retryAttempts: WATCH_RETRY_ATTEMPTS,
    onTokens: (session: Session) => {
      if (!envToken) writeStoredToken(io.env, { url, username: useStored?.username ?? values.username, ...session });
    },
  });
  const requireToken = () => {
    if (!envToken && !useStored) throw new DataError(t.notLoggedIn);
  };
  const intOption = (name: 'cohort' | 'count', fallback?: number): number => {
    const raw = values[name];
    if (raw === undefined) {
      if (fallback === undefined) throw new UsageError(t.required(`--${name}`));
      return fallback;
    }
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new UsageError(t.positive(`--${name}`, raw));
    return value;
  };
  const readFile = (path: string | undefined, what: string): Uint8Array => {
    if (!path) throw new UsageError(`${what}: ${t.required('--file <path>')}`);
    try {
      return new Uint8Array(readFileSync(path));
    } catch (error) {
      throw new DataError(`${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };

  const [command, sub, ...rest] = positionals;
  try {
    switch (command) {
      case 'login': {
        const username = values.username ?? sub ?? io.env.LIXIAO_USERNAME;
        if (!username) throw new UsageError(`login: ${t.required('--username <name>')}`);
        const password = values.password ?? io.env.LIXIAO_PASSWORD ?? (await (io.readPassword ?? promptPassword)(t.passwordPrompt));
        const session = await client.login(username, password);
        writeStoredToken(io.env, { url, username, ...session });
        out({ username, url, mustChangePassword: session.mustChangePassword, accessTokenExpiresAt: session.accessTokenExpiresAt, tokenFile: tokenFile(io.env) }, () =>
          [t.loggedIn(username), ...(session.mustChangePassword ? [t.mustChange] : [])].join('\n'),
        );
        return EXIT.OK;
      }
      case 'logout': {
        requireToken();
        await client.logout();
        if (!envToken) rmSync(tokenFile(io.env), { force: true });
        out({ loggedOut: true }, () => t.loggedOut);
        return EXIT.OK;
      }
      case 'import': {
        if (sub !== 'students') throw new UsageError(t.onlyForm('import', 'import students <file>'));
        const path = rest[0];
        if (!path || rest.length > 1) throw new UsageError(t.oneImportFile);
        requireToken();
        const bytes = readFile(path, 'import students');
        if (values.cohort !== undefined) {
          const year = intOption('cohort');
          const { cohorts } = await client.request(CohortsDocument);
          if (!cohorts.some((cohort) => cohort.year === year)) throw new DataError(t.noCohort(year));
          if (!json) io.stderr(t.cohortNote(year));
        }
        const type = /\.xlsx$/i.test(path) ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv';
        const file = new File([bytes as Uint8Array<ArrayBuffer>], basename(path), { type });
        const progress = json ? null : uploadProgress(io.stderrStream, t, basename(path), values['dry-run']);
        let response: ImportStudentsMutation;
        try {
          response = await client.request(ImportStudentsDocument, { file, dryRun: values['dry-run'] }, { onUploadProgress: progress?.update });
        } finally {
          progress?.stop();
        }
        const report = unwrap(response.importStudents, response);
        out(report, () => {
          const lines = [t.report(report)];
          if (report.problems.length > 0) {
            const h = t.headers;
            lines.push(
              '',
              table(
                [h.row, h.column, h.severity, h.code, h.message],
                report.problems.map((p) => [p.row, p.column, p.severity, p.code, p.message]),
              ),
            );
          }
          if (report.problemsTruncated) lines.push(t.truncated);
          return lines.join('\n');
        });
        return report.errorCount > 0 ? EXIT.DATA : EXIT.OK;
      }
      case 'review': {
        if (sub !== 'approve' && sub !== 'reject') throw new UsageError(t.choice('review', 'approve, reject', sub ?? ''));
        if (rest.length > 0) throw new UsageError(t.unexpected(`review ${sub}`, rest.join(' ')));
        const reason = values.reason;
        if (sub === 'reject' && !reason) throw new UsageError(`review reject: ${t.required('--reason <text>')}`);
        const items = itemRefs(decodeText(readFile(values.file, `review ${sub}`)), t);
        requireToken();
        const outcomes: { id: string; ok: boolean; status: string | null; version: number | null; error: { code: string; message: string } | null }[] = [];
        for (let start = 0; start < items.length; start += BATCH) {
          const chunk = items.slice(start, start + BATCH);
          const report = sub === 'approve' ? await client.approve(chunk) : await client.reject(chunk, reason!);
          outcomes.push(...report.outcomes);
        }
        const failed = outcomes.filter((outcome) => !outcome.ok);
        out({ done: outcomes.length - failed.length, failed: failed.length, outcomes }, () => {
          const lines = [t.decided(sub, outcomes.length - failed.length, failed.length)];
          if (failed.length) lines.push('', table([t.headers.id, t.headers.code, t.headers.message], failed.map((f) => [f.id, f.error?.code, f.error?.message])));
          return lines.join('\n');
        });
        return failed.length > 0 ? EXIT.DATA : EXIT.OK;
      }
      case 'sync': {
        if (sub !== undefined) throw new UsageError(t.unexpected('sync', [sub, ...rest].join(' ')));
        const key = values.key;
        if (!key) throw new UsageError(`sync: ${t.required('--key <idempotency key>')}`);
        const results = syncResults(decodeText(readFile(values.file, 'sync')), t);
        requireToken();
        if (values.department) {
          const { viewer } = await client.request(ViewerDocument);
          const actual = viewer?.__typename === 'Reviewer' ? (viewer.department?.code ?? '-') : '-';
          if (actual.toUpperCase() !== values.department.toUpperCase()) throw new DataError(t.wrongDepartment(values.department, actual));
        }
        const reports = [];
        for (let start = 0, part = 1; start < results.length; start += BATCH, part++) {
          // One key per batch of 1000: resending the same file with the same key replays every batch.
          const batchKey = results.length > BATCH ? `${key}#${part}` : key;
          reports.push(await client.sync(batchKey, results.slice(start, start + BATCH)));
        }
        const applied = reports.reduce((sum, r) => sum + r.applied, 0);
        const stale = reports.reduce((sum, r) => sum + r.stale, 0);
        const failedRows = reports.flatMap((r, batch) => r.outcomes.filter((o) => !o.ok && o.error?.code !== 'STALE').map((o) => ({ ...o, row: o.row + batch * BATCH })));
        const replayed = reports.every((r) => r.replayed);
        out({ applied, stale, failed: failedRows.length, replayed, reports }, () => {
          const lines = [t.synced(applied, stale, failedRows.length, replayed)];
          if (failedRows.length) lines.push('', table([t.headers.row, 'studentNumber', t.headers.code, t.headers.message], failedRows.map((o) => [o.row + 2, o.studentNumber, o.error?.code, o.error?.message])));
          return lines.join('\n');
        });
        return failedRows.length > 0 ? EXIT.DATA : EXIT.OK;
      }
      case 'export': {
        if (sub !== 'summary') throw new UsageError(t.onlyForm('export', 'export summary'));
        if (rest.length > 0) throw new UsageError(t.unexpected('export summary', rest.join(' ')));
        const cohort = intOption('cohort');
        const output = values.output;
        const format = summaryFormat(values.format, output, t);
        if (!output && format === 'xlsx' && io.stdoutStream.isTTY) throw new UsageError(t.xlsxToTerminal);
        requireToken();
        const download = await client.exportSummary({ cohort, format, college: values.college ?? null });
        const bytes = await saveDownload(download, output ? { file: output } : { stream: io.stdoutStream }, t);
        const summary = { file: output ?? null, filename: download.filename, format, contentType: download.contentType, bytes };
        // Without --output stdout carries the file itself: the summary goes to stderr then.
        if (output) out(summary, () => t.exported(output, bytes));
        else if (json) io.stderr(JSON.stringify(summary));
        return EXIT.OK;
      }
      case 'watch': {
        if (sub !== 'stats') throw new UsageError(t.onlyForm('watch', 'watch stats --cohort <year>'));
        const year = intOption('cohort');
        const count = values.count === undefined ? Infinity : intOption('count');
        requireToken();
        const variables = { year, ...(values.college ? { collegeCode: values.college } : {}) };
        const clear = !json && io.stdoutStream.isTTY;
        let drawn = 0;
        let lastDrawn = '';
        /** Draws only numbers that changed: the subscription starts with the numbers now, and a coalesced tick may change nothing in view. */
        const draw = (stats: CohortStatsFieldsFragment) => {
          const key = JSON.stringify(stats);
          if (key === lastDrawn) return;
          lastDrawn = key;
          if (json) io.stdout(JSON.stringify({ at: new Date().toISOString(), ...stats }));
          else io.stdout((clear ? '\x1b[2J\x1b[H' : drawn > 0 ? '\n' : '') + drawStats(stats, t));
          drawn++;
        };
        // An HTTP read first: an unreachable server, a bad token or an unknown cohort fail at once with
        // the server's answer, where the socket would keep retrying; and the table is there immediately.
        draw(await client.cohortStats(variables));
        if (drawn >= count) return EXIT.OK;
        const updates = client.subscribe(CohortStatsUpdatedDocument, variables);
        const stop = () => void updates.return?.();
        process.once('SIGINT', stop);
        try {
          for await (const { cohortStatsUpdated } of updates) {
            draw(cohortStatsUpdated);
            if (drawn >= count) break;
          }
        } finally {
          process.off('SIGINT', stop);
        }
        return EXIT.OK;
      }
      default:
        throw new UsageError(t.unknownCommand(command ?? ''));
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n\n${t.usage}`);
      return EXIT.USAGE;
    }
    if (error instanceof DataError) {
      io.stderr(json ? JSON.stringify({ error: { code: 'INVALID_INPUT', message: error.message } }) : error.message);
      return EXIT.DATA;
    }
    if (error instanceof LixiaoError) {
      io.stderr(json ? JSON.stringify({ error: { code: error.code, message: error.message } }) : `${error.code}: ${error.message}`);
      return error.isServerError ? EXIT.SERVER : EXIT.DATA;
    }
    io.stderr(`INTERNAL: ${(error as Error)?.stack ?? String(error)}`);
    return EXIT.SERVER;
  } finally {
    await client.dispose();
  }
}

function itemRefs(text: string, t: (typeof MESSAGES)[Lang]): ItemRefInput[] {
  const rows = parseCsv(text);
  if (rows.length === 0) throw new DataError(t.emptyFile);
  let idColumn = 0;
  let versionColumn = 1;
  const header = rows[0]!.cells.map((cell) => cell.toLowerCase());
  if (!/^\d+$/.test(rows[0]!.cells[1] ?? '')) {
    idColumn = header.findIndex((cell) => cell === 'id' || cell === 'itemid');
    versionColumn = header.findIndex((cell) => cell === 'version' || cell === 'expectedversion');
    if (idColumn < 0 || versionColumn < 0) throw new DataError(t.badRow(rows[0]!.line, t.rows.idVersionColumns));
    rows.shift();
  }
  return rows.map(({ line, cells }) => {
    const id = cells[idColumn] ?? '';
    const version = Number(cells[versionColumn]);
    if (!id || !Number.isInteger(version)) throw new DataError(t.badRow(line, t.rows.idVersion));
    return { id, expectedVersion: version };
  });
}

const SYNC_COLUMNS: Record<string, keyof SyncResultInput> = {
  studentnumber: 'studentNumber',
  学号: 'studentNumber',
  status: 'status',
  结果: 'status',
  observedat: 'observedAt',
  时间: 'observedAt',
  reason: 'reason',
  原因: 'reason',
  externalref: 'externalRef',
  itemcode: 'itemCode',
};

function syncResults(text: string, t: (typeof MESSAGES)[Lang]): SyncResultInput[] {
  const rows = parseCsv(text);
  if (rows.length < 2) throw new DataError(t.emptyFile);
  const columns = rows[0]!.cells.map((cell) => SYNC_COLUMNS[cell.replace(/[\s_]/g, '').toLowerCase()] ?? SYNC_COLUMNS[cell]);
  for (const required of ['studentNumber', 'status', 'observedAt'] as const) {
    if (!columns.includes(required)) throw new DataError(t.badRow(rows[0]!.line, t.rows.missingColumn(required)));
  }
  return rows.slice(1).map(({ line, cells }) => {
    const result: Record<string, string> = {};
    columns.forEach((field, index) => {
      if (field && cells[index]) result[field] = cells[index]!;
    });
    const status = result.status?.toUpperCase();
    if (status !== 'APPROVED' && status !== 'REJECTED') throw new DataError(t.badRow(line, t.rows.status(result.status ?? '')));
    const observed = new Date(result.observedAt ?? '');
    if (Number.isNaN(observed.getTime())) throw new DataError(t.badRow(line, t.rows.dateTime(result.observedAt ?? '')));
    return {
      studentNumber: result.studentNumber ?? '',
      status: status as SyncResultStatus,
      observedAt: observed.toISOString(),
      ...(result.reason ? { reason: result.reason } : {}),
      ...(result.externalRef ? { externalRef: result.externalRef } : {}),
      ...(result.itemCode ? { itemCode: result.itemCode } : {}),
    };
  });
}

function summaryFormat(format: string | undefined, output: string | undefined, t: (typeof MESSAGES)[Lang]): SummaryFormat {
  const chosen = format ?? (output && /\.xlsx$/i.test(output) ? 'xlsx' : 'csv');
  if (chosen !== 'csv' && chosen !== 'xlsx') throw new UsageError(t.choice('--format', 'csv, xlsx', chosen));
  return chosen;
}

/**
 * Streams a download to a file (through `<file>.part`, renamed when complete, so a broken
 * download never looks like a finished one) or to stdout; returns the byte count.
 */
async function saveDownload(download: SummaryDownload, target: { file: string } | { stream: NodeJS.WritableStream }, t: (typeof MESSAGES)[Lang]): Promise<number> {
  let bytes = 0;
  const counted = async function* (source: AsyncIterable<Uint8Array>) {
    for await (const chunk of source) {
      bytes += chunk.length;
      yield chunk;
    }
  };
  const source = Readable.fromWeb(download.body as NodeReadableStream<Uint8Array>);
  const partial = 'file' in target ? `${target.file}.part` : null;
  try {
    if (partial) {
      await pipeline(source, counted, createWriteStream(partial));
      renameSync(partial, (target as { file: string }).file);
    } else {
      await pipeline(source, counted, (target as { stream: NodeJS.WritableStream }).stream, { end: false });
    }
  } catch (error) {
    if (partial) rmSync(partial, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    // A local file problem is the user's; a stream that stops midway is the network's or the server's.
    if (code && /^E[A-Z]+$/.test(code) && code !== 'ECONNRESET' && code !== 'EPIPE') throw new DataError(`${partial ?? 'stdout'}: ${code}`);
    throw new LixiaoError('NETWORK_ERROR', t.downloadBroken((error as Error)?.message ?? String(error)), { cause: error });
  }
  return bytes;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const BAR_WIDTH = 24;

/**
 * The import's progress on stderr: a bar redrawn in place while the file uploads, then a
 * timer while the server validates (it reports nothing until its answer). Without a
 * terminal, one line per phase.
 */
function uploadProgress(stream: CliIo['stderrStream'], t: (typeof MESSAGES)[Lang], file: string, dryRun: boolean) {
  const terminal = stream.isTTY === true;
  let shownPercent = -1;
  let timer: NodeJS.Timeout | undefined;
  return {
    update(sent: number, total: number) {
      if (!terminal) {
        if (sent === 0) stream.write(`${t.uploading(file, formatBytes(total))}\n`);
        if (sent === total) stream.write(`${t.serverChecking(dryRun)}\n`);
        return;
      }
      const percent = Math.floor((sent / total) * 100);
      if (percent !== shownPercent) {
        shownPercent = percent;
        const filled = Math.round((percent / 100) * BAR_WIDTH);
        stream.write(`\r\x1b[K[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent}% ${formatBytes(sent)}/${formatBytes(total)} ${file}`);
      }
      if (sent === total && !timer) {
        const started = Date.now();
        timer = setInterval(() => stream.write(`\r\x1b[K${t.serverChecking(dryRun)} ${Math.round((Date.now() - started) / 1000)} s`), 250);
      }
    },
    stop() {
      clearInterval(timer);
      if (terminal) stream.write('\r\x1b[K');
    },
  };
}

function drawStats(stats: CohortStatsFieldsFragment, t: (typeof MESSAGES)[Lang]): string {
  const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;
  const h = t.headers;
  return [
    `${t.stats} ${stats.cohort.year} (${stats.cohort.name}) — ${t.graduates} ${stats.graduates}, ${t.cleared} ${stats.cleared} (${percent(stats.clearedRate)}) — ${t.updatedAt} ${new Date().toLocaleTimeString()}`,
    '',
    table(
      [h.item, 'required', 'approved', 'pending', 'rejected', 'locked', 'waived', h.outstanding],
      stats.items.map((item) => [item.template.code, item.required, item.approved, item.pending, item.rejected, item.locked, item.waived, item.outstanding]),
    ),
    '',
    table(
      [h.college, t.graduates, t.cleared, '%', h.outstanding],
      stats.colleges.map((college) => [college.college.code, college.graduates, college.cleared, percent(college.clearedRate), college.outstanding]),
    ),
  ].join('\n');
}

/**
 * `ws` when installed (an optional peer: it sends the handshake's Accept-Language), else the
 * global WebSocket of Node 22+; on Node 20 without `ws` only `watch` fails, saying what to install.
 */
async function webSocketImplementation(): Promise<unknown> {
  try {
    return (await import('ws')).default;
  } catch {
    return (globalThis as { WebSocket?: unknown }).WebSocket;
  }
}

async function promptPassword(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  try {
    if (!process.stdin.isTTY) {
      for await (const line of rl) return line;
      return '';
    }
    process.stderr.write(prompt);
    // Hide what is typed: readline echoes through _writeToOutput.
    (rl as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = () => undefined;
    const answer = await new Promise<string>((resolve) => rl.question('', resolve));
    process.stderr.write('\n');
    return answer;
  } finally {
    rl.close();
  }
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
  } catch {
    return false;
  }
})();

if (invokedDirectly || /(^|[\\/])(lixiao|cli\.js)$/.test(process.argv[1] ?? '')) {
  main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text + '\n'),
    stderr: (text) => process.stderr.write(text + '\n'),
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

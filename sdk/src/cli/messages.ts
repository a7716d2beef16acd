/** What the CLI says, in English and Chinese (the server's messages come in the same language). */
import type { ImportReportFieldsFragment } from '../generated/graphql.js';

type ImportReport = ImportReportFieldsFragment;

export const MESSAGES = {
  en: {
    noCohortOrCollege: (year: number, college: string | undefined) =>
      college
        ? `Cohort ${year} has no college ${college}, or there is no cohort ${year}: check --cohort and --college.`
        : `There is no cohort ${year}: check --cohort.`,
    templateWritten: (file: string, kind: string) =>
      `Wrote ${file}: the header row of a ${kind} import; fill in one row each, then run \`lixiao import ${kind} ${file} --dry-run\`.`,
    listed: (shown: number, total: number) => `${shown} of ${total} items.`,
    seeHelp: 'Run `lixiao help` for the commands, `lixiao help <command>` for one of them.',
    logInAgain: 'Log in again: `lixiao login`.',
    notLoggedIn: 'Not logged in: run `lixiao login` or set LIXIAO_TOKEN.',
    loggedIn: (who: string) => `Logged in as ${who}.`,
    mustChange: 'The account still has its initial password: change it in the portal (or with the SDK) before anything else.',
    loggedOut: 'Logged out.',
    ssoOpen: (url: string) => `Sign in in your browser (on this machine):\n${url}`,
    ssoTimeout: (minutes: number) => `No sign-in came back within ${minutes} min: run \`lixiao login --sso\` again.`,
    ssoNone: 'This server offers no identity provider sign-in: use `lixiao login <username>`.',
    ssoNotOffered: (wanted: string, offered: string) => `This server does not offer ${wanted} sign-in (it offers: ${offered}).`,
    ssoChoose: (offered: string) => `login --sso: the server offers ${offered}: choose one with --provider.`,
    ssoPageDone: 'Signed in to Lixiao (离校): you may close this tab.',
    required: (what: string) => `${what} is required`,
    positive: (option: string, raw: string) => `${option}: a positive whole number, not ${raw}`,
    choice: (option: string, choices: string, raw: string) => `${option}: ${choices}, not ${raw}`,
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
    serverChecking: (dryRun: boolean) =>
      dryRun ? 'Uploaded; the server is validating the rows…' : 'Uploaded; the server is validating and importing the rows…',
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
    headers: {
      row: 'Row',
      column: 'Column',
      severity: 'Severity',
      code: 'Code',
      message: 'Message',
      id: 'Item',
      error: 'Error',
      item: 'Item',
      outstanding: 'Outstanding',
      college: 'College',
    },
  },
  zh: {
    noCohortOrCollege: (year: number, college: string | undefined) =>
      college ? `${year} 届没有培养单位 ${college}，或不存在 ${year} 届：请检查 --cohort 和 --college。` : `不存在 ${year} 届：请检查 --cohort。`,
    templateWritten: (file: string, kind: string) => `已生成 ${file}（${kind} 导入的表头）：每人填一行，然后运行 \`lixiao import ${kind} ${file} --dry-run\`。`,
    listed: (shown: number, total: number) => `共 ${total} 项，列出 ${shown} 项。`,
    seeHelp: '运行 `lixiao help` 查看所有命令，`lixiao help <命令>` 查看某个命令。',
    logInAgain: '请重新登录：`lixiao login`。',
    notLoggedIn: '尚未登录：请运行 `lixiao login` 或设置 LIXIAO_TOKEN。',
    loggedIn: (who: string) => `已登录：${who}。`,
    mustChange: '该账号仍在使用初始密码：请先在门户（或通过 SDK）修改密码。',
    loggedOut: '已退出登录。',
    ssoOpen: (url: string) => `请在本机浏览器中完成登录：\n${url}`,
    ssoTimeout: (minutes: number) => `${minutes} 分钟内未完成登录：请重新运行 \`lixiao login --sso\`。`,
    ssoNone: '此服务器未配置统一身份认证：请使用 `lixiao login <账号>`。',
    ssoNotOffered: (wanted: string, offered: string) => `此服务器未提供 ${wanted} 登录（提供：${offered}）。`,
    ssoChoose: (offered: string) => `login --sso：服务器提供 ${offered}，请用 --provider 选择其一。`,
    ssoPageDone: '已登录离校系统，可以关闭此页。',
    required: (what: string) => `缺少 ${what}`,
    positive: (option: string, raw: string) => `${option} 须为正整数，而不是 ${raw}`,
    choice: (option: string, choices: string, raw: string) => `${option} 只能是 ${choices}，而不是 ${raw}`,
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
    headers: {
      row: '行',
      column: '列',
      severity: '级别',
      code: '代码',
      message: '说明',
      id: '事项',
      error: '错误',
      item: '事项',
      outstanding: '未完成',
      college: '培养单位',
    },
  },
} as const;

export type Lang = keyof typeof MESSAGES;
export type Messages = (typeof MESSAGES)[Lang];

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

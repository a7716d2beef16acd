/** Terminal output: tables with CJK widths (cli-table3), the statistics view, the upload progress bar, the password prompt. */
import password from '@inquirer/password';
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import { createInterface } from 'node:readline';
import type { CohortStatsFieldsFragment } from '../generated/graphql.js';
import type { CliIo } from './context.js';
import { formatBytes, type Messages } from './messages.js';

/** A borderless table: a header, a rule, then the rows; columns aligned by display width (Chinese counts double). */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const chars = {
    top: '',
    'top-mid': '',
    'top-left': '',
    'top-right': '',
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
    'bottom-right': '',
    left: '',
    'left-mid': '',
    mid: '',
    'mid-mid': '',
    right: '',
    'right-mid': '',
    middle: '  ',
  };
  const view = new Table({ head: headers, chars, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true } });
  view.push(headers.map((header) => '-'.repeat(Math.max(3, [...header].length))));
  for (const row of rows) view.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
  return view
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

/**
 * The import's progress on stderr: a bar while the file uploads, then a timer while the server
 * validates (it reports nothing until its answer). Without a terminal, one line per phase.
 */
export function uploadProgress(stream: CliIo['stderrStream'], t: Messages, file: string, dryRun: boolean) {
  const terminal = stream.isTTY === true;
  const bar = terminal
    ? new SingleBar({
        stream: stream as NodeJS.WriteStream,
        format: `[{bar}] {percentage}% {sent}/{size} ${file}`,
        barsize: 24,
        clearOnComplete: true,
        hideCursor: true,
      })
    : null;
  let timer: NodeJS.Timeout | undefined;
  return {
    update(sent: number, total: number) {
      if (!bar) {
        if (sent === 0) stream.write(`${t.uploading(file, formatBytes(total))}\n`);
        if (sent === total) stream.write(`${t.serverChecking(dryRun)}\n`);
        return;
      }
      if (sent === 0) bar.start(total, 0, { sent: formatBytes(0), size: formatBytes(total) });
      bar.update(sent, { sent: formatBytes(sent) });
      if (sent === total && !timer) {
        bar.stop();
        const started = Date.now();
        timer = setInterval(() => stream.write(`\r\x1b[K${t.serverChecking(dryRun)} ${Math.round((Date.now() - started) / 1000)} s`), 250);
      }
    },
    stop() {
      clearInterval(timer);
      bar?.stop();
      if (terminal) stream.write('\r\x1b[K');
    },
  };
}

export function drawStats(stats: CohortStatsFieldsFragment, t: Messages): string {
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

/** A hidden prompt on a terminal (@inquirer/password); piped input gives its first line. */
export async function promptPassword(prompt: string): Promise<string> {
  if (process.stdin.isTTY) return password({ message: prompt.replace(/[:：]\s*$/, ''), mask: false }, { output: process.stderr });
  const lines = createInterface({ input: process.stdin });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
  }
}

import { Option } from 'commander';
import type { ItemStatus, ReviewQueueFilter, StudentCategory } from '../../generated/graphql.js';
import type { ReviewQueueItem } from '../../client.js';
import { EXIT } from '../errors.js';
import { decodeText, itemRefs } from '../files.js';
import { table } from '../output.js';
import { oneOf, positiveInt, type Registration } from './types.js';

const STATUSES: readonly ItemStatus[] = ['PENDING', 'LOCKED', 'APPROVED', 'REJECTED', 'WAIVED'];
const CATEGORIES: readonly StudentCategory[] = ['UNDERGRADUATE', 'POSTGRADUATE_DUAL', 'POSTGRADUATE_SINGLE'];
/** The columns of `review list`: id and version first, as approve and reject read them back. */
const LIST_COLUMNS = ['id', 'version', 'status', 'item', 'name', 'studentNumber', 'studentName', 'college', 'campus', 'waitingSince', 'reason'] as const;

function csvCell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function row(item: ReviewQueueItem): (string | number | null)[] {
  return [
    item.id,
    item.version,
    item.status,
    item.code,
    item.name,
    item.student.number,
    item.student.name,
    item.student.college.code,
    item.student.campus?.code ?? null,
    item.waitingSince,
    item.reason,
  ];
}

interface ListOptions {
  status: ItemStatus[];
  cohort?: number;
  college?: string;
  campus?: string;
  category?: StudentCategory;
  search?: string;
  limit?: number;
}

export function registerReview({ program, help, t, run }: Registration) {
  const review = program.command('review').description(help.review);

  const statuses = (raw: string) => raw.split(',').map((status) => oneOf(t, '--status', STATUSES)(status.trim().toUpperCase()));
  review
    .command('list')
    .description(help.reviewList)
    .addOption(new Option('--status <statuses>', help.status).argParser(statuses).default(['PENDING'], 'PENDING'))
    .option('--cohort <year>', help.listCohort, positiveInt(t, '--cohort'))
    .option('--college <code>', help.college)
    .option('--campus <code>', help.campus)
    .option('--category <category>', help.category, oneOf(t, '--category', CATEGORIES))
    .option('--search <text>', help.search)
    .option('--limit <n>', help.limit, positiveInt(t, '--limit'))
    .action((options: ListOptions, self) =>
      run(self, async (context) => {
        context.requireToken();
        const filter: ReviewQueueFilter = {
          status: options.status,
          ...(options.cohort !== undefined ? { cohortYear: options.cohort } : {}),
          ...(options.college ? { collegeCode: options.college } : {}),
          ...(options.campus ? { campusCode: options.campus } : {}),
          ...(options.category ? { category: options.category } : {}),
          ...(options.search ? { search: options.search } : {}),
        };
        const items: ReviewQueueItem[] = [];
        let total = 0;
        const limit = options.limit ?? Infinity;
        for await (const page of context.client.reviewQueuePages({ filter, first: 100 })) {
          total = options.status.reduce((sum, status) => sum + page.counts[status.toLowerCase() as Lowercase<ItemStatus>], 0);
          items.push(...page.edges.slice(0, limit - items.length).map((edge) => edge.node));
          if (items.length >= limit) break;
        }
        if (context.json) context.io.stdout(JSON.stringify({ total, items }, null, 2));
        else context.io.stdout([LIST_COLUMNS.join(','), ...items.map((item) => row(item).map(csvCell).join(','))].join('\n'));
        if (!context.json && context.io.stderrStream.isTTY) context.io.stderr(t.listed(items.length, total));
        return EXIT.OK;
      }),
    );

  for (const action of ['approve', 'reject'] as const) {
    const command = review
      .command(action)
      .description(action === 'approve' ? help.approve : help.reject)
      .requiredOption('-f, --file <list.csv>', help.file);
    if (action === 'reject') command.requiredOption('--reason <text>', help.reason);
    command.action((options: { file: string; reason?: string }, self) =>
      run(self, async (context) => {
        const items = itemRefs(decodeText(context.readFile(options.file)), t);
        context.requireToken();
        const report = action === 'approve' ? await context.client.approve(items) : await context.client.reject(items, options.reason!);
        const failed = report.outcomes.filter((outcome) => !outcome.ok);
        const done = report.outcomes.length - failed.length;
        context.out({ done, failed: failed.length, outcomes: report.outcomes }, () => {
          const lines = [t.decided(action, done, failed.length)];
          if (failed.length)
            lines.push(
              '',
              table(
                [t.headers.id, t.headers.code, t.headers.message],
                failed.map((f) => [f.id, f.error?.code, f.error?.message]),
              ),
            );
          return lines.join('\n');
        });
        return failed.length > 0 ? EXIT.DATA : EXIT.OK;
      }),
    );
  }
}

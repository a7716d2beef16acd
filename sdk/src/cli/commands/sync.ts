import { ViewerDocument } from '../../generated/graphql.js';
import { DataError, EXIT } from '../errors.js';
import { decodeText, syncResults } from '../files.js';
import { table } from '../output.js';
import type { Registration } from './types.js';

/** Results per request: the server's batch limit. */
const BATCH = 1000;

export function registerSync({ program, help, t, run }: Registration) {
  program
    .command('sync')
    .description(help.sync)
    .requiredOption('-f, --file <results.csv>', help.syncFile)
    .requiredOption('--key <idempotency key>', help.key)
    .option('--department <CODE>', help.department)
    .action((options: { file: string; key: string; department?: string }, self) =>
      run(self, async (context) => {
        const results = syncResults(decodeText(context.readFile(options.file)), t);
        context.requireToken();
        if (options.department) {
          const { viewer } = await context.client.request(ViewerDocument);
          const actual = viewer?.__typename === 'Reviewer' ? (viewer.department?.code ?? '-') : '-';
          if (actual.toUpperCase() !== options.department.toUpperCase()) throw new DataError(t.wrongDepartment(options.department, actual));
        }
        const reports = [];
        for (let start = 0, part = 1; start < results.length; start += BATCH, part++) {
          // One key per batch of 1000: resending the same file with the same key replays every batch.
          const batchKey = results.length > BATCH ? `${options.key}#${part}` : options.key;
          reports.push(await context.client.sync(batchKey, results.slice(start, start + BATCH)));
        }
        const applied = reports.reduce((sum, r) => sum + r.applied, 0);
        const stale = reports.reduce((sum, r) => sum + r.stale, 0);
        const failedRows = reports.flatMap((r, batch) =>
          r.outcomes.filter((o) => !o.ok && o.error?.code !== 'STALE').map((o) => ({ ...o, row: o.row + batch * BATCH })),
        );
        const replayed = reports.every((r) => r.replayed);
        context.out({ applied, stale, failed: failedRows.length, replayed, reports }, () => {
          const lines = [t.synced(applied, stale, failedRows.length, replayed)];
          if (failedRows.length)
            lines.push(
              '',
              table(
                [t.headers.row, 'studentNumber', t.headers.code, t.headers.message],
                failedRows.map((o) => [o.row + 2, o.studentNumber, o.error?.code, o.error?.message]),
              ),
            );
          return lines.join('\n');
        });
        return failedRows.length > 0 ? EXIT.DATA : EXIT.OK;
      }),
    );
}

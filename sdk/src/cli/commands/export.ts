import type { SummaryFormat } from '../../exports.js';
import { EXIT, UsageError } from '../errors.js';
import { saveDownload } from '../files.js';
import { oneOf, positiveInt, type Registration } from './types.js';

export function registerExport({ program, help, t, run }: Registration) {
  program
    .command('export')
    .description(help.export)
    .command('summary')
    .description(help.exportSummary)
    .requiredOption('--cohort <year>', help.listCohort, positiveInt(t, '--cohort'))
    .option('--format <format>', help.format, oneOf(t, '--format', ['csv', 'xlsx'] as const))
    .option('--college <code>', help.college)
    .option('-o, --output <file>', help.output)
    .action((options: { cohort: number; format?: SummaryFormat; college?: string; output?: string }, self) =>
      run(self, async (context) => {
        const { output } = options;
        const format: SummaryFormat = options.format ?? (output && /\.xlsx$/i.test(output) ? 'xlsx' : 'csv');
        if (!output && format === 'xlsx' && context.io.stdoutStream.isTTY) throw new UsageError(t.xlsxToTerminal);
        context.requireToken();
        const download = await context.client
          .exportSummary({ cohort: options.cohort, format, college: options.college ?? null })
          .catch((error: unknown) => context.explainNotFound(error, options.cohort, options.college));
        const bytes = await saveDownload(download, output ? { file: output } : { stream: context.io.stdoutStream }, t);
        const summary = { file: output ?? null, filename: download.filename, format, contentType: download.contentType, bytes };
        // Without --output stdout carries the file itself: the summary goes to stderr then.
        if (output) context.out(summary, () => t.exported(output, bytes));
        else if (context.json) context.io.stderr(JSON.stringify(summary));
        return EXIT.OK;
      }),
    );
}

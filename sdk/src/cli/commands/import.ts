import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { unwrap } from '../../errors.js';
import { CohortsDocument, ImportStaffDocument, ImportStudentsDocument, type ImportReportFieldsFragment } from '../../generated/graphql.js';
import type { Context } from '../context.js';
import { DataError, EXIT } from '../errors.js';
import { table, uploadProgress } from '../output.js';
import { templateCsv, type TemplateKind } from '../templates.js';
import { oneOf, positiveInt, type Registration } from './types.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const TEMPLATE_FILES: Record<TemplateKind, string> = { students: '毕业生导入模板.csv', staff: '教职工导入模板.csv' };

async function upload(context: Context, kind: TemplateKind, path: string, dryRun: boolean): Promise<ImportReportFieldsFragment> {
  const bytes = context.readFile(path);
  const file = new File([bytes as Uint8Array<ArrayBuffer>], basename(path), { type: /\.xlsx$/i.test(path) ? XLSX : 'text/csv' });
  const progress = context.json ? null : uploadProgress(context.io.stderrStream, context.t, basename(path), dryRun);
  try {
    const requestOptions = { onUploadProgress: progress?.update };
    if (kind === 'students') {
      const response = await context.client.request(ImportStudentsDocument, { file, dryRun }, requestOptions);
      return unwrap(response.importStudents, response);
    }
    const response = await context.client.request(ImportStaffDocument, { file, dryRun }, requestOptions);
    return unwrap(response.importStaff, response);
  } finally {
    progress?.stop();
  }
}

function report(context: Context, result: ImportReportFieldsFragment): number {
  const { t } = context;
  context.out(result, () => {
    const lines = [t.report(result)];
    if (result.problems.length > 0) {
      const h = t.headers;
      lines.push(
        '',
        table(
          [h.row, h.column, h.severity, h.code, h.message],
          result.problems.map((p) => [p.row, p.column, p.severity, p.code, p.message]),
        ),
      );
    }
    if (result.problemsTruncated) lines.push(t.truncated);
    return lines.join('\n');
  });
  return result.errorCount > 0 ? EXIT.DATA : EXIT.OK;
}

export function registerImport({ program, help, t, run }: Registration) {
  const command = program.command('import').description(help.import);

  command
    .command('students')
    .description(help.importStudents)
    .argument('<file>', help.importFile)
    .option('--dry-run', help.dryRun, false)
    .option('--cohort <year>', help.importCohort, positiveInt(t, '--cohort'))
    .addHelpText('after', `\n${help.studentColumns()}`)
    .action((path: string, options: { dryRun: boolean; cohort?: number }, self) =>
      run(self, async (context) => {
        context.requireToken();
        if (options.cohort !== undefined) {
          const { cohorts } = await context.client.request(CohortsDocument);
          if (!cohorts.some((cohort) => cohort.year === options.cohort)) throw new DataError(t.noCohort(options.cohort));
          if (!context.json) context.io.stderr(t.cohortNote(options.cohort));
        }
        return report(context, await upload(context, 'students', path, options.dryRun));
      }),
    );

  command
    .command('staff')
    .description(help.importStaff)
    .argument('<file>', help.importFile)
    .option('--dry-run', help.dryRun, false)
    .addHelpText('after', `\n${help.staffColumns()}`)
    .action((path: string, options: { dryRun: boolean }, self) =>
      run(self, async (context) => {
        context.requireToken();
        return report(context, await upload(context, 'staff', path, options.dryRun));
      }),
    );

  command
    .command('template')
    .description(help.template)
    .argument('<kind>', help.templateKind, oneOf(t, 'template', ['students', 'staff'] as const))
    .option('-o, --output <file>', help.templateOutput)
    .addHelpText('after', `\nstudents — ${help.studentColumns()}\n\nstaff — ${help.staffColumns()}`)
    .action((kind: TemplateKind, options: { output?: string }, self) =>
      run(self, async (context) => {
        const csv = templateCsv(kind, context.lang);
        if (options.output === '-') {
          context.io.stdoutStream.write(csv);
          return EXIT.OK;
        }
        const file = options.output ?? TEMPLATE_FILES[kind];
        try {
          writeFileSync(file, csv);
        } catch (error) {
          throw new DataError(`${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
        context.out(
          {
            file,
            kind,
            columns: csv
              .replace(/^\uFEFF/, '')
              .trim()
              .split(','),
          },
          () => t.templateWritten(file, kind),
        );
        return EXIT.OK;
      }),
    );
}

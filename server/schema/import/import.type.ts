import { GraphQLError } from 'graphql';
import { builder } from '../../builder.js';
import {
  formatProblem,
  IMPORT_FORMATS,
  IMPORT_PROBLEM_CATALOGUE,
  IMPORT_PROBLEM_CODES,
  type ImportProblem,
  type ImportReport,
} from '../../services/import/index.js';

/** Problems listed in one report; the counts cover all of them. */
export const MAX_LISTED_PROBLEMS = 1000;

function isFile(value: unknown): value is File {
  return typeof value === 'object' && value !== null && typeof (value as Blob).arrayBuffer === 'function' && typeof (value as Blob).size === 'number';
}

builder.scalarType('File', {
  description: 'An uploaded file: a `multipart/form-data` request per the GraphQL multipart request spec (operations, map, then the file part). Input only.',
  serialize: () => {
    throw new Error('File is input only');
  },
  parseValue: (value) => {
    if (isFile(value)) return value;
    throw new GraphQLError('File expects an uploaded file (multipart/form-data request).');
  },
  parseLiteral: () => {
    throw new GraphQLError('File cannot be written inline: upload it as multipart/form-data.');
  },
});

export const ImportFormatEnum = builder.enumType('ImportFormat', {
  description:
    'CSV_UTF8: CSV in UTF-8 (with or without a BOM); CSV_GBK: CSV in GBK, as Excel saves it on Chinese Windows; XLSX: an Excel workbook (first non-empty sheet).',
  values: IMPORT_FORMATS,
});

export const ImportProblemSeverityEnum = builder.enumType('ImportProblemSeverity', {
  description: 'ERROR: the file is not imported at all while any row has one; WARNING: for information, does not block.',
  values: ['ERROR', 'WARNING'] as const,
});

export const ImportProblemCodeEnum = builder.enumType('ImportProblemCode', {
  description: "Stable codes of import problems; `message` comes in the request's language.",
  values: Object.fromEntries(
    IMPORT_PROBLEM_CODES.map((code) => [
      code,
      { description: `${IMPORT_PROBLEM_CATALOGUE[code].severity}: ${IMPORT_PROBLEM_CATALOGUE[code].en} / ${IMPORT_PROBLEM_CATALOGUE[code].zh}` },
    ]),
  ),
});

export const ImportProblemRef = builder.objectRef<ImportProblem>('ImportProblem').implement({
  description: 'One finding about the file, a row or a cell.',
  fields: (t) => ({
    row: t.exposeInt('row', { description: 'Row number as a spreadsheet shows it (the header is usually row 1); 0 for the file as a whole.' }),
    column: t.exposeString('column', { nullable: true, description: 'The column header as written in the file (for a missing column, the expected header).' }),
    field: t.exposeString('field', { nullable: true, description: 'Canonical field name, e.g. `number`, `nationalId`, `roles`.' }),
    code: t.field({ type: ImportProblemCodeEnum, resolve: (p) => p.code }),
    severity: t.field({ type: ImportProblemSeverityEnum, resolve: (p) => p.severity }),
    message: t.string({
      description: "In the request's language (Accept-Language; zh-CN by default).",
      resolve: (p, _args, ctx) => formatProblem(p, ctx.locale),
    }),
  }),
});

export const ImportReportRef = builder.objectRef<ImportReport>('ImportReport').implement({
  description: 'The outcome of an import or of its dry run.',
  fields: (t) => ({
    dryRun: t.exposeBoolean('dryRun'),
    applied: t.exposeBoolean('applied', { description: 'True only when the file was written: not a dry run and no row had an error.' }),
    format: t.field({ type: ImportFormatEnum, nullable: true, description: 'Null when the file could not be recognised.', resolve: (r) => r.format }),
    encoding: t.exposeString('encoding', { nullable: true, description: 'CSV text encoding as detected: `UTF-8`, `UTF-8 BOM` or `GBK`; null for XLSX.' }),
    totalRows: t.exposeInt('totalRows', { description: 'Data rows below the header (empty rows are skipped).' }),
    validRows: t.exposeInt('validRows', { description: 'Rows without an error; 0 when the file as a whole has one (e.g. a missing column).' }),
    created: t.exposeInt('created', { description: 'Accounts created (dry run: that an apply would create).' }),
    updated: t.exposeInt('updated', { description: 'Existing accounts whose data changed (dry run: would change).' }),
    unchanged: t.exposeInt('unchanged', { description: 'Existing accounts the file repeats without a change.' }),
    itemsCreated: t.exposeInt('itemsCreated', { description: 'Clearance items generated for new students by the rules (dry run: would be).' }),
    errorCount: t.int({ resolve: (r) => r.problems.filter((p) => p.severity === 'ERROR').length }),
    warningCount: t.int({ resolve: (r) => r.problems.filter((p) => p.severity === 'WARNING').length }),
    problems: t.field({
      type: [ImportProblemRef],
      description: `Sorted by row; at most ${MAX_LISTED_PROBLEMS} (see problemsTruncated).`,
      resolve: (r) => r.problems.slice(0, MAX_LISTED_PROBLEMS),
    }),
    problemsTruncated: t.boolean({ resolve: (r) => r.problems.length > MAX_LISTED_PROBLEMS }),
  }),
});

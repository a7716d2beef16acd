import { builder, type AuthContexts } from '../../builder.js';
import { publishItemEvents } from '../../services/items/events.js';
import { collectItemEvents } from '../../services/items/outbox.js';
import { importStaff, importStudents, type ImportReport } from '../../services/import/index.js';
import { ImportReportRef } from './import.type.js';

type Run = typeof importStudents;

async function runImport(ctx: AuthContexts['role'], run: Run, what: string, file: File, dryRun: boolean | null | undefined): Promise<ImportReport> {
  const started = performance.now();
  const actorId = ctx.viewer.reviewerId;
  const { result: report, events } = await collectItemEvents(() => run(ctx.db, file, { dryRun: dryRun ?? true, actorId, fileName: file.name || null }));
  // New students' items reach live statistics and review queues once the import has committed.
  if (report.applied) publishItemEvents(ctx, events);
  // Roles and scopes may have changed: every process re-checks its open staff sockets.
  if (report.applied && report.kind === 'STAFF' && report.updated > 0) ctx.pubsub.publish('account:changed', { reviewerIds: null });
  ctx.log.info(`import ${what}`, {
    actorId,
    dryRun: report.dryRun,
    applied: report.applied,
    format: report.format,
    totalRows: report.totalRows,
    created: report.created,
    updated: report.updated,
    itemsCreated: report.itemsCreated,
    problems: report.problems.length,
    ms: Math.round(performance.now() - started),
  });
  return report;
}

const COMMON = `Upload as multipart/form-data (GraphQL multipart request spec). CSV (UTF-8, UTF-8 with BOM, or GBK as Excel saves it) or XLSX; headers in Chinese or English.
With dryRun (the default) the file is only validated and nothing is written; otherwise nothing at all is written unless every row is valid (one transaction).`;

builder.mutationFields((t) => ({
  importStudents: t.withAuth({ role: 'UNIVERSITY_ADMIN' }).field({
    type: ImportReportRef,
    description: `Imports graduates (university admins). Columns: 学号/number, 姓名/name, 身份证号/nationalId (initial password = its last 6 characters; only hashed), 类别/category, 培养单位/college, 校区/campus; optional 导师/firstSupervisor, 第二导师/secondSupervisor (staff usernames, postgraduates), 住宿/dormitory (default ON_CAMPUS), 届/cohort (default: the newest cohort with clearance items).
Upserts by student number: new students get an account that must change its password and their clearance items by the rules; existing students keep their login, cohort and items (a changed category, college, campus or dormitory is reported as a warning: recomputing items is a separate operation); an empty optional cell keeps an existing student's value.
${COMMON}`,
    errors: {},
    args: {
      file: t.arg({ type: 'File', required: true }),
      dryRun: t.arg.boolean({ defaultValue: true }),
    },
    resolve: (_root, { file, dryRun }, ctx) => runImport(ctx, importStudents, 'students', file, dryRun),
  }),

  importStaff: t.withAuth({ role: 'UNIVERSITY_ADMIN' }).field({
    type: ImportReportRef,
    description: `Imports staff accounts (university admins). Columns: 工号/username, 姓名/name, 角色/roles (StaffRole names or Chinese labels, separated by commas or 、); optional 部门/department, 培养单位/college, 校区/campus (code or name; required by the roles that need them), 初始密码/password (required for new accounts, which must change it at first login; like students' initial passwords it is compared case-insensitively until then).
Upserts by username; an existing account's password is never changed and an empty optional cell keeps its value.
${COMMON}`,
    errors: {},
    args: {
      file: t.arg({ type: 'File', required: true }),
      dryRun: t.arg.boolean({ defaultValue: true }),
    },
    resolve: (_root, { file, dryRun }, ctx) => runImport(ctx, importStaff, 'staff', file, dryRun),
  }),
}));

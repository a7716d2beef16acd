import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { Prisma } from '../../generated/prisma/client.js';
import { decodeId } from '../review/review.type.js';
import { StudentRef } from '../student/student.type.js';
import { localized } from '../localized.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function ownStudent(ctx: Context, studentId: string): boolean {
  return ctx.viewer?.kind === 'student' && !ctx.viewer.mustChangePassword && ctx.viewer.studentId === studentId;
}

function universityAdmin(ctx: Context): boolean {
  return ctx.viewer?.kind === 'staff' && !ctx.viewer.mustChangePassword && ctx.viewer.roles.includes('UNIVERSITY_ADMIN');
}

export const NotificationRef = builder.prismaNode('Notification', {
  description: 'A message to one student, e.g. a clearance reminder (离校提醒). Visible to that student and university admins.',
  id: { field: 'id' },
  authScopes: (notification, ctx) => ownStudent(ctx, notification.studentId) || universityAdmin(ctx),
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'REMINDER for clearance reminders.' }),
    title: t.string({ resolve: (n, _args, ctx) => localized(ctx, n.titleZh, n.titleEn) }),
    body: t.string({ resolve: (n, _args, ctx) => localized(ctx, n.bodyZh, n.bodyEn) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    readAt: t.expose('readAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.prismaObjectField(StudentRef, 'notifications', (t) =>
  t.relation('notifications', {
    description: 'The student\'s messages, newest first: only the student themself (and university admins) may read them.',
    authScopes: (student, _args, ctx) => ownStudent(ctx, student.id) || universityAdmin(ctx),
    query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 100 },
  }),
);

builder.queryField('myNotifications', (t) =>
  t.prismaField({
    type: [NotificationRef],
    description: 'The logged-in student\'s messages, newest first (at most 100).',
    authScopes: { student: true },
    args: { unreadOnly: t.arg.boolean({ required: false, defaultValue: false }) },
    resolve: (query, _root, args, ctx) => {
      if (ctx.viewer?.kind !== 'student') throw new AppError('FORBIDDEN');
      return ctx.db.prisma.notification.findMany({
        ...query,
        where: { studentId: ctx.viewer.studentId, ...(args.unreadOnly ? { readAt: null } : {}) },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: 100,
      });
    },
  }),
);

builder.mutationField('markNotificationRead', (t) =>
  t.field({
    type: NotificationRef,
    description: 'Marks one of the student\'s own messages read (reading it again keeps the first time).',
    authScopes: { student: true },
    errors: {},
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      if (ctx.viewer?.kind !== 'student') throw new AppError('FORBIDDEN');
      const id = decodeId(String(args.id), 'Notification');
      if (!id || !UUID.test(id)) throw new AppError('NOT_FOUND');
      await ctx.db.prisma.notification.updateMany({ where: { id, studentId: ctx.viewer.studentId, readAt: null }, data: { readAt: new Date() } });
      const notification = await ctx.db.prisma.notification.findFirst({ where: { id, studentId: ctx.viewer.studentId } });
      if (!notification) throw new AppError('NOT_FOUND');
      return notification;
    },
  }),
);

interface ReminderReport {
  cohortYear: number;
  collegeCode: string | null;
  notified: number;
}

const ReminderReportRef = builder.objectRef<ReminderReport>('ReminderReport').implement({
  fields: (t) => ({
    cohortYear: t.int({ resolve: (r) => r.cohortYear }),
    collegeCode: t.string({ nullable: true, description: 'Null when every college was reminded.', resolve: (r) => r.collegeCode }),
    notified: t.int({ description: 'Students who got a reminder: those with outstanding (not approved, not waived) items.', resolve: (r) => r.notified }),
  }),
});

builder.mutationField('sendReminders', (t) =>
  t.field({
    type: ReminderReportRef,
    description:
      'Reminds every graduate of the cohort with outstanding items (离校提醒): one notification each, naming the items. ' +
      'College admins for their own college (the default), university admins for one college or all.',
    authScopes: { role: ['COLLEGE_ADMIN', 'UNIVERSITY_ADMIN'] },
    errors: {},
    args: {
      cohortYear: t.arg.int({ required: true }),
      collegeCode: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const viewer = ctx.viewer;
      if (viewer?.kind !== 'staff') throw new AppError('FORBIDDEN');
      const { prisma } = ctx.db;
      const cohort = await prisma.cohort.findUnique({ where: { year: args.cohortYear } });
      if (!cohort) throw new AppError('NOT_FOUND');
      let college: { id: string; code: string } | null = null;
      if (args.collegeCode) {
        college = await prisma.college.findUnique({ where: { code: args.collegeCode }, select: { id: true, code: true } });
        if (!college) throw new AppError('NOT_FOUND');
      }
      if (!viewer.roles.includes('UNIVERSITY_ADMIN')) {
        if (!viewer.collegeId || (college && college.id !== viewer.collegeId)) throw new AppError('FORBIDDEN');
        college ??= await prisma.college.findUniqueOrThrow({ where: { id: viewer.collegeId }, select: { id: true, code: true } });
      }
      const collegeCondition = college ? Prisma.sql`AND s."collegeId" = ${college.id}::uuid` : Prisma.empty;
      const actorId = viewer.reviewerId;
      const notified = await prisma.$transaction(async (tx) => {
        // One statement: each student of the cohort with outstanding items gets one notification naming them.
        const inserted = await tx.$executeRaw`
          INSERT INTO "Notification" (id, "studentId", kind, "titleZh", "titleEn", "bodyZh", "bodyEn", "createdById")
          SELECT gen_random_uuid(), s.id, 'REMINDER', '离校提醒', 'Clearance reminder',
                 '你还有以下离校事项尚未完成：' || string_agg(t."nameZh", '、' ORDER BY t.sequence) || '。请尽快办理。',
                 'These clearance items are still outstanding: ' || string_agg(COALESCE(NULLIF(t."nameEn", ''), t."nameZh"), ', ' ORDER BY t.sequence) || '. Please complete them soon.',
                 ${actorId}::uuid
          FROM "Student" s
          JOIN "ClearanceItem" i ON i."studentId" = s.id AND i."cohortId" = s."cohortId"
          JOIN "ItemTemplate" t ON t.id = i."templateId"
          WHERE s."cohortId" = ${cohort.id}::uuid ${collegeCondition} AND i.status NOT IN ('APPROVED', 'WAIVED')
          GROUP BY s.id`;
        await tx.adminAction.create({
          data: { actorId, kind: 'SEND_REMINDERS', payload: { cohortYear: cohort.year, collegeCode: college?.code ?? null, notified: inserted } },
        });
        return inserted;
      });
      return { cohortYear: cohort.year, collegeCode: college?.code ?? null, notified };
    },
  }),
);

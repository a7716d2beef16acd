import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { markNotificationRead, sendReminders, type ReminderReport } from '../../services/notifications.js';
import { decodeId } from '../global-id.js';
import { StudentRef } from '../student/student.type.js';
import { localized } from '../localized.js';

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
    description: "The student's messages, newest first: only the student themself (and university admins) may read them.",
    authScopes: (student, _args, ctx) => ownStudent(ctx, student.id) || universityAdmin(ctx),
    query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 100 },
  }),
);

builder.queryField('myNotifications', (t) =>
  t.withAuth({ student: true }).prismaField({
    type: [NotificationRef],
    description: "The logged-in student's messages, newest first (at most 100).",
    args: { unreadOnly: t.arg.boolean({ required: false, defaultValue: false }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.prisma.notification.findMany({
        ...query,
        where: { studentId: ctx.viewer.studentId, ...(args.unreadOnly ? { readAt: null } : {}) },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: 100,
      }),
  }),
);

builder.mutationField('markNotificationRead', (t) =>
  t.withAuth({ student: true }).field({
    type: NotificationRef,
    description: "Marks one of the student's own messages read (reading it again keeps the first time).",
    errors: {},
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const id = decodeId(String(args.id), 'Notification');
      if (!id) throw new AppError('NOT_FOUND');
      return markNotificationRead(ctx, ctx.viewer.studentId, id);
    },
  }),
);

const ReminderReportRef = builder.objectRef<ReminderReport>('ReminderReport').implement({
  fields: (t) => ({
    cohortYear: t.int({ resolve: (r) => r.cohortYear }),
    collegeCode: t.string({ nullable: true, description: 'Null when every college was reminded.', resolve: (r) => r.collegeCode }),
    notified: t.int({ description: 'Students who got a reminder: those with outstanding (not approved, not waived) items.', resolve: (r) => r.notified }),
  }),
});

builder.mutationField('sendReminders', (t) =>
  t.withAuth({ role: ['COLLEGE_ADMIN', 'UNIVERSITY_ADMIN'] }).field({
    type: ReminderReportRef,
    description:
      'Reminds every graduate of the cohort with outstanding items (离校提醒): one notification each, naming the items. ' +
      'College admins for their own college (the default), university admins for one college or all.',
    errors: {},
    args: {
      cohortYear: t.arg.int({ required: true }),
      collegeCode: t.arg.string({ required: false }),
    },
    resolve: (_root, args, ctx) => sendReminders(ctx, ctx.viewer, { cohortYear: args.cohortYear, collegeCode: args.collegeCode ?? null }),
  }),
);

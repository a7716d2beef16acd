import type { StaffViewer } from '../auth/viewer.js';
import { AppError } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import type { Services } from './runtime.js';

/** Marks one of the student's own messages read; reading it again keeps the first time. */
export async function markNotificationRead(services: Pick<Services, 'db'>, studentId: string, notificationId: string) {
  const { prisma } = services.db;
  await prisma.notification.updateMany({ where: { id: notificationId, studentId, readAt: null }, data: { readAt: new Date() } });
  const notification = await prisma.notification.findFirst({ where: { id: notificationId, studentId } });
  if (!notification) throw new AppError('NOT_FOUND');
  return notification;
}

export interface ReminderRequest {
  cohortYear: number;
  /** Null: the admin's own college (college admins), or every college (university admins). */
  collegeCode: string | null;
}

export interface ReminderReport {
  cohortYear: number;
  collegeCode: string | null;
  notified: number;
}

/**
 * Reminds every graduate of the cohort with outstanding items: one notification each,
 * naming the items. College admins reach their own college only.
 */
export async function sendReminders(services: Pick<Services, 'db'>, admin: StaffViewer, request: ReminderRequest): Promise<ReminderReport> {
  const { prisma } = services.db;
  const cohort = await prisma.cohort.findUnique({ where: { year: request.cohortYear } });
  if (!cohort) throw new AppError('NOT_FOUND');
  let college: { id: string; code: string } | null = null;
  if (request.collegeCode) {
    college = await prisma.college.findUnique({ where: { code: request.collegeCode }, select: { id: true, code: true } });
    if (!college) throw new AppError('NOT_FOUND');
  }
  if (!admin.roles.includes('UNIVERSITY_ADMIN')) {
    if (!admin.collegeId || (college && college.id !== admin.collegeId)) throw new AppError('FORBIDDEN');
    college ??= await prisma.college.findUniqueOrThrow({ where: { id: admin.collegeId }, select: { id: true, code: true } });
  }
  const collegeCondition = college ? Prisma.sql`AND s."collegeId" = ${college.id}::uuid` : Prisma.empty;
  const actorId = admin.reviewerId;
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
}

/**
 * The review queue's page statement as it was before keyset pages (commit 9cce955): every
 * in-scope item is joined, sorted for the top of the page and grouped for the counts. The
 * bench runs it on the same data as today's statement, as the baseline of the queue rows.
 */
import type { StaffViewer } from '../../server/auth/viewer.js';
import { Prisma } from '../../server/generated/prisma/client.js';

function scopeCondition(viewer: StaffViewer): Prisma.Sql {
  const { roles } = viewer;
  if (roles.includes('UNIVERSITY_ADMIN')) return Prisma.sql`TRUE`;
  const parts: Prisma.Sql[] = [];
  if (viewer.departmentId && (roles.includes('DEPARTMENT_REVIEWER') || roles.includes('INTEGRATION'))) {
    parts.push(Prisma.sql`(t.scope = 'UNIVERSITY' AND t."departmentId" = ${viewer.departmentId}::uuid)`);
  }
  if (viewer.departmentId && viewer.collegeId && roles.includes('COLLEGE_REVIEWER')) {
    parts.push(Prisma.sql`(t.scope = 'COLLEGE' AND t."departmentId" = ${viewer.departmentId}::uuid AND s."collegeId" = ${viewer.collegeId}::uuid)`);
  }
  if (viewer.departmentId && viewer.campusId && roles.includes('CAMPUS_REVIEWER')) {
    parts.push(Prisma.sql`(t.scope = 'CAMPUS' AND t."departmentId" = ${viewer.departmentId}::uuid AND s."campusId" = ${viewer.campusId}::uuid)`);
  }
  if (roles.includes('SUPERVISOR')) parts.push(Prisma.sql`(t.scope = 'SUPERVISOR' AND s."firstSupervisorId" = ${viewer.reviewerId}::uuid)`);
  if (parts.length === 0) return Prisma.sql`FALSE`;
  return Prisma.sql`(${Prisma.join(parts, ' OR ')})`;
}

/** The first page (no filter, no cursor) and the counts, as one statement. */
export function previousQueueStatement(viewer: StaffViewer, first: number): Prisma.Sql {
  return Prisma.sql`
    WITH base AS (
      SELECT i.id, i.status::text AS status, i."waitingSince"
      FROM "ClearanceItem" i
      JOIN "ItemTemplate" t ON t.id = i."templateId"
      JOIN "Student" s ON s.id = i."studentId"
      WHERE ${scopeCondition(viewer)} AND TRUE
    ),
    page AS (
      SELECT b.id, b."waitingSince" FROM base b WHERE TRUE AND TRUE
      ORDER BY b."waitingSince" ASC NULLS LAST, b.id ASC
      LIMIT ${first + 1}
    )
    SELECT 'page' AS kind, p.id::text AS id, p."waitingSince"::text AS w, NULL::text AS status, NULL::bigint AS n,
           row_number() OVER (ORDER BY p."waitingSince" ASC NULLS LAST, p.id ASC) AS ord
    FROM page p
    UNION ALL
    SELECT 'count', NULL, NULL, b.status, count(*), 0 FROM base b GROUP BY b.status
    ORDER BY kind DESC, ord ASC`;
}

/** The queue row at `offset` in queue order (untimed: the bench takes a cursor from the middle of a queue with it). */
export function queueRowAtStatement(viewer: StaffViewer, offset: number): Prisma.Sql {
  return Prisma.sql`
    SELECT i.id::text AS id, i."waitingSince"::text AS w
    FROM "ClearanceItem" i
    JOIN "ItemTemplate" t ON t.id = i."templateId"
    JOIN "Student" s ON s.id = i."studentId"
    WHERE ${scopeCondition(viewer)}
    ORDER BY i."waitingSince" ASC NULLS LAST, i.id ASC
    OFFSET ${offset} LIMIT 1`;
}

import type { StaffViewer } from '../auth/viewer.js';
import type { ItemStatus, StudentCategory } from '../domain/index.js';
import { AppError } from '../errors.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';

/**
 * The reviewer's work queue: the items a staff account may review, oldest
 * waiting first. One WHERE clause (scope + filter) serves the page and the
 * per-status counts, and both come back from a single SQL statement.
 */

export const QUEUE_DEFAULT_SIZE = 50;
export const QUEUE_MAX_SIZE = 100;

export interface QueueFilter {
  status?: ItemStatus[] | null;
  cohortYear?: number | null;
  collegeCode?: string | null;
  category?: StudentCategory | null;
  campusCode?: string | null;
  /** A student-number prefix or a name substring. */
  search?: string | null;
}

export type StatusCounts = Record<ItemStatus, number> & { total: number };

export interface QueuePage {
  /** Item ids of the page in queue order, each with its cursor. */
  rows: { id: string; cursor: string }[];
  hasNextPage: boolean;
  counts: StatusCounts;
}

/**
 * Which items a staff account's roles cover, as SQL over `i` (ClearanceItem),
 * `t` (ItemTemplate) and `s` (Student). University admins see everything;
 * every other role adds the items of its scope kind; none gives nothing.
 */
export function scopeCondition(viewer: StaffViewer): Prisma.Sql {
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
  if (roles.includes('SUPERVISOR')) {
    parts.push(Prisma.sql`(t.scope = 'SUPERVISOR' AND s."firstSupervisorId" = ${viewer.reviewerId}::uuid)`);
  }
  if (parts.length === 0) return Prisma.sql`FALSE`;
  return Prisma.sql`(${Prisma.join(parts, ' OR ')})`;
}

/** Escapes LIKE wildcards so a search is taken literally. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The filter without its status part (the counts ignore the status filter). */
export function filterCondition(filter: QueueFilter): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (filter.cohortYear != null) parts.push(Prisma.sql`i."cohortId" = (SELECT id FROM "Cohort" WHERE year = ${filter.cohortYear})`);
  if (filter.collegeCode) parts.push(Prisma.sql`s."collegeId" = (SELECT id FROM "College" WHERE code = ${filter.collegeCode})`);
  if (filter.campusCode) parts.push(Prisma.sql`s."campusId" = (SELECT id FROM "Campus" WHERE code = ${filter.campusCode})`);
  if (filter.category) parts.push(Prisma.sql`s.category = ${filter.category}::"StudentCategory"`);
  const search = filter.search?.trim();
  if (search) {
    const literal = likeLiteral(search);
    parts.push(Prisma.sql`(s.number LIKE ${`${literal}%`} OR s.name LIKE ${`%${literal}%`})`);
  }
  return parts.length ? Prisma.join(parts, ' AND ') : Prisma.sql`TRUE`;
}

interface Cursor {
  /** waitingSince as PostgreSQL prints it, or null (sorted last). */
  w: string | null;
  id: string;
}

export function encodeQueueCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.w, cursor.id]), 'utf8').toString('base64url');
}

export function decodeQueueCursor(text: string): Cursor {
  try {
    const [w, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown];
    if ((w === null || typeof w === 'string') && typeof id === 'string' && UUID.test(id)) {
      if (w !== null && Number.isNaN(Date.parse(w.replace(' ', 'T')))) throw new Error('bad timestamp');
      return { w, id };
    }
  } catch {
    // fall through
  }
  throw new AppError('INVALID_INPUT', { detail: 'after', field: 'after' });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function loadQueuePage(
  prisma: PrismaClient,
  viewer: StaffViewer,
  filter: QueueFilter,
  page: { first: number; after: string | null },
): Promise<QueuePage> {
  const cursor = page.after ? decodeQueueCursor(page.after) : null;
  const statuses = filter.status?.length ? filter.status : null;
  const statusCondition = statuses ? Prisma.sql`b.status = ANY(${statuses}::text[])` : Prisma.sql`TRUE`;
  const rows = await prisma.$queryRaw<{ kind: 'page' | 'count'; id: string | null; w: string | null; status: string | null; n: bigint | number | null }[]>`
    WITH base AS (
      SELECT i.id, i.status::text AS status, i."waitingSince"
      FROM "ClearanceItem" i
      JOIN "ItemTemplate" t ON t.id = i."templateId"
      JOIN "Student" s ON s.id = i."studentId"
      WHERE ${scopeCondition(viewer)} AND ${filterCondition(filter)}
    ),
    page AS (
      SELECT b.id, b."waitingSince"
      FROM base b
      WHERE ${statusCondition} AND ${afterCondition(cursor)}
      ORDER BY b."waitingSince" ASC NULLS LAST, b.id ASC
      LIMIT ${page.first + 1}
    )
    SELECT 'page' AS kind, p.id::text AS id, p."waitingSince"::text AS w, NULL::text AS status, NULL::bigint AS n,
           row_number() OVER (ORDER BY p."waitingSince" ASC NULLS LAST, p.id ASC) AS ord
    FROM page p
    UNION ALL
    SELECT 'count', NULL, NULL, b.status, count(*), 0 FROM base b GROUP BY b.status
    ORDER BY kind DESC, ord ASC`;
  const counts: StatusCounts = { LOCKED: 0, PENDING: 0, APPROVED: 0, REJECTED: 0, WAIVED: 0, total: 0 };
  const pageRows: { id: string; cursor: string }[] = [];
  for (const row of rows) {
    if (row.kind === 'count') {
      const n = Number(row.n ?? 0);
      counts[row.status as ItemStatus] = n;
      counts.total += n;
    } else {
      pageRows.push({ id: row.id!, cursor: encodeQueueCursor({ w: row.w, id: row.id! }) });
    }
  }
  const hasNextPage = pageRows.length > page.first;
  return { rows: pageRows.slice(0, page.first), hasNextPage, counts };
}

/** Rows strictly after the cursor in the order (waitingSince NULLS LAST, id), over the CTE's alias `b`. */
function afterCondition(cursor: Cursor | null): Prisma.Sql {
  if (!cursor) return Prisma.sql`TRUE`;
  if (cursor.w === null) return Prisma.sql`(b."waitingSince" IS NULL AND b.id > ${cursor.id}::uuid)`;
  return Prisma.sql`(b."waitingSince" > ${cursor.w}::timestamp(3)
    OR (b."waitingSince" = ${cursor.w}::timestamp(3) AND b.id > ${cursor.id}::uuid)
    OR b."waitingSince" IS NULL)`;
}

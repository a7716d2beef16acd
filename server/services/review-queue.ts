import { reviewQueueStreams } from '../auth/policy/review-scope.js';
import type { StaffViewer } from '../auth/viewer.js';
import { ITEM_STATUSES, type ItemStatus, type StudentCategory } from '../domain/index.js';
import { AppError } from '../errors.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { isUuid } from './ids.js';

/**
 * The reviewer's work queue: the items a staff account may review, oldest
 * waiting first, with counts per status; page and counts come back from a
 * single SQL statement whose cost does not grow with the cohort.
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

/** Escapes LIKE wildcards so a search is taken literally. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function cohortOf(filter: QueueFilter, column: Prisma.Sql): Prisma.Sql {
  return filter.cohortYear != null ? Prisma.sql`${column} = (SELECT id FROM "Cohort" WHERE year = ${filter.cohortYear})` : Prisma.sql`TRUE`;
}

/**
 * The filter's college, campus and category over columns named like ClearanceItem's copies
 * or ReviewQueueCount's own columns.
 */
function studentFactsCondition(filter: QueueFilter, columns: { college: Prisma.Sql; campus: Prisma.Sql; category: Prisma.Sql }): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (filter.collegeCode) parts.push(Prisma.sql`${columns.college} = (SELECT id FROM "College" WHERE code = ${filter.collegeCode})`);
  if (filter.campusCode) parts.push(Prisma.sql`${columns.campus} = (SELECT id FROM "Campus" WHERE code = ${filter.campusCode})`);
  if (filter.category) parts.push(Prisma.sql`${columns.category} = ${filter.category}::"StudentCategory"`);
  return parts.length ? Prisma.join(parts, ' AND ') : Prisma.sql`TRUE`;
}

/** A filter's college or campus by code: null for any, the nil UUID (no row) for an unknown code. */
function codeOf(table: 'College' | 'Campus', code: string | null | undefined): Prisma.Sql {
  if (!code) return Prisma.sql`NULL::uuid`;
  return Prisma.sql`COALESCE((SELECT id FROM ${Prisma.raw(`"${table}"`)} WHERE code = ${code}), '00000000-0000-0000-0000-000000000000'::uuid)`;
}

/** The search over `i`: a student-number prefix or a name substring, LIKE wildcards taken literally. */
function searchCondition(search: string): Prisma.Sql {
  const literal = likeLiteral(search);
  return Prisma.sql`EXISTS (SELECT 1 FROM "Student" s WHERE s.id = i."studentId" AND (s.number LIKE ${`${literal}%`} OR s.name LIKE ${`%${literal}%`}))`;
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
    if ((w === null || typeof w === 'string') && typeof id === 'string' && isUuid(id)) {
      if (w !== null && Number.isNaN(Date.parse(w.replace(' ', 'T')))) throw new Error('bad timestamp');
      return { w, id };
    }
  } catch {
    // fall through
  }
  throw new AppError('INVALID_INPUT', { detail: 'after', field: 'after' });
}

/**
 * One page and the counts in one statement. The page merges, for every stream and status, at
 * most `first + 1` rows read in index order after the cursor (waiting items by waitingSince,
 * then the others by id), so its cost follows the page size and the number of streams, not
 * the size of the scope. The counts add up ReviewQueueCount rows (one per template, scope,
 * college, campus, category and status); only a search, which no counter can know, counts
 * the matching items themselves.
 */
export async function loadQueuePage(
  prisma: PrismaClient,
  viewer: StaffViewer,
  filter: QueueFilter,
  page: { first: number; after: string | null },
): Promise<QueuePage> {
  const rows = await prisma.$queryRaw<{ kind: 'page' | 'count'; id: string | null; w: string | null; status: string | null; n: bigint | number | null }[]>(
    queuePageStatement(viewer, filter, page),
  );
  const statusCounts: StatusCounts = { LOCKED: 0, PENDING: 0, APPROVED: 0, REJECTED: 0, WAIVED: 0, total: 0 };
  const pageRows: { id: string; cursor: string }[] = [];
  for (const row of rows) {
    if (row.kind === 'count') {
      const n = Number(row.n ?? 0);
      statusCounts[row.status as ItemStatus] = n;
      statusCounts.total += n;
    } else {
      pageRows.push({ id: row.id!, cursor: encodeQueueCursor({ w: row.w, id: row.id! }) });
    }
  }
  const hasNextPage = pageRows.length > page.first;
  return { rows: pageRows.slice(0, page.first), hasNextPage, counts: statusCounts };
}

/** The statement loadQueuePage runs (the bench explains it). */
export function queuePageStatement(viewer: StaffViewer, filter: QueueFilter, page: { first: number; after: string | null }): Prisma.Sql {
  const cursor = page.after ? decodeQueueCursor(page.after) : null;
  const statuses = filter.status?.length ? filter.status : ITEM_STATUSES;
  const search = filter.search?.trim() || null;
  const scoped = reviewQueueStreams(viewer, cohortOf(filter, Prisma.sql`t."cohortId"`));
  const streams = scoped
    ? Prisma.sql`SELECT s."templateId", s."scopeId", NULL::uuid AS "cohortId" FROM (${scoped}) s`
    : Prisma.sql`SELECT NULL::uuid AS "templateId", NULL::uuid AS "scopeId", c.id AS "cohortId" FROM "Cohort" c WHERE ${cohortOf(filter, Prisma.sql`c.id`)}`;
  const inStream = scoped ? Prisma.sql`i."templateId" = st."templateId" AND i."reviewScopeId" = st."scopeId"` : Prisma.sql`i."cohortId" = st."cohortId"`;
  const itemFilter = Prisma.sql`${studentFactsCondition(filter, {
    college: Prisma.sql`i."studentCollegeId"`,
    campus: Prisma.sql`i."studentCampusId"`,
    category: Prisma.sql`i."studentCategory"`,
  })} AND ${search ? searchCondition(search) : Prisma.sql`TRUE`}`;
  const limit = page.first + 1;
  const counts = search
    ? Prisma.sql`SELECT i.status::text AS status, count(*) AS n FROM streams st JOIN "ClearanceItem" i ON ${inStream} WHERE ${itemFilter} GROUP BY 1`
    : Prisma.sql`SELECT c.status::text AS status, sum(c.count) AS n
        FROM streams st
        ${scoped ? Prisma.empty : Prisma.sql`JOIN "ItemTemplate" t ON t."cohortId" = st."cohortId"`}
        JOIN "ReviewQueueCount" c ON ${scoped ? Prisma.sql`c."templateId" = st."templateId" AND c."reviewScopeId" = st."scopeId"` : Prisma.sql`c."templateId" = t.id`}
        WHERE ${studentFactsCondition(filter, { college: Prisma.sql`c."collegeId"`, campus: Prisma.sql`c."campusId"`, category: Prisma.sql`c.category` })}
        GROUP BY 1`;
  return Prisma.sql`
    WITH streams AS (${streams}),
    statuses AS (SELECT unnest(${statuses}::text[]::"ItemStatus"[]) AS status),
    page AS (
      SELECT p.id, p."waitingSince"
      FROM streams st CROSS JOIN statuses ss CROSS JOIN LATERAL review_queue_stream(
        st."templateId", st."scopeId", st."cohortId", ss.status,
        ${cursor?.w ?? null}::timestamp(3), ${cursor?.id ?? null}::uuid,
        ${codeOf('College', filter.collegeCode)}, ${codeOf('Campus', filter.campusCode)}, ${filter.category ?? null}::"StudentCategory",
        ${search ? likeLiteral(search) : null}::text, ${limit}::int) p
      ORDER BY p."waitingSince" ASC NULLS LAST, p.id ASC
      LIMIT ${limit}
    ),
    counts AS (${counts})
    SELECT 'page' AS kind, p.id::text AS id, p."waitingSince"::text AS w, NULL::text AS status, NULL::bigint AS n,
           row_number() OVER (ORDER BY p."waitingSince" ASC NULLS LAST, p.id ASC) AS ord
    FROM page p
    UNION ALL
    SELECT 'count', NULL, NULL, c.status, c.n::bigint, 0 FROM counts c
    ORDER BY kind DESC, ord ASC`;
}

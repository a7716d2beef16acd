import type { SqlSession } from '../db/driver.js';
import type { Cohort, College, ItemTemplate } from '../generated/prisma/client.js';
import type { ItemStatus, StudentCategory } from '../domain/index.js';

/** Which part of a cohort the numbers cover. Absent fields mean "all". */
export interface StatsFilter {
  cohortId: string;
  collegeId?: string | null;
  campusId?: string | null;
  category?: StudentCategory | null;
}

export interface StatusCounts {
  required: number;
  approved: number;
  rejected: number;
  pending: number;
  locked: number;
  waived: number;
  /** Required and not yet approved: pending, rejected or locked. */
  outstanding: number;
}

export interface TemplateStats extends StatusCounts {
  templateId: string;
  template: ItemTemplate;
}

export interface CollegeStats extends StatusCounts {
  collegeId: string;
  college: College;
  graduates: number;
  cleared: number;
}

export interface CohortStatsData {
  filter: StatsFilter;
  cohort: Cohort;
  graduates: number;
  cleared: number;
  items: TemplateStats[];
  colleges: CollegeStats[];
}

function emptyCounts(): StatusCounts {
  return { required: 0, approved: 0, rejected: 0, pending: 0, locked: 0, waived: 0, outstanding: 0 };
}

function add(counts: StatusCounts, status: ItemStatus, count: number) {
  const key = status.toLowerCase() as Lowercase<ItemStatus>;
  counts[key] += count;
  if (status !== 'WAIVED') counts.required += count;
  if (status === 'PENDING' || status === 'REJECTED' || status === 'LOCKED') counts.outstanding += count;
}

/** What a caller asks for, by the codes it knows; `onlyCollegeId` narrows a college admin to their own college. */
export interface StatsRequest {
  year: number;
  collegeCode?: string | null;
  campusCode?: string | null;
  category?: StudentCategory | null;
  onlyCollegeId?: string | null;
}

export type StatsAnswer =
  | { found: false; missing: 'cohort' | 'college' | 'campus' }
  | { found: true; requestedCollegeId: string | null; stats: CohortStatsData };

type Row = {
  kind: 'request' | 'items' | 'students' | 'cohort' | 'template' | 'college';
  id: string | null;
  collegeId: string | null;
  campusId: string | null;
  status: ItemStatus | null;
  cleared: boolean | null;
  count: number | null;
  row: Record<string, unknown> | null;
};

/** A timestamp(3) column as to_jsonb prints it (UTC, no zone), as Prisma would have read it. */
const utc = (value: unknown) => new Date(`${String(value)}Z`);

/** $1 college code, $2 campus code, $3 year, $4 the college a college admin is limited to, $5 category. */
const COHORT_STATS_SQL = `
    WITH request AS (
      SELECT c.id AS "cohortId",
             (SELECT id FROM "College" WHERE code = $1::text) AS "requestedCollegeId",
             (SELECT id FROM "Campus" WHERE code = $2::text) AS "campusId"
      FROM (SELECT 1) one LEFT JOIN "Cohort" c ON c.year = $3::int
    ),
    filter AS (
      SELECT r."cohortId", COALESCE($4::uuid, r."requestedCollegeId") AS "collegeId", r."campusId"
      FROM request r
      WHERE r."cohortId" IS NOT NULL
        AND ($1::text IS NULL OR r."requestedCollegeId" IS NOT NULL)
        AND ($2::text IS NULL OR r."campusId" IS NOT NULL)
    ),
    items AS (
      SELECT k."templateId", k."collegeId", k.status::text AS status, sum(k."count")::int AS count
      FROM filter f JOIN "ItemStatusCount" k ON k."cohortId" = f."cohortId"
      WHERE (f."collegeId" IS NULL OR k."collegeId" = f."collegeId") AND (f."campusId" IS NULL OR k."campusId" = f."campusId")
        AND ($5::text IS NULL OR k.category::text = $5::text)
      GROUP BY 1, 2, 3 HAVING sum(k."count") <> 0
    ),
    students AS (
      SELECT k."collegeId", k.cleared, sum(k."count")::int AS count
      FROM filter f JOIN "StudentClearanceCount" k ON k."cohortId" = f."cohortId"
      WHERE (f."collegeId" IS NULL OR k."collegeId" = f."collegeId") AND (f."campusId" IS NULL OR k."campusId" = f."campusId")
        AND ($5::text IS NULL OR k.category::text = $5::text)
      GROUP BY 1, 2 HAVING sum(k."count") <> 0
    )
    SELECT 'request' AS kind, r."cohortId" AS id, r."requestedCollegeId" AS "collegeId", r."campusId",
           NULL::text AS status, NULL::boolean AS cleared, NULL::int AS count, NULL::jsonb AS row
    FROM request r
    UNION ALL SELECT 'items', i."templateId", i."collegeId", NULL, i.status, NULL, i.count, NULL FROM items i
    UNION ALL SELECT 'students', NULL, s."collegeId", NULL, NULL, s.cleared, s.count, NULL FROM students s
    UNION ALL SELECT 'cohort', c.id, NULL, NULL, NULL, NULL, NULL, to_jsonb(c) FROM filter f JOIN "Cohort" c ON c.id = f."cohortId"
    UNION ALL SELECT 'template', t.id, NULL, NULL, NULL, NULL, NULL, to_jsonb(t) FROM "ItemTemplate" t WHERE t.id IN (SELECT "templateId" FROM items)
    UNION ALL SELECT 'college', c.id, NULL, NULL, NULL, NULL, NULL, to_jsonb(c) FROM "College" c
      WHERE c.id IN (SELECT "collegeId" FROM items UNION SELECT "collegeId" FROM students)`;

/**
 * The numbers and the rows they refer to (cohort, templates, colleges) in one statement:
 * the codes are resolved, the trigger-kept counters summed and the reference rows read
 * together, so the cost does not grow with the number of graduates and a request makes one
 * round trip to the database (through the raw driver: Prisma's client would cost more CPU than the statement).
 */
export async function readCohortStats(sql: SqlSession, request: StatsRequest): Promise<StatsAnswer> {
  const collegeCode = request.collegeCode ?? null;
  const campusCode = request.campusCode ?? null;
  const category = request.category ?? null;
  const rows = await sql.query<Row>(COHORT_STATS_SQL, [collegeCode, campusCode, request.year, request.onlyCollegeId ?? null, category]);
  const head = rows.find((row) => row.kind === 'request')!;
  if (!head.id) return { found: false, missing: 'cohort' };
  if (collegeCode && !head.collegeId) return { found: false, missing: 'college' };
  if (campusCode && !head.campusId) return { found: false, missing: 'campus' };
  const filter: StatsFilter = { cohortId: head.id, collegeId: request.onlyCollegeId ?? head.collegeId, campusId: head.campusId, category };

  let cohort: Cohort | undefined;
  const templates = new Map<string, ItemTemplate>();
  const collegeRows = new Map<string, College>();
  for (const row of rows) {
    if (row.kind === 'cohort') cohort = { ...(row.row as unknown as Cohort), createdAt: utc(row.row!.createdAt) };
    else if (row.kind === 'template') templates.set(row.id!, { ...(row.row as unknown as ItemTemplate), updatedAt: utc(row.row!.updatedAt) });
    else if (row.kind === 'college') collegeRows.set(row.id!, row.row as unknown as College);
  }

  const items = new Map<string, TemplateStats>();
  const colleges = new Map<string, CollegeStats>();
  const college = (collegeId: string) => {
    let entry = colleges.get(collegeId);
    if (!entry) colleges.set(collegeId, (entry = { collegeId, college: collegeRows.get(collegeId)!, graduates: 0, cleared: 0, ...emptyCounts() }));
    return entry;
  };
  let graduates = 0;
  let cleared = 0;
  for (const row of rows) {
    if (row.kind === 'items') {
      let entry = items.get(row.id!);
      if (!entry) items.set(row.id!, (entry = { templateId: row.id!, template: templates.get(row.id!)!, ...emptyCounts() }));
      add(entry, row.status!, row.count!);
      add(college(row.collegeId!), row.status!, row.count!);
    } else if (row.kind === 'students') {
      const entry = college(row.collegeId!);
      entry.graduates += row.count!;
      graduates += row.count!;
      if (row.cleared) {
        entry.cleared += row.count!;
        cleared += row.count!;
      }
    }
  }
  const stats: CohortStatsData = { filter, cohort: cohort!, graduates, cleared, items: [...items.values()], colleges: [...colleges.values()] };
  return { found: true, requestedCollegeId: head.collegeId, stats };
}

import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
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
}

export interface CollegeStats extends StatusCounts {
  collegeId: string;
  graduates: number;
  cleared: number;
}

export interface CohortStatsData {
  filter: StatsFilter;
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

function where(filter: StatsFilter) {
  return Prisma.sql`"cohortId" = ${filter.cohortId}::uuid
    ${filter.collegeId ? Prisma.sql`AND "collegeId" = ${filter.collegeId}::uuid` : Prisma.empty}
    ${filter.campusId ? Prisma.sql`AND "campusId" = ${filter.campusId}::uuid` : Prisma.empty}
    ${filter.category ? Prisma.sql`AND "category" = ${filter.category}::"StudentCategory"` : Prisma.empty}`;
}

/**
 * Reads the trigger-kept counters (two small grouped reads), so the cost does not
 * grow with the number of graduates.
 */
export async function readCohortStats(prisma: PrismaClient, filter: StatsFilter): Promise<CohortStatsData> {
  const [itemRows, studentRows] = await Promise.all([
    prisma.$queryRaw<{ templateId: string; collegeId: string; status: ItemStatus; count: number }[]>`
      SELECT "templateId", "collegeId", status::text AS status, sum("count")::int AS count
      FROM "ItemStatusCount" WHERE ${where(filter)}
      GROUP BY 1, 2, 3 HAVING sum("count") <> 0`,
    prisma.$queryRaw<{ collegeId: string; cleared: boolean; count: number }[]>`
      SELECT "collegeId", cleared, sum("count")::int AS count
      FROM "StudentClearanceCount" WHERE ${where(filter)}
      GROUP BY 1, 2 HAVING sum("count") <> 0`,
  ]);
  const items = new Map<string, TemplateStats>();
  const colleges = new Map<string, CollegeStats>();
  const college = (collegeId: string) => {
    let entry = colleges.get(collegeId);
    if (!entry) colleges.set(collegeId, (entry = { collegeId, graduates: 0, cleared: 0, ...emptyCounts() }));
    return entry;
  };
  for (const row of itemRows) {
    let entry = items.get(row.templateId);
    if (!entry) items.set(row.templateId, (entry = { templateId: row.templateId, ...emptyCounts() }));
    add(entry, row.status, row.count);
    add(college(row.collegeId), row.status, row.count);
  }
  let graduates = 0;
  let cleared = 0;
  for (const row of studentRows) {
    const entry = college(row.collegeId);
    entry.graduates += row.count;
    graduates += row.count;
    if (row.cleared) {
      entry.cleared += row.count;
      cleared += row.count;
    }
  }
  return { filter, graduates, cleared, items: [...items.values()], colleges: [...colleges.values()] };
}

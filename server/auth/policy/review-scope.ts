import { Prisma } from '../../generated/prisma/client.js';
import type { ScopeKind } from '../../generated/prisma/enums.js';
import type { StaffViewer, Viewer } from '../viewer.js';
import { STUDENT_SCOPE_SELECT, type StudentScopeFacts } from './student.js';

/**
 * Who may review an item: the template's department, narrowed by its scope kind;
 * supervisor items only by the first supervisor; survey (SELF) items only by the
 * student. Integrations act for their department's university-wide items. The rule
 * exists once, as the streams a staff account reviews; the predicate and the review
 * queue's SQL both read them.
 */

/** An item as far as reviewing it is concerned. */
export interface ReviewableItem {
  scope: ScopeKind;
  departmentId: string;
  student: StudentScopeFacts;
}

/** Load it with an item to decide whether the viewer may review it without a query of its own. */
export const REVIEW_SCOPE_SELECT = {
  template: { select: { scope: true, departmentId: true } },
  student: { select: STUDENT_SCOPE_SELECT },
} as const satisfies Prisma.ClearanceItemSelect;

/**
 * Items of one scope kind the account reviews: of templates of `departmentId` (any
 * department when null) whose items carry `scopeId` as their review scope, the value
 * ClearanceItem.reviewScopeId holds (review_scope_id in the migrations).
 */
interface ReviewStream {
  scope: Exclude<ScopeKind, 'SELF'>;
  departmentId: string | null;
  scopeId: string;
}

/** Each viewer's streams, built once: a batch decision checks hundreds of items against them. */
const streamsOfViewer = new WeakMap<StaffViewer, readonly ReviewStream[]>();

function reviewStreams(viewer: StaffViewer): readonly ReviewStream[] {
  let streams = streamsOfViewer.get(viewer);
  if (!streams) streamsOfViewer.set(viewer, (streams = buildReviewStreams(viewer)));
  return streams;
}

function buildReviewStreams(viewer: StaffViewer): ReviewStream[] {
  const { roles, departmentId } = viewer;
  const streams: ReviewStream[] = [];
  if (departmentId && (roles.includes('DEPARTMENT_REVIEWER') || roles.includes('INTEGRATION'))) {
    streams.push({ scope: 'UNIVERSITY', departmentId, scopeId: departmentId });
  }
  if (departmentId && viewer.collegeId && roles.includes('COLLEGE_REVIEWER')) streams.push({ scope: 'COLLEGE', departmentId, scopeId: viewer.collegeId });
  if (departmentId && viewer.campusId && roles.includes('CAMPUS_REVIEWER')) streams.push({ scope: 'CAMPUS', departmentId, scopeId: viewer.campusId });
  if (roles.includes('SUPERVISOR')) streams.push({ scope: 'SUPERVISOR', departmentId: null, scopeId: viewer.reviewerId });
  return streams;
}

function reviewScopeIdOf(item: ReviewableItem): string | null {
  switch (item.scope) {
    case 'UNIVERSITY':
      return item.departmentId;
    case 'COLLEGE':
      return item.student.collegeId;
    case 'CAMPUS':
      return item.student.campusId;
    case 'SUPERVISOR':
      return item.student.firstSupervisorId;
    case 'SELF':
      return null;
  }
}

export function canReview(viewer: Viewer | null, item: ReviewableItem): boolean {
  if (!viewer || viewer.mustChangePassword) return false;
  if (viewer.kind === 'student') return item.scope === 'SELF' && viewer.studentId === item.student.id;
  const scopeId = reviewScopeIdOf(item);
  return reviewStreams(viewer).some(
    (stream) => stream.scope === item.scope && (stream.departmentId === null || stream.departmentId === item.departmentId) && stream.scopeId === scopeId,
  );
}

/**
 * The streams a staff account's review queue merges, as rows ("templateId", "scopeId") of
 * the templates matching `templateCondition` (over `t`): items with that template and that
 * reviewScopeId are the ones canReview allows, so each stream is a range of
 * ClearanceItem_reviewQueue_idx. Null for the university admin, whose queue is whole cohorts.
 */
export function reviewQueueStreams(viewer: StaffViewer, templateCondition: Prisma.Sql): Prisma.Sql | null {
  if (viewer.roles.includes('UNIVERSITY_ADMIN')) return null;
  const streams = reviewStreams(viewer);
  if (streams.length === 0) return Prisma.sql`SELECT NULL::uuid AS "templateId", NULL::uuid AS "scopeId" WHERE FALSE`;
  return Prisma.join(
    streams.map(
      (stream) => Prisma.sql`SELECT t.id AS "templateId", ${stream.scopeId}::uuid AS "scopeId" FROM "ItemTemplate" t
        WHERE t.scope = ${stream.scope}::"ScopeKind"
          ${stream.departmentId ? Prisma.sql`AND t."departmentId" = ${stream.departmentId}::uuid` : Prisma.empty}
          AND ${templateCondition}`,
    ),
    ' UNION ',
  );
}

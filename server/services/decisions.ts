import { canAdminister } from '../auth/policy/admin-scope.js';
import { canReview } from '../auth/policy/review-scope.js';
import type { Viewer } from '../auth/viewer.js';
import type { Services } from './runtime.js';
import { checkTransition, groupBy, resolveLocks, type DecisionSource, type ItemStatus } from '../domain/index.js';
import type { ErrorCode } from '../errors.js';
import type { Prisma, ScopeKind } from '../generated/prisma/client.js';
import type { ItemChangedEvent } from '../pubsub.js';
import { isUuid } from './ids.js';
import { publishItemEvents } from './items/events.js';
import { recordItemChanges } from './items/writer.js';

/** One requested change of one item. */
export interface ItemChangeRequest {
  itemId: string;
  to: ItemStatus;
  reason?: string | null;
  /** The version the client saw; a different current version answers CONFLICT. Omit only for syncs and policies. */
  expectedVersion?: number | null;
  externalRef?: string | null;
  observedAt?: Date | null;
}

export interface Actor {
  source: DecisionSource;
  viewer: Viewer | null;
}

export type ChangeOutcome =
  | { itemId: string; ok: true; status: ItemStatus; version: number }
  | { itemId: string; ok: false; code: ErrorCode };

/** The rule-side facts of an item, shared by every item of the template. */
interface TemplateFacts {
  code: string;
  prerequisites: string[];
  scope: ScopeKind;
  departmentId: string;
}

/** The student-side facts: whom the item belongs to, and the current cohort (only that sheet is re-locked). */
interface StudentFacts {
  id: string;
  cohortId: string;
  collegeId: string;
  campusId: string;
  firstSupervisorId: string | null;
  secondSupervisorId: string | null;
}

interface LockedItem {
  id: string;
  studentId: string;
  cohortId: string;
  status: ItemStatus;
  version: number;
  observedAt: Date | null;
  templateId: string;
  template: TemplateFacts;
  student: StudentFacts;
}

interface AppliedChange {
  id: string;
  templateId: string;
  studentId: string;
  cohortId: string;
  from: ItemStatus;
  to: ItemStatus;
  reason: string | null;
  source: DecisionSource;
  version: number;
  externalRef: string | null;
  observedAt: Date | null;
}

/**
 * Applies a batch of item changes in one transaction: each item is locked,
 * authorized, version-checked and run through the state machine; what passes is
 * written with its history event, prerequisite locks are recomputed for the
 * students touched, and their cleared state follows. Events are published only
 * after the commit. Items that fail report their code and are left untouched.
 */
export async function changeItems(
  services: Services,
  requests: ItemChangeRequest[],
  actor: Actor,
  /** Other writes that must commit or roll back together with the changes (e.g. a survey response). */
  alongside?: (tx: Prisma.TransactionClient) => Promise<void>,
  /** Writes that follow from the outcomes, in the same transaction (e.g. the audit row of a waiver that succeeded). */
  afterwards?: (tx: Prisma.TransactionClient, outcomes: readonly ChangeOutcome[]) => Promise<void>,
): Promise<ChangeOutcome[]> {
  const { prisma } = services.db;
  const { outcomes, events } = await prisma.$transaction(
    async (tx) => {
      if (alongside) await alongside(tx);
      const ids = [...new Set(requests.map((r) => r.itemId))];
      const sheets = await lockSheets(tx, ids);
      const byId = new Map(sheets.map((item) => [item.id, item]));
      const outcomes: ChangeOutcome[] = [];
      const applied: AppliedChange[] = [];
      const seen = new Set<string>();
      for (const request of requests) {
        const item = byId.get(request.itemId);
        const failure = (code: ErrorCode) => outcomes.push({ itemId: request.itemId, ok: false, code });
        if (!item) {
          failure('NOT_FOUND');
          continue;
        }
        if (!mayChange(actor, item, request.to)) {
          failure(refusal(actor, item));
          continue;
        }
        if (seen.has(item.id) || (request.expectedVersion != null && request.expectedVersion !== item.version)) {
          failure('CONFLICT');
          continue;
        }
        if (actor.source === 'SYNC' && request.observedAt && item.observedAt && request.observedAt < item.observedAt) {
          failure('STALE');
          continue;
        }
        const check = checkTransition({ from: item.status, to: request.to, source: actor.source, reason: request.reason ?? null });
        if (!check.ok) {
          failure(check.code);
          continue;
        }
        seen.add(item.id);
        applied.push({
          id: item.id,
          templateId: item.templateId,
          studentId: item.studentId,
          cohortId: item.cohortId,
          from: item.status,
          to: request.to,
          reason: check.reason,
          source: actor.source,
          version: item.version + 1,
          externalRef: request.externalRef ?? null,
          observedAt: request.observedAt ?? null,
        });
        outcomes.push({ itemId: item.id, ok: true, status: request.to, version: item.version + 1 });
      }
      if (applied.length === 0) {
        await afterwards?.(tx, outcomes);
        return { outcomes, events: [] as ItemChangedEvent[] };
      }
      const reviewerId = actor.viewer?.kind === 'staff' ? actor.viewer.reviewerId : null;
      await writeChanges(tx, applied, reviewerId);
      const lockChanges = relock(sheets, applied);
      await writeChanges(tx, lockChanges, null);
      const okOutcomes = new Map(outcomes.flatMap((outcome) => (outcome.ok ? [[outcome.itemId, outcome] as const] : [])));
      for (const change of lockChanges) {
        const outcome = okOutcomes.get(change.id);
        if (outcome) Object.assign(outcome, { status: change.to, version: change.version });
      }
      await afterwards?.(tx, outcomes);
      const history = [...applied, ...lockChanges].map((change) => ({
        itemId: change.id,
        templateId: change.templateId,
        studentId: change.studentId,
        cohortId: change.cohortId,
        from: change.from,
        to: change.to,
        version: change.version,
        reason: change.reason,
        source: change.source,
        actorReviewerId: change.source === 'SYSTEM' ? null : reviewerId,
        externalRef: change.externalRef,
      }));
      return { outcomes, events: await recordItemChanges(tx, history, { clearedAt: true, describe: true }) };
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
  publishItemEvents(services, events);
  return outcomes;
}

function canSee(actor: Actor, item: LockedItem): boolean {
  const viewer = actor.viewer;
  if (!viewer) return actor.source === 'POLICY' || actor.source === 'SYSTEM';
  if (viewer.kind === 'student') return viewer.studentId === item.studentId;
  return true;
}

/** Why an actor may not change an item it asked for: it cannot see it, or (for a second supervisor) it is not theirs to review. */
function refusal(actor: Actor, item: LockedItem): ErrorCode {
  if (!canSee(actor, item)) return 'NOT_FOUND';
  const secondSupervisor = actor.viewer?.kind === 'staff' && item.student.secondSupervisorId === actor.viewer.reviewerId;
  return item.template.scope === 'SUPERVISOR' && secondSupervisor ? 'FIRST_SUPERVISOR_ONLY' : 'FORBIDDEN';
}

function mayChange(actor: Actor, item: LockedItem, to: ItemStatus): boolean {
  if (actor.source === 'POLICY' || actor.source === 'SYSTEM') return actor.viewer === null;
  if (actor.source === 'ADMIN') return canAdminister(actor.viewer) && (to === 'WAIVED' || to === 'PENDING');
  return canReview(actor.viewer, { scope: item.template.scope, departmentId: item.template.departmentId, student: item.student });
}

/**
 * Locks every item of the students the requested items belong to, in id order:
 * a decision may re-lock or unlock the student's other items, and two batches
 * touching one student must not interleave (or deadlock).
 *
 * Templates and students are read by statements of their own, after the lock is
 * held: a statement that waited for a lock still sees the rest of the database as
 * it was when it started, so a join here would re-lock with the prerequisites of a
 * rule change that committed while this decision waited for it.
 */
async function lockSheets(tx: Prisma.TransactionClient, ids: string[]): Promise<LockedItem[]> {
  const validIds = ids.filter(isUuid);
  if (validIds.length === 0) return [];
  const rows = await tx.$queryRaw<Omit<LockedItem, 'template' | 'student'>[]>`
    SELECT i.id, i."studentId", i."cohortId", i.status::text AS status, i.version, i."observedAt", i."templateId"
    FROM "ClearanceItem" i
    WHERE i."studentId" IN (SELECT "studentId" FROM "ClearanceItem" WHERE id = ANY(${validIds}::uuid[]))
    ORDER BY i.id
    FOR UPDATE OF i`;
  if (rows.length === 0) return [];
  const templates = await tx.$queryRaw<(TemplateFacts & { id: string })[]>`
    SELECT id, code, prerequisites, scope::text AS scope, "departmentId"
    FROM "ItemTemplate" WHERE id = ANY(${[...new Set(rows.map((row) => row.templateId))]}::uuid[])`;
  const students = await tx.$queryRaw<StudentFacts[]>`
    SELECT id, "cohortId", "collegeId", "campusId", "firstSupervisorId", "secondSupervisorId"
    FROM "Student" WHERE id = ANY(${[...new Set(rows.map((row) => row.studentId))]}::uuid[])`;
  const templateById = new Map(templates.map((template) => [template.id, template]));
  const studentById = new Map(students.map((student) => [student.id, student]));
  return rows.map((row) => ({ ...row, template: templateById.get(row.templateId)!, student: studentById.get(row.studentId)! }));
}

async function writeChanges(tx: Prisma.TransactionClient, changes: AppliedChange[], reviewerId: string | null) {
  if (changes.length === 0) return;
  const decided = (status: ItemStatus) => status === 'APPROVED' || status === 'REJECTED' || status === 'WAIVED';
  await tx.$executeRaw`
    UPDATE "ClearanceItem" AS i SET
      status = v.status::"ItemStatus",
      reason = CASE WHEN v.status IN ('REJECTED', 'WAIVED') OR v.reason IS NOT NULL THEN v.reason ELSE NULL END,
      source = v.source::"DecisionSource",
      "decidedById" = CASE WHEN v.decided THEN ${reviewerId}::uuid ELSE NULL END,
      "decidedAt" = CASE WHEN v.decided THEN now() ELSE NULL END,
      "waitingSince" = CASE WHEN v.status = 'PENDING' THEN now() ELSE NULL END,
      "externalRef" = COALESCE(v.external_ref, i."externalRef"),
      "observedAt" = COALESCE(v.observed_at, i."observedAt"),
      "syncedAt" = CASE WHEN v.source = 'SYNC' THEN now() ELSE i."syncedAt" END,
      "waiverCode" = CASE WHEN v.status = 'WAIVED' THEN i."waiverCode" ELSE NULL END,
      version = v.version,
      "updatedAt" = now()
    FROM unnest(
      ${changes.map((c) => c.id)}::uuid[],
      ${changes.map((c) => c.to)}::text[],
      ${changes.map((c) => c.reason)}::text[],
      ${changes.map((c) => c.source)}::text[],
      ${changes.map((c) => decided(c.to))}::boolean[],
      ${changes.map((c) => c.version)}::int[],
      ${changes.map((c) => c.externalRef)}::text[],
      ${changes.map((c) => c.observedAt)}::timestamptz[]
    ) AS v(id, status, reason, source, decided, version, external_ref, observed_at)
    WHERE i.id = v.id`;
}

/**
 * Recomputes LOCKED/PENDING of the touched students' current sheets from their
 * prerequisites, starting from the locked rows with the batch's changes applied.
 */
function relock(sheets: LockedItem[], applied: AppliedChange[]): AppliedChange[] {
  const after = new Map(applied.map((change) => [change.id, change]));
  const touched = new Set(applied.map((change) => change.studentId));
  const current = sheets.filter((item) => touched.has(item.studentId) && item.cohortId === item.student.cohortId);
  const changes: AppliedChange[] = [];
  for (const sheet of groupBy(current, (item) => item.studentId).values()) {
    const codes = new Set(sheet.map((item) => item.template.code));
    const statusOf = (item: LockedItem) => after.get(item.id)?.to ?? item.status;
    const resolved = resolveLocks(
      sheet.map((item) => ({ code: item.template.code, status: statusOf(item), prerequisites: item.template.prerequisites.filter((code) => codes.has(code)) })),
    );
    resolved.forEach((next, index) => {
      const before = sheet[index]!;
      const from = statusOf(before);
      if (next.status === from) return;
      changes.push({
        id: before.id,
        templateId: before.templateId,
        studentId: before.studentId,
        cohortId: before.cohortId,
        from,
        to: next.status,
        reason: null,
        source: 'SYSTEM',
        version: (after.get(before.id)?.version ?? before.version) + 1,
        externalRef: null,
        observedAt: null,
      });
    });
  }
  return changes;
}

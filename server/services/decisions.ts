import { canAdminister } from '../auth/policy/admin-scope.js';
import { canReview } from '../auth/policy/review-scope.js';
import type { Viewer } from '../auth/viewer.js';
import type { Services } from './runtime.js';
import { checkTransition, groupBy, relockScope, resolveLocks, type DecisionSource, type ItemStatus } from '../domain/index.js';
import type { ErrorCode } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { ItemChangedEvent } from '../pubsub.js';
import { publishItemEvents } from './items/events.js';
import { type DecidedRow, updateDecidedItems } from './items/rows.js';
import { lockSheets, readLockedItems, type LockedItem, type LockedSheets, type TemplateFacts } from './items/sheet-lock.js';
import type { StudentAccess } from './items/sheet-state.js';
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

export type ChangeOutcome = { itemId: string; ok: true; status: ItemStatus; version: number } | { itemId: string; ok: false; code: ErrorCode };

/** What deciding a locked item needs besides the item: its template and its student's facts (shared by the student's items). */
interface ItemFacts {
  template: TemplateFacts;
  student: StudentAccess & { id: string };
}

/** A decided row as the writer stores it, and where it was before. */
interface AppliedChange extends DecidedRow {
  templateId: string;
  studentId: string;
  cohortId: string;
  from: ItemStatus;
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
      const locked = await lockSheets(tx, [...new Set(requests.map((r) => r.itemId))]);
      const byId = new Map(locked.items.map((item) => [item.id, item]));
      const students = new Map([...locked.sheets].map(([id, sheet]) => [id, { id, ...sheet.access }]));
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
        // The lock read the template and the student of every item it returned.
        const facts: ItemFacts = { template: locked.templates.get(item.templateId)!, student: students.get(item.studentId)! };
        if (!mayChange(actor, facts, request.to)) {
          failure(refusal(actor, item, facts));
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
      await updateDecidedItems(tx, applied, reviewerId);
      const lockChanges = await relock(tx, locked, applied);
      await updateDecidedItems(tx, lockChanges, null);
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
      const events = await recordItemChanges(tx, history, { clearedAt: true, describe: true, sheetsBefore: locked.sheets, templates: locked.templates });
      return { outcomes, events };
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
function refusal(actor: Actor, item: LockedItem, { template, student }: ItemFacts): ErrorCode {
  if (!canSee(actor, item)) return 'NOT_FOUND';
  const secondSupervisor = actor.viewer?.kind === 'staff' && student.secondSupervisorId === actor.viewer.reviewerId;
  return template.scope === 'SUPERVISOR' && secondSupervisor ? 'FIRST_SUPERVISOR_ONLY' : 'FORBIDDEN';
}

function mayChange(actor: Actor, { template, student }: ItemFacts, to: ItemStatus): boolean {
  if (actor.source === 'POLICY' || actor.source === 'SYSTEM') return actor.viewer === null;
  if (actor.source === 'ADMIN') return canAdminister(actor.viewer) && (to === 'WAIVED' || to === 'PENDING');
  return canReview(actor.viewer, { scope: template.scope, departmentId: template.departmentId, student });
}

/**
 * Recomputes LOCKED/PENDING on the touched students' current sheets after the batch's
 * changes: only the items whose lock may change (relockScope) and their prerequisites
 * are read, from the rows the lock already holds.
 */
async function relock(tx: Prisma.TransactionClient, locked: LockedSheets, applied: AppliedChange[]): Promise<AppliedChange[]> {
  const current = applied.filter((change) => locked.sheets.get(change.studentId)?.cohortId === change.cohortId);
  if (current.length === 0) return [];
  const after = new Map(applied.map((change) => [change.id, change]));
  const templatesOf = groupBy([...locked.templates.values()], (template) => template.cohortId);
  const scopes = new Map<string, { recheck: Set<string>; read: Set<string>; cohortId: string }>();
  for (const [studentId, changes] of groupBy(current, (change) => change.studentId)) {
    const cohortId = changes[0]!.cohortId;
    const scope = relockScope(
      templatesOf.get(cohortId)!,
      changes.map((change) => ({ code: locked.templates.get(change.templateId)!.code, from: change.from, to: change.to })),
    );
    if (scope.recheck.size > 0) scopes.set(studentId, { ...scope, cohortId });
  }
  if (scopes.size === 0) return [];
  const inHand = new Map(locked.items.map((item) => [`${item.studentId}/${item.templateId}`, item]));
  const wanted = [...scopes].flatMap(([studentId, scope]) =>
    templatesOf
      .get(scope.cohortId)!
      .filter((template) => scope.read.has(template.code) && !inHand.has(`${studentId}/${template.id}`))
      .map((template) => ({ studentId, templateId: template.id })),
  );
  for (const item of await readLockedItems(tx, wanted)) inHand.set(`${item.studentId}/${item.templateId}`, item);
  const changes: AppliedChange[] = [];
  for (const [studentId, scope] of scopes) {
    const sheet = templatesOf
      .get(scope.cohortId)!
      .filter((template) => scope.read.has(template.code))
      .flatMap((template) => {
        const item = inHand.get(`${studentId}/${template.id}`);
        return item ? [{ item, template }] : [];
      })
      .sort((a, b) => (a.item.id < b.item.id ? -1 : 1));
    const statusOf = (item: LockedItem) => after.get(item.id)?.to ?? item.status;
    const resolved = resolveLocks(sheet.map(({ item, template }) => ({ code: template.code, status: statusOf(item), prerequisites: template.prerequisites })));
    resolved.forEach((next, index) => {
      const { item: before, template } = sheet[index]!;
      const from = statusOf(before);
      if (next.status === from || !scope.recheck.has(template.code)) return;
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

/**
 * Pure rules of the clearance sheet (电子离校单): which items a student gets,
 * in which initial state, and how the supervisor gate locks and unlocks them.
 */
import type { Contact, DecisionSource, Department, ItemStatus, ItemTemplate, LocalizedText, StudentCondition, StudentFacts, Waiver } from './types.js';

export interface TemplateEvaluation {
  applies: boolean;
  /** The waiver that exempts this student; null when the item is required or does not apply. */
  waiver: Waiver | null;
}

/** The minimum the gate needs to know about an item of one student's sheet. */
export interface SheetItem {
  code: string;
  status: ItemStatus;
  /** Codes of items on the same sheet; a prerequisite missing from the sheet does not apply and is satisfied. */
  prerequisites: readonly string[];
}

export interface PlannedItem {
  code: string;
  sequence: number;
  initialStatus: ItemStatus;
  /** Recorded as the author of the initial status in the item's history. */
  source: Extract<DecisionSource, 'POLICY' | 'SYSTEM'>;
  /** Recorded as the reason of the initial status: the waiver's or the auto-approval's. */
  reason: LocalizedText | null;
  waivedBecause: Waiver | null;
  prerequisites: string[];
}

export interface Progress {
  /** Items the student must get approved: everything not waived. */
  required: number;
  approved: number;
  rejected: number;
  pending: number;
  locked: number;
  waived: number;
  /** 离校成功: every item is approved or waived. */
  cleared: boolean;
}

export function matchesCondition(student: StudentFacts, condition: StudentCondition): boolean {
  return (
    (condition.categories?.includes(student.category) ?? true) &&
    (condition.collegeCodes?.includes(student.collegeCode) ?? true) &&
    !(condition.notCollegeCodes?.includes(student.collegeCode) ?? false) &&
    (condition.campusCodes?.includes(student.campusCode) ?? true) &&
    (condition.dormitoryStates?.includes(student.dormitory) ?? true)
  );
}

export function evaluateTemplate(student: StudentFacts, template: ItemTemplate): TemplateEvaluation {
  const { appliesTo, waivers } = template.applicability;
  if (!appliesTo.some((condition) => matchesCondition(student, condition))) {
    return { applies: false, waiver: null };
  }
  return { applies: true, waiver: waivers.find((waiver) => matchesCondition(student, waiver.when)) ?? null };
}

/** The requirement text this student should read, e.g. postgraduates are also told to submit their thesis. */
export function requirementFor(student: StudentFacts, template: ItemTemplate): LocalizedText {
  const variant = template.requirementVariants?.find((candidate) => matchesCondition(student, candidate.when));
  return variant?.text ?? template.requirement;
}

/** The contact shown under 查看详情: the one for the student's campus, else the one serving every campus. */
export function contactFor(department: Department, campusCode: string): Contact | null {
  return department.contacts.find((contact) => contact.campusCode === campusCode) ?? department.contacts.find((contact) => contact.campusCode === null) ?? null;
}

/** The items of a new sheet, in sequence order. A deferred student moves to the next cohort and gets none. */
export function planSheet(student: StudentFacts, templates: readonly ItemTemplate[]): PlannedItem[] {
  if (student.deferred) return [];
  const onSheet = templates
    .filter((template) => template.active)
    .flatMap((template) => {
      const { applies, waiver } = evaluateTemplate(student, template);
      return applies ? [{ template, waiver }] : [];
    })
    .sort((a, b) => a.template.sequence - b.template.sequence);
  const codesOnSheet = new Set(onSheet.map(({ template }) => template.code));

  const drafts = onSheet.map(({ template, waiver }): Omit<PlannedItem, 'initialStatus'> & SheetItem => {
    const common = {
      code: template.code,
      sequence: template.sequence,
      waivedBecause: waiver,
      prerequisites: template.prerequisites.filter((code) => codesOnSheet.has(code)),
    };
    if (waiver !== null) return { ...common, status: 'WAIVED', source: 'SYSTEM', reason: waiver.reason };
    if (template.autoApproval !== null) {
      return { ...common, status: 'APPROVED', source: 'POLICY', reason: template.autoApproval.reason };
    }
    return { ...common, status: 'PENDING', source: 'SYSTEM', reason: null };
  });

  return resolveLocks(drafts).map(({ status, ...item }) => ({ ...item, initialStatus: status }));
}

function isSatisfied(status: ItemStatus): boolean {
  return status === 'APPROVED' || status === 'WAIVED';
}

function isUndecided(status: ItemStatus): boolean {
  return status === 'LOCKED' || status === 'PENDING';
}

function unsatisfiedPrerequisites(item: Pick<SheetItem, 'prerequisites'>, statusByCode: ReadonlyMap<string, ItemStatus>): string[] {
  return item.prerequisites.filter((code) => {
    const status = statusByCode.get(code);
    return status !== undefined && !isSatisfied(status);
  });
}

/** Prerequisite codes of `item` that are on the sheet and not yet approved or waived. */
export function blockedBy(item: Pick<SheetItem, 'prerequisites'>, items: readonly SheetItem[]): string[] {
  return unsatisfiedPrerequisites(item, new Map(items.map((other) => [other.code, other.status])));
}

/**
 * Recomputes LOCKED/PENDING after any change on the sheet. Decided items keep
 * their status: a rejected supervisor review does not undo approvals already given.
 */
export function resolveLocks<T extends SheetItem>(items: readonly T[]): T[] {
  const statusByCode = new Map(items.map((item) => [item.code, item.status]));
  return items.map((item) => {
    if (!isUndecided(item.status)) return item;
    const status: ItemStatus = unsatisfiedPrerequisites(item, statusByCode).length > 0 ? 'LOCKED' : 'PENDING';
    return status === item.status ? item : { ...item, status };
  });
}

/**
 * Which items of a sheet resolveLocks may re-decide after some of its items changed, so a writer
 * need not read the whole sheet: `recheck`, the changed items that are now undecided and the
 * dependents of those whose prerequisite is newly met or no longer met (no other item's lock can
 * change); `read`, those plus every prerequisite they have (what resolveLocks looks at).
 */
export function relockScope(
  templates: readonly Pick<SheetItem, 'code' | 'prerequisites'>[],
  changed: readonly { code: string; from: ItemStatus; to: ItemStatus }[],
): { recheck: Set<string>; read: Set<string> } {
  const recheck = new Set<string>();
  for (const change of changed) {
    if (isUndecided(change.to)) recheck.add(change.code);
    if (isSatisfied(change.from) === isSatisfied(change.to)) continue;
    for (const template of templates) if (template.prerequisites.includes(change.code)) recheck.add(template.code);
  }
  const read = new Set(recheck);
  for (const template of templates) if (recheck.has(template.code)) for (const code of template.prerequisites) read.add(code);
  return { recheck, read };
}

export function summarizeProgress(items: readonly Pick<SheetItem, 'status'>[]): Progress {
  const counts: StatusCounts = { LOCKED: 0, PENDING: 0, APPROVED: 0, REJECTED: 0, WAIVED: 0 };
  for (const item of items) counts[item.status]++;
  return progressFromCounts(counts);
}

/** How many items of a sheet are in each status. */
export type StatusCounts = Record<ItemStatus, number>;

/** The same progress as summarizeProgress, from a sheet's counts by status (a writer keeps counts, not every item). */
export function progressFromCounts(counts: StatusCounts): Progress {
  const total = counts.LOCKED + counts.PENDING + counts.APPROVED + counts.REJECTED + counts.WAIVED;
  return {
    required: total - counts.WAIVED,
    approved: counts.APPROVED,
    rejected: counts.REJECTED,
    pending: counts.PENDING,
    locked: counts.LOCKED,
    waived: counts.WAIVED,
    cleared: total > 0 && counts.LOCKED + counts.PENDING + counts.REJECTED === 0,
  };
}

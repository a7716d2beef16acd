/**
 * Rules as data (issue 4, part 6): what a change of a cohort's templates does to
 * a student's existing sheet, and whether the changed rule set is valid.
 *
 * Only what the rules made is recomputed: undecided items (LOCKED, PENDING) and
 * items a rule waived (WAIVED by SYSTEM). Decisions (an approval or rejection by
 * anyone, an auto-approval by policy, an administrator's waiver) are never
 * changed, even when their template no longer applies; they are reported as kept.
 */
import { parseRuleSet, RuleSetError, type RuleSetProblem } from './ruleset.js';
import { planSheet, resolveLocks } from './sheet.js';
import type { Campus, College, DecisionSource, Department, ItemStatus, ItemTemplate, LocalizedText, RuleSet, StudentFacts } from './types.js';

export const RULE_CHANGE_EFFECTS = ['GAINED', 'LOST', 'WAIVED', 'AUTO_APPROVED', 'REINSTATED', 'RELOCKED', 'UNLOCKED', 'KEPT'] as const;
/**
 * GAINED: a new item on the sheet. LOST: an undecided item no longer applies and is
 * waived, so its history stays and it counts as done. WAIVED: a waiver rule now
 * exempts an undecided item. AUTO_APPROVED: a policy now approves it. REINSTATED:
 * an item a rule had waived is required again. RELOCKED / UNLOCKED: its
 * prerequisites changed. KEPT: a decided item whose template no longer applies, left as it is.
 */
export type RuleChangeEffect = (typeof RULE_CHANGE_EFFECTS)[number];

/** An item of the student's current sheet as stored. */
export interface CurrentItem {
  code: string;
  status: ItemStatus;
  /** Who or what made the current status; null only for rows written before sources were recorded. */
  source: DecisionSource | null;
  waiverCode: string | null;
}

export interface ItemEffect {
  code: string;
  effect: RuleChangeEffect;
  /** Null for a gained item. */
  from: ItemStatus | null;
  /** Equal to `from` for a kept item. */
  to: ItemStatus;
  source: DecisionSource;
  /** The reason the item itself shows: the waiver's, the policy's, or the rule change's for a lost item. */
  reason: LocalizedText | null;
  waiverCode: string | null;
}

/** What the history says about a change whose item carries no reason of its own. */
export const RULE_CHANGE_NOTES: Record<RuleChangeEffect, LocalizedText> = {
  GAINED: { zh: '规则变更：新增事项', en: 'Rule change: new item' },
  LOST: { zh: '规则变更：本项不再适用', en: 'Rule change: no longer applies' },
  WAIVED: { zh: '规则变更：本项免办', en: 'Rule change: waived' },
  AUTO_APPROVED: { zh: '规则变更：按政策审核通过', en: 'Rule change: approved by policy' },
  REINSTATED: { zh: '规则变更：免办规则不再适用，须办理', en: 'Rule change: the waiver no longer applies' },
  RELOCKED: { zh: '规则变更：新增前置环节', en: 'Rule change: a prerequisite was added' },
  UNLOCKED: { zh: '规则变更：前置环节已调整', en: 'Rule change: prerequisites changed' },
  KEPT: { zh: '规则变更：本项不再适用，已有决定保留', en: 'Rule change: no longer applies; the decision is kept' },
};

/** Items whose state the rules made, so new rules may remake it. */
export function isRuleMade(item: Pick<CurrentItem, 'status' | 'source'>): boolean {
  return item.status === 'LOCKED' || item.status === 'PENDING' || (item.status === 'WAIVED' && item.source === 'SYSTEM');
}

interface Target {
  code: string;
  status: ItemStatus;
  source: DecisionSource;
  reason: LocalizedText | null;
  waiverCode: string | null;
  prerequisites: string[];
  /** Waived because its template no longer applies to the student. */
  lost: boolean;
}

/**
 * The changes that bring one student's sheet in line with `templates` (the
 * cohort's whole new template list), in the template order. Statuses of
 * undecided items follow the prerequisites exactly as a later decision would
 * re-lock them: every item on the sheet counts, kept and lost ones included.
 */
export function planRuleChange(facts: StudentFacts, items: readonly CurrentItem[], templates: readonly ItemTemplate[]): ItemEffect[] {
  const planned = new Map(planSheet(facts, templates).map((item) => [item.code, item]));
  const templateByCode = new Map(templates.map((template) => [template.code, template]));
  const current = new Map(items.map((item) => [item.code, item]));

  const targets: Target[] = [];
  for (const item of items) {
    const plan = planned.get(item.code);
    const target = { code: item.code, prerequisites: templateByCode.get(item.code)?.prerequisites ?? [] };
    if (!isRuleMade(item) || (plan === undefined && item.status === 'WAIVED')) {
      targets.push({ ...target, status: item.status, source: item.source ?? 'SYSTEM', reason: null, waiverCode: item.waiverCode, lost: false });
    } else if (plan === undefined) {
      targets.push({ ...target, status: 'WAIVED', source: 'SYSTEM', reason: RULE_CHANGE_NOTES.LOST, waiverCode: null, lost: true });
    } else {
      targets.push({
        ...target,
        status: plan.initialStatus,
        source: plan.source,
        reason: plan.reason,
        waiverCode: plan.waivedBecause?.code ?? null,
        lost: false,
      });
    }
  }
  for (const plan of planned.values()) {
    if (current.has(plan.code)) continue;
    targets.push({
      code: plan.code,
      status: plan.initialStatus,
      source: plan.source,
      reason: plan.reason,
      waiverCode: plan.waivedBecause?.code ?? null,
      prerequisites: templateByCode.get(plan.code)!.prerequisites,
      lost: false,
    });
  }

  const onSheet = new Set(targets.map((target) => target.code));
  const resolved = resolveLocks(targets.map((target) => ({ ...target, prerequisites: target.prerequisites.filter((code) => onSheet.has(code)) })));
  const sequenceOf = (code: string) => templateByCode.get(code)?.sequence ?? Number.MAX_SAFE_INTEGER;

  return resolved
    .flatMap((target): ItemEffect[] => {
      const item = current.get(target.code);
      const change = { code: target.code, to: target.status, source: target.source, reason: target.reason, waiverCode: target.waiverCode };
      if (item === undefined) return [{ ...change, effect: 'GAINED', from: null }];
      if (!isRuleMade(item)) {
        return planned.has(item.code) ? [] : [{ ...change, effect: 'KEPT', from: item.status }];
      }
      if (item.status === target.status) return [];
      return [{ ...change, effect: effectOf(item.status, target), from: item.status }];
    })
    .sort((a, b) => sequenceOf(a.code) - sequenceOf(b.code));
}

function effectOf(from: ItemStatus, to: Target): RuleChangeEffect {
  if (to.status === 'WAIVED') return to.lost ? 'LOST' : 'WAIVED';
  if (to.status === 'APPROVED') return 'AUTO_APPROVED';
  if (from === 'WAIVED') return 'REINSTATED';
  return to.status === 'LOCKED' ? 'RELOCKED' : 'UNLOCKED';
}

/**
 * One rule change of a cohort: a template added (all fields) or changed (by
 * code, only the fields given), and departments' contacts replaced. Both are
 * untrusted JSON in the rule set's shape.
 */
export interface RuleChange {
  template?: unknown;
  departmentContacts?: { departmentCode: string; contacts: unknown }[];
}

/** The parts of a cohort's rule set a rule change is checked against. */
export interface CurrentRules {
  campuses: Campus[];
  colleges: College[];
  departments: Department[];
  templates: ItemTemplate[];
}

/** A problem of a rule change, with the path of the input at fault (e.g. `template.prerequisites[0]`). */
export class RuleChangeError extends Error {
  readonly problems: readonly RuleSetProblem[];

  constructor(problems: readonly RuleSetProblem[]) {
    super(problems.map((problem) => `${problem.path}: ${problem.message}`).join('; '));
    this.name = 'RuleChangeError';
    this.problems = problems;
  }
}

// parseRuleSet checks a whole rule set; a rule change cannot touch these parts, so they only need to pass.
const UNCHANGED_PARTS = {
  cohortYear: 2000,
  version: 1,
  loginHelp: { name: { zh: '-', en: '-' }, phone: '-' },
  survey: { code: 'SURVEY', title: { zh: '-', en: '-' }, questions: [{ code: 'Q', kind: 'TEXT', text: { zh: '-', en: '-' }, required: false, maxLength: 1 }] },
};

/**
 * The cohort's templates and the departments after the change, validated
 * exactly as an installed rule set is (unknown codes, duplicate sequences,
 * prerequisite cycles, malformed conditions). Throws a RuleChangeError whose
 * paths name the change's own fields.
 */
export function applyRuleChangeToRules(current: CurrentRules, change: RuleChange): { templates: ItemTemplate[]; departments: Department[] } {
  const changedCode = isObject(change.template) && typeof change.template.code === 'string' ? change.template.code : null;
  const existing = current.templates.find((template) => template.code === changedCode);
  // A change of an existing template names only the fields it changes; the others keep their current values.
  const changedTemplate = existing !== undefined && isObject(change.template) ? { ...existing, ...change.template } : change.template;
  // The changed template goes last, so a clash (e.g. a sequence already taken) is reported on it rather than on the template it clashes with.
  const templates: unknown[] = current.templates.filter((template) => template.code !== changedCode);
  if (changedTemplate !== undefined) templates.push(changedTemplate);
  const changedTemplateIndex = change.template === undefined ? -1 : templates.length - 1;

  const contactsByDepartment = new Map((change.departmentContacts ?? []).map((entry, index) => [entry.departmentCode, { index, contacts: entry.contacts }]));
  const problems: RuleSetProblem[] = [];
  (change.departmentContacts ?? []).forEach((entry, index) => {
    if (!current.departments.some((department) => department.code === entry.departmentCode)) {
      problems.push({ path: `departmentContacts[${index}].departmentCode`, message: `unknown department code ${JSON.stringify(entry.departmentCode)}` });
    }
  });
  const departments = current.departments.map((department) => {
    const replaced = contactsByDepartment.get(department.code);
    return replaced === undefined ? department : { ...department, contacts: replaced.contacts };
  });
  if (problems.length > 0) throw new RuleChangeError(problems);

  try {
    const ruleSet: RuleSet = parseRuleSet({ ...UNCHANGED_PARTS, campuses: current.campuses, colleges: current.colleges, departments, templates });
    return { templates: ruleSet.templates, departments: ruleSet.departments };
  } catch (error) {
    if (!(error instanceof RuleSetError)) throw error;
    const departmentIndexes = new Map(departments.map((department, index) => [index, contactsByDepartment.get(department.code)?.index]));
    throw new RuleChangeError(error.problems.map((problem) => ({ ...problem, path: changePath(problem.path, changedTemplateIndex, departmentIndexes) })));
  }
}

/** Maps a rule-set path to the change's own field. */
function changePath(path: string, changedTemplateIndex: number, departmentIndexes: Map<number, number | undefined>): string {
  const template = /^\$\.templates\[(\d+)\](.*)$/.exec(path);
  if (template) {
    // Unchanged templates were valid before, so a problem there is a prerequisite cycle the change closed.
    return Number(template[1]) === changedTemplateIndex ? `template${template[2]}` : 'template.prerequisites';
  }
  const contacts = /^\$\.departments\[(\d+)\]\.contacts(.*)$/.exec(path);
  const changedIndex = contacts ? departmentIndexes.get(Number(contacts[1])) : undefined;
  if (contacts && changedIndex !== undefined) return `departmentContacts[${changedIndex}].contacts${contacts[2]}`;
  return path;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

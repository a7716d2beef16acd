import { builder } from '../../builder.js';
import { RULE_CHANGE_EFFECTS, type RuleChangeEffect } from '../../domain/rule-change.js';
import type { RuleChangeEntry, RuleChangeReport, RuleChangeRequest } from '../../services/rule-change.js';
import { MAX_LISTED_CHANGES } from '../../services/rule-change.js';
import { ScopeKindEnum } from '../enums.js';
import { DormitoryStateEnum, ItemStatusEnum, StudentCategoryEnum } from '../enums.js';
import { localized } from '../localized.js';

const LocalizedTextInput = builder.inputType('LocalizedTextInput', {
  fields: (t) => ({
    zh: t.string({ required: true }),
    en: t.string({ required: true }),
  }),
});

const StudentConditionInput = builder.inputType('StudentConditionInput', {
  description: 'Matches a student when every list given matches (AND); a list left out matches everyone, so `{}` matches everyone. Lists may not be empty.',
  fields: (t) => ({
    categories: t.field({ type: [StudentCategoryEnum] }),
    collegeCodes: t.stringList(),
    notCollegeCodes: t.stringList(),
    campusCodes: t.stringList(),
    dormitoryStates: t.field({ type: [DormitoryStateEnum] }),
  }),
});

const WaiverInput = builder.inputType('WaiverInput', {
  description: 'An exemption: the item stays on the sheet as WAIVED with this reason.',
  fields: (t) => ({
    code: t.string({ required: true }),
    when: t.field({ type: StudentConditionInput, required: true }),
    reason: t.field({ type: LocalizedTextInput, required: true }),
  }),
});

const ApplicabilityInput = builder.inputType('ApplicabilityInput', {
  fields: (t) => ({
    appliesTo: t.field({
      type: [StudentConditionInput],
      required: true,
      description: 'The item is on the sheet of a student matching any of these (OR); at least one.',
    }),
    waivers: t.field({ type: [WaiverInput], required: true, description: 'The first matching waiver makes the item WAIVED.' }),
  }),
});

const RequirementVariantInput = builder.inputType('RequirementVariantInput', {
  fields: (t) => ({
    when: t.field({ type: StudentConditionInput, required: true }),
    text: t.field({ type: LocalizedTextInput, required: true }),
  }),
});

const AutoApprovalInput = builder.inputType('AutoApprovalInput', {
  fields: (t) => ({
    reason: t.field({ type: LocalizedTextInput, required: true }),
  }),
});

const ItemTemplateInput = builder.inputType('ItemTemplateInput', {
  description:
    'A template to add (every field but `requirementVariants` is required) or to change, by code (only the fields given change). ' +
    'Validated like an installed rule set: known department, college and campus codes, prerequisites that exist and close no cycle, a free sequence.',
  fields: (t) => ({
    code: t.string({ required: true, description: "UPPER_SNAKE_CASE; the template to change, or the new one's." }),
    sequence: t.int(),
    name: t.field({ type: LocalizedTextInput }),
    requirement: t.field({ type: LocalizedTextInput }),
    requirementVariants: t.field({ type: [RequirementVariantInput] }),
    departmentCode: t.string(),
    scope: t.field({ type: ScopeKindEnum }),
    applicability: t.field({ type: ApplicabilityInput }),
    prerequisites: t.stringList({ description: 'Codes of templates that must be approved (or waived) first.' }),
    autoApproval: t.field({ type: AutoApprovalInput, description: 'Approval by policy; an explicit null removes the policy, leaving it out keeps it.' }),
    active: t.boolean({ description: 'false takes the template off every sheet (undecided items are waived).' }),
  }),
});

const DepartmentContactInput = builder.inputType('DepartmentContactInput', {
  fields: (t) => ({
    campusCode: t.string({ description: 'The campus whose students this contact serves; null for every campus.' }),
    phone: t.string(),
    office: t.field({ type: LocalizedTextInput, required: true }),
    hours: t.field({ type: LocalizedTextInput, required: true }),
  }),
});

const DepartmentContactsInput = builder.inputType('DepartmentContactsInput', {
  description: 'Replaces every contact of one department (departments are shared by all cohorts).',
  fields: (t) => ({
    departmentCode: t.string({ required: true }),
    contacts: t.field({ type: [DepartmentContactInput], required: true, description: 'At least one; at most one per campus.' }),
  }),
});

export const RuleChangeInput = builder.inputType('RuleChangeInput', {
  description: "One change of a cohort's rules: a template added or changed, department contacts replaced, or both.",
  fields: (t) => ({
    cohortYear: t.int({ required: true }),
    template: t.field({ type: ItemTemplateInput }),
    departmentContacts: t.field({ type: [DepartmentContactsInput] }),
  }),
});

type Input = typeof RuleChangeInput.$inferInput;

/** Drops fields a GraphQL client left out or set to null: in a condition both mean "matches everyone". */
function given<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null && value !== undefined)) as Partial<T>;
}

/** The input as the rule set's JSON shape, which the domain validates like any rule set. */
export function ruleChangeFromInput(input: Input): RuleChangeRequest {
  const template = input.template;
  const condition = (when: object) => given(when);
  return {
    cohortYear: input.cohortYear,
    ...(template
      ? {
          template: {
            ...given({
              ...template,
              autoApproval: undefined,
              applicability: template.applicability && {
                appliesTo: template.applicability.appliesTo.map(condition),
                waivers: template.applicability.waivers.map((waiver) => ({ ...waiver, when: condition(waiver.when) })),
              },
              requirementVariants: template.requirementVariants?.map((variant) => ({ ...variant, when: condition(variant.when) })),
            }),
            // Unlike other fields, an explicit null here means something: no more policy.
            ...(template.autoApproval !== undefined ? { autoApproval: template.autoApproval } : {}),
          },
        }
      : {}),
    ...(input.departmentContacts
      ? {
          departmentContacts: input.departmentContacts.map(({ departmentCode, contacts }) => ({
            departmentCode,
            contacts: contacts.map((contact) => ({ ...contact, campusCode: contact.campusCode ?? null, phone: contact.phone ?? null })),
          })),
        }
      : {}),
  };
}

const EFFECT_DESCRIPTIONS: Record<RuleChangeEffect, string> = {
  GAINED: 'A new item on the sheet (created with its initial status: locked, pending, waived by a rule or approved by policy).',
  LOST: 'An undecided item whose template no longer applies (or was deactivated): waived by the system, so its history stays and it counts as done.',
  WAIVED: 'An undecided item a new or changed waiver exempts.',
  AUTO_APPROVED: 'An undecided item a new policy approves.',
  REINSTATED: 'An item a rule had waived, required again.',
  RELOCKED: 'A pending item locked again by a new prerequisite.',
  UNLOCKED: 'A locked item whose prerequisites are now met.',
  KEPT: 'A decided item (approved, rejected, or waived by an administrator) whose template no longer applies: left exactly as it is.',
};

export const RuleChangeEffectEnum = builder.enumType('RuleChangeEffect', {
  values: Object.fromEntries(RULE_CHANGE_EFFECTS.map((effect) => [effect, { description: EFFECT_DESCRIPTIONS[effect] }])),
});

const RuleChangeEntryRef = builder.objectRef<RuleChangeEntry>('RuleChangeEntry').implement({
  description: 'One item of one student that the change adds, changes or keeps.',
  fields: (t) => ({
    studentNumber: t.exposeString('studentNumber'),
    studentName: t.exposeString('studentName'),
    itemCode: t.exposeString('itemCode'),
    from: t.field({ type: ItemStatusEnum, nullable: true, description: 'Null for a gained item.', resolve: (entry) => entry.from }),
    to: t.field({ type: ItemStatusEnum, resolve: (entry) => entry.to }),
    reason: t.string({
      description: "What the item's history says (or would say): the waiver's or the policy's reason, else why the rule change touched it.",
      resolve: (entry, _args, ctx) => localized(ctx, entry.reason.zh, entry.reason.en),
    }),
  }),
});

interface RuleChangeList {
  effect: RuleChangeEffect;
  total: number;
  entries: RuleChangeEntry[];
}

const RuleChangeListRef = builder.objectRef<RuleChangeList>('RuleChangeList').implement({
  fields: (t) => ({
    effect: t.field({ type: RuleChangeEffectEnum, resolve: (list) => list.effect }),
    total: t.exposeInt('total', { description: 'Every item with this effect.' }),
    entries: t.field({
      type: [RuleChangeEntryRef],
      description: `The first ${MAX_LISTED_CHANGES}, by student number and item sequence.`,
      resolve: (list) => list.entries,
    }),
  }),
});

export const RuleChangeReportRef = builder.objectRef<RuleChangeReport>('RuleChangeReport').implement({
  description:
    "What a rule change does to the cohort's students. Only rule-made states are recomputed (LOCKED, PENDING, and WAIVED by a rule); " +
    'decisions are never changed. Students who moved to another cohort are not included.',
  fields: (t) => ({
    cohortYear: t.exposeInt('cohortYear'),
    ruleSetVersion: t.exposeInt('ruleSetVersion', { description: 'Preview: the current version, to pass to applyRuleChange. Apply: the new version.' }),
    applied: t.exposeBoolean('applied'),
    templateCode: t.exposeString('templateCode', { nullable: true }),
    studentsAffected: t.exposeInt('studentsAffected', { description: 'Students with at least one item gained or changed.' }),
    changes: t.field({
      type: [RuleChangeListRef],
      description: 'One list per effect, in the order of RuleChangeEffect, empty ones included.',
      resolve: (report) => RULE_CHANGE_EFFECTS.map((effect) => ({ effect, ...report.effects[effect] })),
    }),
  }),
});

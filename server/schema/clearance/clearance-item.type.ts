import { getRefFromModel } from '@pothos/plugin-prisma';
import { canSeeItem, ITEM_VISIBILITY_INCLUDE } from '../../auth/policy/item.js';
import { canReview, REVIEW_SCOPE_SELECT } from '../../auth/policy/review-scope.js';
import { builder } from '../../builder.js';
import { blockedBy, requirementFor, type ApplicabilityRule, type ItemTemplate, type RequirementVariant } from '../../domain/index.js';
import type { DepartmentContact } from '../../generated/prisma/client.js';
import { studentFacts } from '../../services/rules.js';
import { DecisionSourceEnum, ItemStatusEnum } from '../enums.js';
import { localized } from '../localized.js';
import { ClearanceEventRef } from './clearance-event.type.js';

/** One item of a student's clearance sheet, visible as auth/policy/item.ts says. */
export const ClearanceItemRef = builder.prismaNode('ClearanceItem', {
  id: { field: 'id' },
  include: ITEM_VISIBILITY_INCLUDE,
  authScopes: (item, ctx) => canSeeItem(ctx.viewer, item),
  fields: (t) => ({
    code: t.string({ select: { template: { select: { code: true } } }, resolve: (item) => item.template.code }),
    sequence: t.int({ select: { template: { select: { sequence: true } } }, resolve: (item) => item.template.sequence }),
    name: t.string({
      select: { template: { select: { nameZh: true, nameEn: true } } },
      resolve: (item, _args, ctx) => localized(ctx, item.template.nameZh, item.template.nameEn),
    }),
    status: t.field({ type: ItemStatusEnum, resolve: (item) => item.status }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why it was rejected or waived, or the policy that approved it.' }),
    source: t.field({ type: DecisionSourceEnum, nullable: true, resolve: (item) => item.source }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
    decidedBy: t.relation('decidedBy', { nullable: true }),
    externalRef: t.exposeString('externalRef', { nullable: true, description: "The department system's reference, for items set by a sync." }),
    syncedAt: t.expose('syncedAt', { type: 'DateTime', nullable: true }),
    observedAt: t.expose('observedAt', { type: 'DateTime', nullable: true }),
    waitingSince: t.expose('waitingSince', { type: 'DateTime', nullable: true, description: 'Since when the item waits for a decision.' }),
    version: t.exposeInt('version', { description: 'Send it back with a decision: a changed item answers CONFLICT.' }),
    template: t.relation('template'),
    student: t.relation('student'),
  }),
});

/**
 * The student's view of an item: what to do, whom to ask, why it is locked or
 * waived, and its history. Every field selects what it needs into the query
 * that loads the sheet, so a sheet costs a few queries whatever its length.
 */

const DepartmentRef = getRefFromModel('Department', builder);
const DepartmentContactRef = getRefFromModel('DepartmentContact', builder);

const STUDENT_FACTS = {
  category: true,
  dormitory: true,
  campusId: true,
  college: { select: { code: true } },
  campus: { select: { code: true } },
} as const;

interface WaiverShape {
  code: string;
  reasonZh: string;
  reasonEn: string;
}

const WaiverRef = builder.objectRef<WaiverShape>('Waiver').implement({
  description: 'The rule that exempts a student from an item (e.g. the five colleges without equipment checks).',
  fields: (t) => ({
    code: t.exposeString('code'),
    reason: t.string({ resolve: (waiver, _args, ctx) => localized(ctx, waiver.reasonZh, waiver.reasonEn) }),
  }),
});

builder.prismaObjectFields(ClearanceItemRef, (t) => ({
  requirement: t.string({
    description: 'What the student has to do for this item, worded for their category.',
    select: {
      template: { select: { requirementZh: true, requirementEn: true, requirementVariants: true } },
      student: { select: STUDENT_FACTS },
    },
    resolve: (item, _args, ctx) => {
      const template = {
        requirement: { zh: item.template.requirementZh, en: item.template.requirementEn },
        requirementVariants: item.template.requirementVariants as unknown as RequirementVariant[],
      } as Pick<ItemTemplate, 'requirement' | 'requirementVariants'> as ItemTemplate;
      const text = requirementFor(studentFacts(item.student), template);
      return localized(ctx, text.zh, text.en);
    },
  }),
  department: t.field({
    type: DepartmentRef,
    description: 'The clearance node (离校点) that reviews the item.',
    select: (_args, _ctx, nestedSelection) => ({ template: { select: { department: nestedSelection(true) } } }),
    resolve: (item) => item.template.department,
  }),
  contact: t.field({
    type: DepartmentContactRef,
    nullable: true,
    description: "Whom to ask (查看详情): the department's contact for the student's own campus, else the one serving every campus.",
    select: (_args, _ctx, nestedSelection) => ({
      student: { select: { campusId: true } },
      template: { select: { department: { select: { contacts: nestedSelection(true) } } } },
    }),
    resolve: (item) => {
      const contacts = item.template.department.contacts as DepartmentContact[];
      return contacts.find((contact) => contact.campusId === item.student.campusId) ?? contacts.find((contact) => contact.campusId === null) ?? null;
    },
  }),
  blockedBy: t.stringList({
    description: 'Codes of prerequisite items on the same sheet that are not approved (or waived) yet; empty when nothing blocks the item.',
    select: {
      cohortId: true,
      template: { select: { prerequisites: true } },
      student: { select: { items: { select: { status: true, cohortId: true, template: { select: { code: true } } } } } },
    },
    resolve: (item) => {
      const sheet = item.student.items
        .filter((other) => other.cohortId === item.cohortId)
        .map((other) => ({ code: other.template.code, status: other.status, prerequisites: [] }));
      return blockedBy({ prerequisites: item.template.prerequisites }, sheet);
    },
  }),
  waivedBecause: t.field({
    type: WaiverRef,
    nullable: true,
    description: "The rule that waived the item; null unless a rule did (an administrator's waiver gives its reason in `reason`).",
    select: { status: true, waiverCode: true, template: { select: { applicability: true } } },
    resolve: (item) => {
      if (item.status !== 'WAIVED' || !item.waiverCode) return null;
      const rule = item.template.applicability as unknown as ApplicabilityRule;
      const waiver = rule.waivers?.find((candidate) => candidate.code === item.waiverCode);
      return waiver ? { code: waiver.code, reasonZh: waiver.reason.zh, reasonEn: waiver.reason.en } : null;
    },
  }),
  history: t.relation('events', {
    type: ClearanceEventRef,
    description: 'Every change of the item, oldest first.',
    query: { orderBy: { seq: 'asc' } },
  }),
}));

builder.prismaObjectField(ClearanceItemRef, 'decidable', (t) =>
  t.boolean({
    description: 'Whether the viewer may approve or reject the item now (a LOCKED item is visible but not decidable).',
    select: { status: true, ...REVIEW_SCOPE_SELECT },
    resolve: (item, _args, ctx) =>
      (item.status === 'PENDING' || item.status === 'REJECTED') &&
      ctx.viewer?.kind === 'staff' &&
      canReview(ctx.viewer, { scope: item.template.scope, departmentId: item.template.departmentId, student: item.student }),
  }),
);

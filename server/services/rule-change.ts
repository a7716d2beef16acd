import type { Services } from './runtime.js';
import type { DecisionSource, Department, ItemStatus, ItemTemplate, LocalizedText } from '../domain/index.js';
import {
  applyRuleChangeToRules,
  planRuleChange,
  RULE_CHANGE_EFFECTS,
  RULE_CHANGE_NOTES,
  RuleChangeError,
  type CurrentRules,
  type ItemEffect,
  type RuleChange,
  type RuleChangeEffect,
} from '../domain/rule-change.js';
import { AppError } from '../errors.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { ItemChangedEvent } from '../pubsub.js';
import { publishItemEvents } from './items/events.js';
import { utc, uuidv7 } from './ids.js';
import { insertItems, updateRuleMadeItems } from './items/rows.js';
import { recordItemChanges } from './items/writer.js';
import { loadCohortTemplates, studentFacts, templateData } from './rules.js';

type Tx = Prisma.TransactionClient | PrismaClient;

export interface RuleChangeRequest extends RuleChange {
  cohortYear: number;
}

/** Students listed per effect in a report; `total` counts all of them. */
export const MAX_LISTED_CHANGES = 200;

export interface RuleChangeEntry {
  studentNumber: string;
  studentName: string;
  itemCode: string;
  from: ItemStatus | null;
  to: ItemStatus;
  /** What the item's history will say: the waiver's or the policy's reason, else the rule change's note. */
  reason: LocalizedText;
}

export interface RuleChangeReport {
  cohortYear: number;
  /** Preview: the version to pass to applyRuleChange. Apply: the version the change created. */
  ruleSetVersion: number;
  applied: boolean;
  templateCode: string | null;
  /** Students with at least one item gained or changed (kept items do not count). */
  studentsAffected: number;
  effects: Record<RuleChangeEffect, { total: number; entries: RuleChangeEntry[] }>;
}

interface StudentEffects {
  student: { id: string; number: string; name: string };
  effects: (ItemEffect & { itemId: string | null; version: number })[];
}

interface PlannedChange {
  cohort: { id: string; year: number; ruleSetVersion: number };
  templates: ItemTemplate[];
  departments: Department[];
  students: StudentEffects[];
}

/** What the change would do, from the database as it is now; writes nothing. */
export async function previewRuleChange(services: Services, request: RuleChangeRequest): Promise<RuleChangeReport> {
  const planned = await planChange(services.db.prisma, request, false);
  return report(request, planned, planned.cohort.ruleSetVersion, false);
}

/**
 * Applies the change in one transaction: the cohort row is locked and its
 * version checked (CONFLICT when someone changed the rules since `expectedVersion`),
 * the template and contacts are written, the version bumped, and every student's
 * rule-made items brought in line with their history events. Decisions are
 * never touched. Events are published after the commit.
 */
export async function applyRuleChange(
  services: Services,
  request: RuleChangeRequest,
  expectedVersion: number,
  actorId: string | null,
): Promise<RuleChangeReport> {
  const { result, events } = await services.db.prisma.$transaction(
    async (tx) => {
      const planned = await planChange(tx, request, true, expectedVersion);
      const version = planned.cohort.ruleSetVersion + 1;
      await tx.cohort.update({ where: { id: planned.cohort.id }, data: { ruleSetVersion: version } });
      await writeRules(tx, request, planned, version);
      const result = report(request, planned, version, true);
      await tx.adminAction.create({
        data: {
          actorId,
          kind: 'RULE_CHANGE',
          payload: {
            cohortYear: planned.cohort.year,
            fromVersion: planned.cohort.ruleSetVersion,
            toVersion: version,
            change: request as unknown as Prisma.InputJsonValue,
            totals: Object.fromEntries(RULE_CHANGE_EFFECTS.map((effect) => [effect, result.effects[effect].total])),
          },
        },
      });
      const events = await writeItemChanges(tx, planned, actorId);
      return { result, events };
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
  publishItemEvents(services, events);
  return result;
}

async function planChange(tx: Tx, request: RuleChangeRequest, forUpdate: boolean, expectedVersion?: number): Promise<PlannedChange> {
  if (request.template === undefined && (request.departmentContacts ?? []).length === 0) {
    throw new AppError('INVALID_INPUT', { detail: 'a rule change needs a template or department contacts', field: 'input' });
  }
  const [cohort] = await tx.$queryRaw<{ id: string; year: number; ruleSetVersion: number }[]>`
    SELECT id, year, "ruleSetVersion" FROM "Cohort" WHERE year = ${request.cohortYear}
    ${forUpdate ? Prisma.sql`FOR UPDATE` : Prisma.empty}`;
  if (!cohort) throw new AppError('NOT_FOUND');
  if (expectedVersion !== undefined && expectedVersion !== cohort.ruleSetVersion) throw new AppError('CONFLICT');

  const { templates, departments } = validate(await currentRules(tx, cohort.id), request);
  const codeOfTemplate = new Map(
    (await tx.itemTemplate.findMany({ where: { cohortId: cohort.id }, select: { id: true, code: true } })).map((row) => [row.id, row.code]),
  );

  if (forUpdate) {
    // A deferral moving one of these students waits for this change (it locks the student FOR UPDATE),
    // while a decision's clearedAt update (FOR NO KEY UPDATE) does not: no lock-order cycle with either.
    await tx.$executeRaw`SELECT id FROM "Student" WHERE "cohortId" = ${cohort.id}::uuid ORDER BY id FOR KEY SHARE`;
  }
  const students = await tx.student.findMany({
    where: { cohortId: cohort.id },
    select: { id: true, number: true, name: true, category: true, dormitory: true, college: { select: { code: true } }, campus: { select: { code: true } } },
    orderBy: { number: 'asc' },
  });
  // Items in id order, as decisions lock them, so two writers never wait on each other in a cycle.
  const items = await tx.$queryRaw<
    { id: string; studentId: string; templateId: string; status: ItemStatus; source: DecisionSource | null; waiverCode: string | null; version: number }[]
  >`
    SELECT i.id, i."studentId", i."templateId", i.status::text AS status, i.source::text AS source, i."waiverCode", i.version
    FROM "ClearanceItem" i JOIN "Student" s ON s.id = i."studentId" AND s."cohortId" = i."cohortId"
    WHERE i."cohortId" = ${cohort.id}::uuid
    ORDER BY i.id
    ${forUpdate ? Prisma.sql`FOR UPDATE OF i` : Prisma.empty}`;
  const itemsByStudent = new Map<string, typeof items>();
  for (const item of items) {
    const sheet = itemsByStudent.get(item.studentId);
    if (sheet) sheet.push(item);
    else itemsByStudent.set(item.studentId, [item]);
  }

  const planned = students.flatMap((student): StudentEffects[] => {
    const current = (itemsByStudent.get(student.id) ?? []).map((item) => ({ ...item, code: codeOfTemplate.get(item.templateId)! }));
    const effects = planRuleChange(studentFacts(student), current, templates);
    if (effects.length === 0) return [];
    const byCode = new Map(current.map((item) => [item.code, item]));
    return [
      {
        student,
        effects: effects.map((effect) => ({ ...effect, itemId: byCode.get(effect.code)?.id ?? null, version: byCode.get(effect.code)?.version ?? 0 })),
      },
    ];
  });
  return { cohort, templates, departments, students: planned };
}

async function currentRules(tx: Tx, cohortId: string): Promise<CurrentRules> {
  const [campuses, colleges, departments, { domain: templates }] = await Promise.all([
    tx.campus.findMany({ orderBy: { code: 'asc' } }),
    tx.college.findMany({ orderBy: { code: 'asc' } }),
    tx.department.findMany({ include: { contacts: { include: { campus: true } } }, orderBy: { code: 'asc' } }),
    loadCohortTemplates(tx, cohortId),
  ]);
  return {
    campuses: campuses.map((campus) => ({ code: campus.code, name: { zh: campus.nameZh, en: campus.nameEn } })),
    colleges: colleges.map((college) => ({ code: college.code, name: { zh: college.nameZh, en: college.nameEn } })),
    departments: departments.map((department) => ({
      code: department.code,
      name: { zh: department.nameZh, en: department.nameEn },
      contacts: department.contacts.map((contact) => ({
        campusCode: contact.campus?.code ?? null,
        phone: contact.phone,
        office: { zh: contact.officeZh, en: contact.officeEn },
        hours: { zh: contact.hoursZh, en: contact.hoursEn },
      })),
    })),
    templates,
  };
}

function validate(current: CurrentRules, request: RuleChangeRequest) {
  try {
    return applyRuleChangeToRules(current, request);
  } catch (error) {
    if (!(error instanceof RuleChangeError)) throw error;
    const [first] = error.problems;
    throw new AppError('INVALID_RULE', {
      field: first?.path ?? 'input',
      detail: error.problems.map((problem) => `${problem.path}: ${problem.message}`).join('; '),
    });
  }
}

function report(request: RuleChangeRequest, planned: PlannedChange, ruleSetVersion: number, applied: boolean): RuleChangeReport {
  const effects = Object.fromEntries(
    RULE_CHANGE_EFFECTS.map((effect) => [effect, { total: 0, entries: [] as RuleChangeEntry[] }]),
  ) as RuleChangeReport['effects'];
  // Students come in student-number order and their effects in sequence order, so the lists are too.
  for (const { student, effects: studentEffects } of planned.students) {
    for (const effect of studentEffects) {
      const list = effects[effect.effect];
      list.total += 1;
      if (list.entries.length < MAX_LISTED_CHANGES) {
        list.entries.push({
          studentNumber: student.number,
          studentName: student.name,
          itemCode: effect.code,
          from: effect.from,
          to: effect.to,
          reason: historyReason(effect),
        });
      }
    }
  }
  return {
    cohortYear: planned.cohort.year,
    ruleSetVersion,
    applied,
    templateCode: changedTemplateCode(request),
    studentsAffected: planned.students.filter(({ effects: studentEffects }) => studentEffects.some((effect) => effect.effect !== 'KEPT')).length,
    effects,
  };
}

function historyReason(effect: ItemEffect): LocalizedText {
  return effect.reason ?? RULE_CHANGE_NOTES[effect.effect];
}

/** The code of the template the change adds or changes (validated by then), or null for a contacts-only change. */
function changedTemplateCode(request: RuleChangeRequest): string | null {
  const template = request.template;
  return typeof template === 'object' && template !== null && 'code' in template && typeof template.code === 'string' ? template.code : null;
}

/** Writes the changed template (the validated one) and the departments' new contacts. */
async function writeRules(tx: Prisma.TransactionClient, request: RuleChangeRequest, planned: PlannedChange, version: number) {
  const departmentIds = new Map((await tx.department.findMany({ select: { id: true, code: true } })).map((department) => [department.code, department.id]));
  const changed = planned.templates.find((template) => template.code === changedTemplateCode(request));
  if (changed !== undefined) {
    const data = templateData(changed, planned.cohort.id, departmentIds, version);
    await tx.itemTemplate.upsert({
      where: { cohortId_code: { cohortId: planned.cohort.id, code: changed.code } },
      create: data,
      // templateData leaves a missing policy out, which on an update would keep the old one.
      update: { ...data, autoApproval: changed.autoApproval === null ? Prisma.DbNull : (changed.autoApproval as unknown as Prisma.InputJsonValue) },
    });
  }
  const campusIds = new Map((await tx.campus.findMany({ select: { id: true, code: true } })).map((campus) => [campus.code, campus.id]));
  for (const { departmentCode } of request.departmentContacts ?? []) {
    const department = planned.departments.find((candidate) => candidate.code === departmentCode)!;
    const contacts = department.contacts.map((contact) => ({
      campusId: contact.campusCode === null ? null : campusIds.get(contact.campusCode)!,
      phone: contact.phone,
      officeZh: contact.office.zh,
      officeEn: contact.office.en,
      hoursZh: contact.hours.zh,
      hoursEn: contact.hours.en,
    }));
    await tx.department.update({ where: { code: departmentCode }, data: { contacts: { deleteMany: {}, create: contacts } } });
  }
}

interface WrittenChange {
  itemId: string;
  templateId: string;
  studentId: string;
  from: ItemStatus | null;
  effect: ItemEffect;
  version: number;
}

/** Creates gained items, updates changed ones, recomputes clearedAt and writes one event per item; returns the events to publish. */
async function writeItemChanges(tx: Prisma.TransactionClient, planned: PlannedChange, actorId: string | null): Promise<ItemChangedEvent[]> {
  const cohortId = planned.cohort.id;
  const templateIds = new Map((await tx.itemTemplate.findMany({ where: { cohortId }, select: { id: true, code: true } })).map((row) => [row.code, row.id]));
  const gained = planned.students.flatMap(({ student, effects }) =>
    effects.filter((effect) => effect.effect === 'GAINED').map((effect) => ({ student, effect })),
  );
  const updated = planned.students.flatMap(({ student, effects }) =>
    effects.filter((effect) => effect.effect !== 'GAINED' && effect.effect !== 'KEPT').map((effect) => ({ student, effect })),
  );
  const written: WrittenChange[] = [];

  if (gained.length > 0) {
    const now = new Date();
    const rows = gained.map(({ student, effect }) => ({
      id: uuidv7(now.getTime()),
      studentId: student.id,
      templateId: templateIds.get(effect.code)!,
      cohortId,
      status: effect.to,
      reason: effect.reason?.zh ?? null,
      waiverCode: effect.waiverCode,
      source: effect.source,
    }));
    await insertItems(tx, rows, utc(now));
    rows.forEach((row, index) => {
      written.push({ itemId: row.id, templateId: row.templateId, studentId: row.studentId, from: null, effect: gained[index]!.effect, version: 1 });
    });
  }

  if (updated.length > 0) {
    await updateRuleMadeItems(
      tx,
      updated.map(({ effect }) => ({
        id: effect.itemId!,
        to: effect.to,
        reason: effect.reason?.zh ?? null,
        source: effect.source,
        waiverCode: effect.waiverCode,
      })),
    );
    for (const { student, effect } of updated) {
      written.push({
        itemId: effect.itemId!,
        templateId: templateIds.get(effect.code)!,
        studentId: student.id,
        from: effect.from,
        effect,
        version: effect.version + 1,
      });
    }
  }
  if (written.length === 0) return [];

  return recordItemChanges(
    tx,
    written.map((change) => ({
      itemId: change.itemId,
      templateId: change.templateId,
      studentId: change.studentId,
      cohortId,
      from: change.from,
      to: change.effect.to,
      version: change.version,
      reason: historyReason(change.effect).zh,
      source: change.effect.source,
      actorReviewerId: actorId,
    })),
    { clearedAt: true, describe: true },
  );
}

import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { ApplicabilityRule, AutoApprovalPolicy, ItemTemplate, RequirementVariant, RuleSet, StudentFacts } from '../domain/index.js';

type Tx = Prisma.TransactionClient | PrismaClient;

/** A template row as stored, with its department code, read back into the domain shape. */
export type TemplateRow = Prisma.ItemTemplateGetPayload<{ include: { department: { select: { code: true } } } }>;

export function toDomainTemplate(row: TemplateRow): ItemTemplate {
  return {
    code: row.code,
    sequence: row.sequence,
    name: { zh: row.nameZh, en: row.nameEn },
    requirement: { zh: row.requirementZh, en: row.requirementEn },
    requirementVariants: row.requirementVariants as unknown as RequirementVariant[],
    departmentCode: row.department.code,
    scope: row.scope,
    applicability: row.applicability as unknown as ApplicabilityRule,
    prerequisites: row.prerequisites,
    autoApproval: (row.autoApproval as unknown as AutoApprovalPolicy | null) ?? null,
    active: row.active,
  };
}

export function studentFacts(student: {
  category: StudentFacts['category'];
  dormitory: StudentFacts['dormitory'];
  college: { code: string };
  campus: { code: string };
  deferred?: boolean;
}): StudentFacts {
  return {
    category: student.category,
    collegeCode: student.college.code,
    campusCode: student.campus.code,
    dormitory: student.dormitory,
    deferred: student.deferred ?? false,
  };
}

/**
 * Writes a rule set (reference data, cohort, templates, survey) in one transaction.
 * Reference rows are upserted by code so a second cohort shares departments and colleges.
 */
export async function installRuleSet(prisma: PrismaClient, ruleSet: RuleSet, cohortNames?: { zh: string; en: string }): Promise<string> {
  return prisma.$transaction(async (tx) => {
    for (const campus of ruleSet.campuses) {
      await tx.campus.upsert({
        where: { code: campus.code },
        create: { code: campus.code, nameZh: campus.name.zh, nameEn: campus.name.en },
        update: { nameZh: campus.name.zh, nameEn: campus.name.en },
      });
    }
    for (const college of ruleSet.colleges) {
      await tx.college.upsert({
        where: { code: college.code },
        create: { code: college.code, nameZh: college.name.zh, nameEn: college.name.en },
        update: { nameZh: college.name.zh, nameEn: college.name.en },
      });
    }
    const campusIds = new Map((await tx.campus.findMany()).map((c) => [c.code, c.id]));
    for (const department of ruleSet.departments) {
      const contacts = department.contacts.map((contact) => ({
        campusId: contact.campusCode ? campusIds.get(contact.campusCode)! : null,
        phone: contact.phone,
        officeZh: contact.office.zh,
        officeEn: contact.office.en,
        hoursZh: contact.hours.zh,
        hoursEn: contact.hours.en,
      }));
      await tx.department.upsert({
        where: { code: department.code },
        create: { code: department.code, nameZh: department.name.zh, nameEn: department.name.en, contacts: { create: contacts } },
        update: { nameZh: department.name.zh, nameEn: department.name.en, contacts: { deleteMany: {}, create: contacts } },
      });
    }
    const departmentIds = new Map((await tx.department.findMany()).map((d) => [d.code, d.id]));
    const helpZh = `${ruleSet.loginHelp.name.zh} ${ruleSet.loginHelp.phone}`;
    const helpEn = `${ruleSet.loginHelp.name.en} ${ruleSet.loginHelp.phone}`;
    const cohort = await tx.cohort.create({
      data: {
        year: ruleSet.cohortYear,
        nameZh: cohortNames?.zh ?? `${ruleSet.cohortYear}届毕业生`,
        nameEn: cohortNames?.en ?? `Class of ${ruleSet.cohortYear}`,
        ruleSetVersion: ruleSet.version,
        loginHelpZh: helpZh,
        loginHelpEn: helpEn,
      },
    });
    await tx.itemTemplate.createMany({ data: ruleSet.templates.map((template) => templateData(template, cohort.id, departmentIds, ruleSet.version)) });
    await tx.survey.create({
      data: {
        cohortId: cohort.id,
        titleZh: ruleSet.survey.title.zh,
        titleEn: ruleSet.survey.title.en,
        questions: ruleSet.survey.questions as unknown as Prisma.InputJsonValue,
      },
    });
    return cohort.id;
  });
}

export function templateData(
  template: ItemTemplate,
  cohortId: string,
  departmentIds: Map<string, string>,
  version: number,
): Prisma.ItemTemplateCreateManyInput {
  return {
    cohortId,
    code: template.code,
    sequence: template.sequence,
    nameZh: template.name.zh,
    nameEn: template.name.en,
    requirementZh: template.requirement.zh,
    requirementEn: template.requirement.en,
    requirementVariants: (template.requirementVariants ?? []) as unknown as Prisma.InputJsonValue,
    departmentId: departmentIds.get(template.departmentCode)!,
    scope: template.scope,
    applicability: template.applicability as unknown as Prisma.InputJsonValue,
    prerequisites: template.prerequisites,
    autoApproval: (template.autoApproval ?? undefined) as Prisma.InputJsonValue | undefined,
    active: template.active,
    ruleSetVersion: version,
  };
}

/**
 * The cohort row guards its rule set: applyRuleChange holds it FOR UPDATE while it
 * rewrites templates and sheets; whoever builds sheets from the templates holds it
 * FOR SHARE first, so they wait for a change in flight and then see it committed.
 */
export async function shareCohortRules(tx: Prisma.TransactionClient, cohortIds: readonly string[]): Promise<void> {
  if (cohortIds.length === 0) return;
  await tx.$queryRaw`SELECT id FROM "Cohort" WHERE id = ANY(${[...new Set(cohortIds)]}::uuid[]) ORDER BY id FOR SHARE`;
}

export async function loadCohortTemplates(tx: Tx, cohortId: string): Promise<{ rows: TemplateRow[]; domain: ItemTemplate[] }> {
  const rows = await tx.itemTemplate.findMany({ where: { cohortId }, include: { department: { select: { code: true } } }, orderBy: { sequence: 'asc' } });
  return { rows, domain: rows.map(toDomainTemplate) };
}

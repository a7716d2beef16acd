import { builder } from '../../builder.js';
import { ScopeKindEnum } from '../enums.js';
import { localized } from '../localized.js';

builder.prismaNode('Cohort', {
  description: 'A graduating class (届) with its own rule set.',
  id: { field: 'id' },
  fields: (t) => ({
    year: t.exposeInt('year'),
    name: t.string({ resolve: (cohort, _args, ctx) => localized(ctx, cohort.nameZh, cohort.nameEn) }),
    ruleSetVersion: t.exposeInt('ruleSetVersion'),
    loginHelp: t.string({ resolve: (cohort, _args, ctx) => localized(ctx, cohort.loginHelpZh, cohort.loginHelpEn) }),
    templates: t.relation('templates', {
      args: { includeInactive: t.arg.boolean({ defaultValue: false }) },
      query: (args) => ({ where: args.includeInactive ? {} : { active: true }, orderBy: { sequence: 'asc' } }),
    }),
  }),
});

builder.prismaNode('ItemTemplate', {
  description: "One item of a cohort's rule set; applicability, prerequisites and policy are data.",
  id: { field: 'id' },
  fields: (t) => ({
    code: t.exposeString('code'),
    sequence: t.exposeInt('sequence'),
    name: t.string({ resolve: (template, _args, ctx) => localized(ctx, template.nameZh, template.nameEn) }),
    nameZh: t.exposeString('nameZh'),
    nameEn: t.exposeString('nameEn'),
    requirement: t.string({ resolve: (template, _args, ctx) => localized(ctx, template.requirementZh, template.requirementEn) }),
    department: t.relation('department'),
    scope: t.field({ type: ScopeKindEnum, resolve: (template) => template.scope }),
    applicability: t.expose('applicability', { type: 'JSON' }),
    prerequisites: t.exposeStringList('prerequisites'),
    autoApproval: t.expose('autoApproval', { type: 'JSON', nullable: true }),
    active: t.exposeBoolean('active'),
    ruleSetVersion: t.exposeInt('ruleSetVersion'),
  }),
});

builder.queryFields((t) => ({
  cohorts: t.prismaField({
    type: ['Cohort'],
    skipTypeScopes: true,
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.cohort.findMany({ ...query, orderBy: { year: 'desc' } }),
  }),
  cohort: t.prismaField({
    type: 'Cohort',
    nullable: true,
    skipTypeScopes: true,
    args: { year: t.arg.int({ required: true }) },
    resolve: (query, _root, args, ctx) => ctx.db.prisma.cohort.findUnique({ ...query, where: { year: args.year } }),
  }),
}));

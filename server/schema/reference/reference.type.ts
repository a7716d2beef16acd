import { builder } from '../../builder.js';
import { localized } from '../localized.js';

builder.prismaNode('Campus', {
  id: { field: 'id' },
  fields: (t) => ({
    code: t.exposeString('code'),
    name: t.string({ resolve: (campus, _args, ctx) => localized(ctx, campus.nameZh, campus.nameEn) }),
    nameZh: t.exposeString('nameZh'),
    nameEn: t.exposeString('nameEn'),
  }),
});

builder.prismaNode('College', {
  description: 'A college or training unit (培养单位).',
  id: { field: 'id' },
  fields: (t) => ({
    code: t.exposeString('code'),
    name: t.string({ resolve: (college, _args, ctx) => localized(ctx, college.nameZh, college.nameEn) }),
    nameZh: t.exposeString('nameZh'),
    nameEn: t.exposeString('nameEn'),
  }),
});

builder.prismaNode('Department', {
  description: 'A clearance node (离校点): the department that reviews items.',
  id: { field: 'id' },
  fields: (t) => ({
    code: t.exposeString('code'),
    name: t.string({ resolve: (department, _args, ctx) => localized(ctx, department.nameZh, department.nameEn) }),
    nameZh: t.exposeString('nameZh'),
    nameEn: t.exposeString('nameEn'),
    contacts: t.relation('contacts', { query: { orderBy: { phone: 'asc' } } }),
  }),
});

builder.prismaObject('DepartmentContact', {
  description: 'How to reach a department; `campus` null means any campus.',
  fields: (t) => ({
    campus: t.relation('campus', { nullable: true }),
    phone: t.exposeString('phone', { nullable: true }),
    office: t.string({ resolve: (contact, _args, ctx) => localized(ctx, contact.officeZh, contact.officeEn) }),
    hours: t.string({ resolve: (contact, _args, ctx) => localized(ctx, contact.hoursZh, contact.hoursEn) }),
  }),
});

builder.queryFields((t) => ({
  campuses: t.prismaField({
    type: ['Campus'],
    skipTypeScopes: true,
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.campus.findMany({ ...query, orderBy: { code: 'asc' } }),
  }),
  colleges: t.prismaField({
    type: ['College'],
    skipTypeScopes: true,
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.college.findMany({ ...query, orderBy: { code: 'asc' } }),
  }),
  departments: t.prismaField({
    type: ['Department'],
    skipTypeScopes: true,
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.department.findMany({ ...query, orderBy: { code: 'asc' } }),
  }),
}));

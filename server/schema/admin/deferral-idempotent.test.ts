import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../testing/databases.js';
import type { TestServer } from '../../testing/server.js';
import { type clients, findStudents, openDemoServer } from '../../testing/demo.js';
import { graphql } from '../../testing/generated/index.js';
import { globalId } from '../../testing/ids.js';
import { success } from '../../testing/request.js';

const DEFER = graphql(`
  mutation DeferralIdempotentDeferStudent($id: ID!, $reason: String!, $from: Int!) {
    deferStudent(studentId: $id, reason: $reason, fromCohortYear: $from) {
      __typename
      ... on MutationDeferStudentSuccess { data { number cohort { year loginHelp } } }
      ... on Error { code }
    }
  }
`);

describe.each(BACKENDS)('deferStudent is idempotent (%s)', (backend) => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer({ backend })));
  afterAll(() => server?.close());

  it('repeating a deferral from 2020 defers once; a stale expected cohort answers CONFLICT', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'MARXISM' }, 1, 5);
    const admin = await api.staff('admin');
    const args = { id: globalId('Student', student!.id), reason: '申请延期，已获批准', from: 2020 };
    const first = await api.as(admin, DEFER, args);
    const again = await api.as(admin, DEFER, args);
    expect(success(first.data?.deferStudent).cohort.year).toBe(2021);
    expect(again.data?.deferStudent).toEqual(first.data?.deferStudent);
    expect(await server.db.prisma.deferral.count({ where: { studentId: student!.id } })).toBe(1);
    expect(await server.db.prisma.adminAction.count({ where: { kind: 'DEFER_STUDENT', payload: { path: ['studentId'], equals: student!.id } } })).toBe(1);

    const stale = await api.as(admin, DEFER, { ...args, from: 2019 });
    expect(stale.data?.deferStudent).toEqual({ __typename: 'DomainError', code: 'CONFLICT' });
  });

  it('gives a cohort created by a deferral the login help of the cohort the student came from', async () => {
    const [student] = await findStudents(server, { category: 'UNDERGRADUATE', collegeCode: 'MARXISM' }, 1, 6);
    const admin = await api.staff('admin');
    await api.as(admin, DEFER, { id: globalId('Student', student!.id), reason: '延期', from: 2020 });
    const twice = await api.as(admin, DEFER, { id: globalId('Student', student!.id), reason: '再次延期', from: 2021 });
    const from = await server.db.prisma.cohort.findUniqueOrThrow({ where: { year: 2020 } });
    expect(from.loginHelpZh).not.toBe('');
    expect(success(twice.data?.deferStudent).cohort).toEqual({ year: 2022, loginHelp: from.loginHelpZh });
    const created = await server.db.prisma.cohort.findUniqueOrThrow({ where: { year: 2022 } });
    expect([created.loginHelpZh, created.loginHelpEn]).toEqual([from.loginHelpZh, from.loginHelpEn]);
  });

  it('fills the empty login help of cohorts created before, from the newest cohort that has one', async () => {
    const migration = readFileSync(new URL('../../../prisma/migrations/20261201200100_deferral_cohort_login_help/migration.sql', import.meta.url), 'utf8');
    await server.db.prisma.cohort.upsert({
      where: { year: 2030 },
      create: { year: 2030, nameZh: '2030届毕业生', nameEn: 'Class of 2030' },
      update: { loginHelpZh: '', loginHelpEn: '' },
    });
    await server.db.sql.exec(migration);
    const source = await server.db.prisma.cohort.findFirstOrThrow({ where: { loginHelpZh: { not: '' }, year: { not: 2030 } }, orderBy: { year: 'desc' } });
    const filled = await server.db.prisma.cohort.findUniqueOrThrow({ where: { year: 2030 } });
    expect([filled.loginHelpZh, filled.loginHelpEn]).toEqual([source.loginHelpZh, source.loginHelpEn]);
    expect(await server.db.prisma.cohort.count({ where: { loginHelpZh: '' } })).toBe(0);
  });
});

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../testing/databases.js';
import type { TestServer } from '../testing/server.js';
import { type clients, openDemoServer } from '../testing/demo.js';
import { graphql } from '../testing/generated/index.js';

const TEMPLATE_NAMES = graphql(`
  query WordingTemplateNames { cohort(year: 2020) { templates { code nameZh nameEn } } }
`);

describe.each(BACKENDS)('names and wording a new user reads (%s)', (backend) => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer({ backend })));
  afterAll(() => server?.close());

  const sklName = async () => {
    const result = await api.as(await api.staff('admin'), TEMPLATE_NAMES);
    return result.data?.cohort?.templates.find((template) => template.code === 'SKL_TEST_FEE');
  };

  it('names SKL_TEST_FEE after the item (国家重点实验室测试费), not its department', async () => {
    expect(await sklName()).toEqual({ code: 'SKL_TEST_FEE', nameZh: '国家重点实验室测试费', nameEn: 'State Key Laboratory testing fees' });
  });

  it('corrects the name in a database installed before, and leaves a name an administrator chose', async () => {
    const migration = readFileSync(new URL('../../prisma/migrations/20261201200000_skl_test_fee_name/migration.sql', import.meta.url), 'utf8');
    await server.db.sql.exec(`UPDATE "ItemTemplate" SET "nameZh" = '国家重点实验室' WHERE code = 'SKL_TEST_FEE'`);
    await server.db.sql.exec(migration);
    expect((await sklName())?.nameZh).toBe('国家重点实验室测试费');
    await server.db.sql.exec(`UPDATE "ItemTemplate" SET "nameZh" = '测试费（重点实验室）' WHERE code = 'SKL_TEST_FEE'`);
    await server.db.sql.exec(migration);
    expect((await sklName())?.nameZh).toBe('测试费（重点实验室）');
  });
});

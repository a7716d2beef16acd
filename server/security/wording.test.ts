import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type clients, findStudents, itemOf, openDemoServer, ref } from '../testing/demo.js';
import type { TestServer } from '../testing/server.js';
import { graphql } from '../testing/generated/index.js';
import { success } from '../testing/request.js';

const APPROVE = graphql(`
  mutation WordingApprove($items: [ItemRefInput!]!) {
    approveItems(items: $items) {
      __typename
      ... on MutationApproveItemsSuccess { data { approved failed outcomes { ok error { code message } } } }
    }
  }
`);

describe('refusals say what happened, in the request language, with a code', () => {
  let server: TestServer;
  let api: ReturnType<typeof clients>;
  beforeAll(async () => ({ server, api } = await openDemoServer()));
  afterAll(() => server?.close());

  it('refuses a CSRF-style request with 403, extensions.code and a localized message', async () => {
    const get = (language?: string) =>
      fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { accept: 'application/json', ...(language ? { 'accept-language': language } : {}) },
      });
    const zh = await get();
    expect(zh.status).toBe(403);
    expect((await zh.json()).errors).toEqual([
      { message: '请求被拒绝（CSRF 防护）：浏览器可跨站发送的请求须带 x-graphql-yoga-csrf 请求头。', extensions: { code: 'CSRF_HEADER_REQUIRED' } },
    ]);
    const en = await get('en-GB,en;q=0.9');
    expect((await en.json()).errors[0]).toEqual({
      message: 'Request refused (CSRF protection): a request a browser could send cross-site needs the x-graphql-yoga-csrf header.',
      extensions: { code: 'CSRF_HEADER_REQUIRED' },
    });
  });

  it('tells a second supervisor that only the first supervisor reviews the item', async () => {
    const [student] = await findStudents(server, { category: 'POSTGRADUATE_DUAL', secondSupervisor: true }, 1);
    const item = await itemOf(server, student!.number, 'SUPERVISOR');
    const second = await api.staff(student!.secondSupervisor!.username);
    const report = success((await api.as(second, APPROVE, { items: [ref(item)] }, { 'accept-language': 'en' })).data?.approveItems);
    expect(report).toMatchObject({ approved: 0, failed: 1 });
    expect(report.outcomes[0]!.error).toEqual({
      code: 'FIRST_SUPERVISOR_ONLY',
      message: 'Only the first supervisor reviews this item: the second supervisor has nothing to do.',
    });
    const first = await api.staff(student!.firstSupervisor!.username);
    expect(success((await api.as(first, APPROVE, { items: [ref(item)] })).data?.approveItems)).toMatchObject({ approved: 1, failed: 0 });
  });
});

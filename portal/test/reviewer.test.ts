import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clients, INTEGRATION_TOKEN } from '../../server/testing/demo.js';
import { APPROVE } from '../../server/testing/documents.js';
import { graphql } from '../../server/testing/generated/index.js';
import { success } from '../../server/testing/request.js';
import { startTestServer, type TestServer } from '../../server/testing/server.js';
import { closeContexts, describeInBrowser, launchBrowser, originOnlyContext, SCREENSHOTS, type OriginOnly } from './browser.js';
import { DESKTOP, newPage, signIn, STAFF_PASSWORD } from './helpers.js';

const SYNC = graphql(`
  mutation PortalReviewerSync($key: String!, $results: [SyncResultInput!]!) {
    syncClearanceResults(idempotencyKey: $key, results: $results) {
      __typename
      ... on MutationSyncClearanceResultsSuccess { data { applied } }
      ... on DomainError { code message }
    }
  }
`);

describeInBrowser('reviewer batch decisions in the portal', () => {
  let server: TestServer;
  let browser: Browser;
  let desk: OriginOnly;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ demo: true }), launchBrowser()]);
    desk = await originOnlyContext(browser, server.origin, DESKTOP);
  });
  afterAll(async () => {
    await closeContexts(desk?.context);
    await browser?.close();
    await server?.close();
  });

  it('batch-approves three items while the library system rejects one of them: the conflict shows for that item only and a retry decides it', async () => {
    const page = await newPage(desk.context);
    await signIn(page, server.origin, 'library', STAFF_PASSWORD);
    await page.getByRole('heading', { name: '审核队列' }).waitFor();
    const rows = page.locator('tbody tr[data-item-id]');
    await rows.first().waitFor();
    const chosen = await rows.evaluateAll((elements) =>
      elements.slice(0, 3).map((row) => ({ id: row.getAttribute('data-item-id')!, student: row.getAttribute('data-student')! })),
    );
    expect(chosen).toHaveLength(3);
    for (const { id } of chosen) await page.locator(`tr[data-item-id="${id}"]`).getByRole('checkbox').check();
    const contested = chosen[1]!;

    // "Meanwhile": the library's own system rejects the middle item after the reviewer pressed approve, before the batch reaches the server.
    let synced = false;
    await page.route('**/graphql', async (route) => {
      if (!synced && route.request().postData()?.includes('ApproveItems')) {
        synced = true;
        const result = await server.gql(
          SYNC,
          {
            key: `portal-${Date.now()}`,
            results: [{ studentNumber: contested.student, status: 'REJECTED', reason: '有未归还图书', observedAt: new Date().toISOString() }],
          },
          { authorization: `Bearer ${INTEGRATION_TOKEN}` },
        );
        expect(success(result.data?.syncClearanceResults).applied).toBe(1);
      }
      await route.continue();
    });
    await page.getByTestId('approve').click();
    await expect(page.getByTestId('summary').textContent()).resolves.toBe('已处理 2 项，失败 1 项。');

    const errors = page.getByTestId('outcome-error');
    await expect(errors.count()).resolves.toBe(1);
    const contestedRow = page.locator(`tr[data-item-id="${contested.id}"]`);
    await expect(contestedRow.getByTestId('outcome-error').textContent()).resolves.toContain('冲突');
    for (const { id } of [chosen[0]!, chosen[2]!]) {
      await page.locator(`tr[data-item-id="${id}"]`).getByTestId('outcome-ok').waitFor();
      await expect(page.locator(`tr[data-item-id="${id}"] [data-status]`).getAttribute('data-status')).resolves.toBe('APPROVED');
    }
    // The reviewer sees what the other party did before retrying: the item is rejected now, with its reason.
    await expect.poll(() => contestedRow.locator('[data-status]').getAttribute('data-status'), { timeout: 5_000 }).toBe('REJECTED');
    await page.screenshot({ path: `${SCREENSHOTS}reviewer-conflict.png` });

    await contestedRow.getByTestId('retry').click();
    await contestedRow.getByTestId('outcome-ok').waitFor();
    await expect(contestedRow.locator('[data-status]').getAttribute('data-status')).resolves.toBe('APPROVED');
    const stored = await server.db.prisma.clearanceItem.findMany({
      where: { id: { in: chosen.map((item) => decodeGlobalID(item.id).id) } },
      select: { status: true },
    });
    expect(stored.map((item) => item.status)).toEqual(['APPROVED', 'APPROVED', 'APPROVED']);
    expect(desk.foreign).toEqual([]);
  });

  it('explains locked items and offers no checkbox for them', async () => {
    const page = await newPage(desk.context);
    await signIn(page, server.origin, 'library', STAFF_PASSWORD);
    await page.locator('tbody tr[data-item-id]').first().waitFor();
    await page.getByTestId('status-filter').selectOption('LOCKED');
    // Rows of the first (pending) page may still be there until the locked page arrives.
    await expect
      .poll(() => page.locator('tbody [data-status]').evaluateAll((badges) => badges.every((badge) => badge.getAttribute('data-status') === 'LOCKED')), {
        timeout: 5_000,
      })
      .toBe(true);
    const locked = page.locator('tbody tr[data-item-id]').first();
    await expect(locked.getByRole('checkbox').isDisabled()).resolves.toBe(true);
    await expect(locked.textContent()).resolves.toContain('前置事项未完成');
    await expect.poll(() => locked.textContent(), { timeout: 5_000 }).toMatch(/导师毕业条件审核|就业与人才培养质量调研问卷/);
  });

  it('shows a new item without a reload when a supervisor’s approval unlocks it', async () => {
    // A postgraduate's library item waits for the supervisor: the library's pending queue does not list it yet.
    const supervisorItem = await server.db.prisma.clearanceItem.findFirstOrThrow({
      where: { status: 'PENDING', template: { code: 'SUPERVISOR' }, student: { items: { some: { status: 'LOCKED', template: { code: 'LIBRARY' } } } } },
      select: { id: true, version: true, student: { select: { number: true, firstSupervisor: { select: { username: true } } } } },
    });
    const { number } = supervisorItem.student;
    const page = await newPage(desk.context);
    await signIn(page, server.origin, 'library', STAFF_PASSWORD);
    await page.getByTestId('search').fill(number);
    await page.getByText('没有符合条件的事项。').waitFor();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    const token = await clients(server).staff(supervisorItem.student.firstSupervisor!.username);
    const approved = await server.gql(
      APPROVE,
      { items: [{ id: encodeGlobalID('ClearanceItem', supervisorItem.id), expectedVersion: supervisorItem.version }] },
      { authorization: `Bearer ${token}` },
    );
    expect(success(approved.data?.approveItems).approved).toBe(1);

    await page.locator(`tr[data-student="${number}"][data-code="LIBRARY"] [data-status="PENDING"]`).waitFor({ timeout: 5_000 });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(desk.foreign).toEqual([]);
  });
});

import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clients } from '../../server/testing/demo.js';
import { APPROVE } from '../../server/testing/documents.js';
import { graphql } from '../../server/testing/generated/index.js';
import { success } from '../../server/testing/request.js';
import { startTestServer, type TestServer } from '../../server/testing/server.js';
import { closeContexts, describeInBrowser, launchBrowser, originOnlyContext, SCREENSHOTS, type OriginOnly } from './browser.js';
import { DESKTOP, newPage, signIn, STAFF_PASSWORD } from './helpers.js';

const FIRST_PENDING = graphql(`
  query PortalAdminFirstPending {
    reviewQueue(filter: { cohortYear: 2020, status: [PENDING] }, first: 1) { edges { node { id version } } }
  }
`);

describeInBrowser('admin portal', () => {
  let server: TestServer;
  let browser: Browser;
  let desk: OriginOnly;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ demo: true }), launchBrowser()]);
    desk = await originOnlyContext(browser, server.origin, { ...DESKTOP, acceptDownloads: true });
  });
  afterAll(async () => {
    await closeContexts(desk?.context);
    await browser?.close();
    await server?.close();
  });

  it('shows the cohort dashboard and its numbers change live after a decision', async () => {
    const page = await newPage(desk.context);
    await signIn(page, server.origin, 'admin', STAFF_PASSWORD);
    await page.getByRole('heading', { name: '管理' }).waitFor();
    const approvedLibrary = page.locator('[data-testid="items-table"] tr[data-code="LIBRARY"] td[data-col="approved"]');
    await approvedLibrary.waitFor();
    const before = Number(await approvedLibrary.textContent());
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    const token = await clients(server).staff('library');
    const queue = await server.gql(FIRST_PENDING, {}, { authorization: `Bearer ${token}` });
    const item = queue.data!.reviewQueue.edges[0]!.node;
    const decided = await server.gql(APPROVE, { items: [{ id: item.id, expectedVersion: item.version }] }, { authorization: `Bearer ${token}` });
    expect(success(decided.data?.approveItems).approved).toBe(1);

    // cohortStatsUpdated sends at most one event a second; the margin is for a loaded CI machine.
    await expect.poll(async () => Number(await approvedLibrary.textContent()), { timeout: 5_000, interval: 100 }).toBe(before + 1);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await page.locator('.chart svg').first().waitFor();
    await expect(page.getByTestId('oldest').locator('li').count()).resolves.toBeGreaterThan(0);
    await page.screenshot({ path: `${SCREENSHOTS}admin-dashboard.png` });
    expect(desk.foreign).toEqual([]);
  });

  it('shows an import dry run’s row errors and applies nothing', async () => {
    const page = await newPage(desk.context);
    await signIn(page, server.origin, 'admin', STAFF_PASSWORD);
    await page.getByRole('tab', { name: '导入导出' }).click();
    const studentsBefore = await server.db.prisma.student.count();
    const csv = [
      '学号,姓名,身份证号,类别,培养单位,校区,届',
      '209901001,新同学,420111199901011234,本科生,计算机学院,南望山校区,2020',
      '209901002,,420111199901015678,本科生,没有这个学院,南望山校区,2020',
    ].join('\r\n');
    await page.getByTestId('import-file').setInputFiles({ name: 'students.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await page.getByTestId('dry-run').click();
    const report = page.getByTestId('import-report');
    await report.waitFor();
    const errors = page.locator('[data-testid="import-problems"] tr[data-severity="ERROR"]');
    await expect(errors.count()).resolves.toBeGreaterThan(0);
    await expect(errors.first().locator('td').first().textContent()).resolves.toBe('3');
    await expect(page.getByTestId('import-not-applied').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('apply-import').isDisabled()).resolves.toBe(true);
    expect(await server.db.prisma.student.count()).toBe(studentsBefore);
    expect(await server.db.prisma.student.findUnique({ where: { number: '209901001' } })).toBeNull();
    await page.screenshot({ path: `${SCREENSHOTS}admin-import.png`, fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const exported = await readFile((await download.path())!, 'utf8');
    expect(exported.replace(/^\uFEFF/, '').split('\r\n')[0]).toContain('学号,姓名');
    expect(desk.foreign).toEqual([]);
  });

  it('defers a student, sends reminders, previews and applies a rule change', async () => {
    const page = await newPage(desk.context);
    await signIn(page, server.origin, 'admin', STAFF_PASSWORD);
    await page.getByRole('tab', { name: '学生事务' }).click();
    const student = await server.db.prisma.student.findFirstOrThrow({
      where: { cohort: { year: 2020 }, deferrals: { none: {} } },
      orderBy: { number: 'desc' },
      select: { number: true },
    });
    await page.getByLabel('学号').fill(student.number);
    await page.getByLabel('延期原因').fill('申请延期至2021年毕业');
    await page.getByRole('button', { name: '办理延期' }).click();
    await page.getByText(`${student.number} 已转入 2021 届。`).waitFor();
    await page.getByRole('button', { name: '发送提醒' }).click();
    await page.getByText(/已提醒 \d+ 名学生。/).waitFor();

    // Keyboard: the arrow keys move between the tabs.
    await page.getByRole('tab', { name: '学生事务' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByRole('tab', { name: '规则变更' }).getAttribute('aria-selected')).resolves.toBe('true');
    const versionBefore = (await server.db.prisma.cohort.findFirstOrThrow({ where: { year: 2020 }, select: { ruleSetVersion: true } })).ruleSetVersion;
    await page.getByLabel('事项代码').selectOption('CAREER');
    await page.getByLabel('启用').uncheck();
    await page.getByRole('button', { name: '预览影响' }).click();
    const report = page.getByTestId('rule-report');
    await report.getByText(/受影响学生 \d+ 人/).waitFor();
    expect((await server.db.prisma.cohort.findFirstOrThrow({ where: { year: 2020 }, select: { ruleSetVersion: true } })).ruleSetVersion).toBe(versionBefore);
    await page.getByRole('button', { name: '应用变更' }).click();
    await page.getByText(`已应用，规则版本 ${versionBefore + 1}。`).waitFor();
    expect(desk.foreign).toEqual([]);
  });
});

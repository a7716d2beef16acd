import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/testing/server.js';
import { closeContexts, describeInBrowser, launchBrowser, originOnlyContext, SCREENSHOTS, type OriginOnly } from './browser.js';
import { DESKTOP, freshStudent, newPage, PHONE, signIn, STAFF_PASSWORD, studentFirstVisit } from './helpers.js';

describeInBrowser('student portal, with a reviewer deciding live', () => {
  let server: TestServer;
  let browser: Browser;
  let phone: OriginOnly;
  let desk: OriginOnly;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ demo: true }), launchBrowser()]);
    [phone, desk] = await Promise.all([originOnlyContext(browser, server.origin, PHONE), originOnlyContext(browser, server.origin, DESKTOP)]);
  });
  afterAll(async () => {
    await closeContexts(phone?.context, desk?.context);
    await browser?.close();
    await server?.close();
  });

  it('signs in with the initial password, changes it, submits the survey, sees the sheet, and a reviewer’s approval within a second', async () => {
    const student = await freshStudent(server);
    const page = await newPage(phone.context);
    await studentFirstVisit(page, server.origin, student);

    // Phone-usable: nothing wider than the 390 px screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const library = page.locator('li[data-item="LIBRARY"]');
    await expect(library.locator('[data-status]').getAttribute('data-status')).resolves.toBe('PENDING');
    await expect(page.locator('li[data-item="SURVEY"] [data-status]').getAttribute('data-status')).resolves.toBe('APPROVED');
    // A locked item says what it waits for; every item names its requirement and, in its details, whom to contact.
    const locked = page.locator('li.item', { has: page.locator('[data-status="LOCKED"]') }).first();
    if (await locked.count()) await expect(locked.textContent()).resolves.toContain('须先完成');
    await library.getByText('详情').click();
    await expect(library.locator('.contact').textContent()).resolves.toContain('图书馆');
    const progressBefore = await page.getByTestId('progress-text').textContent();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    // The library reviewer, in a browser of their own, approves that student's library item.
    const reviewer = await newPage(desk.context);
    await signIn(reviewer, server.origin, 'library', STAFF_PASSWORD);
    await reviewer.getByRole('heading', { name: '审核队列' }).waitFor();
    await reviewer.getByTestId('search').fill(student.number);
    const row = reviewer.locator(`tr[data-student="${student.number}"][data-code="LIBRARY"]`);
    await row.getByRole('checkbox').check();
    await reviewer.getByTestId('approve').click();
    await row.getByTestId('outcome-ok').waitFor();
    const decidedAt = Date.now();

    await library.locator('[data-status="APPROVED"]').waitFor({ timeout: 1_000 });
    const seenAfterMs = Date.now() - decidedAt;
    expect(seenAfterMs).toBeLessThan(1_000);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await expect.poll(() => page.getByTestId('progress-text').textContent(), { timeout: 5_000 }).not.toBe(progressBefore);
    await expect.poll(() => library.locator('.history').textContent(), { timeout: 5_000 }).toContain('已通过');

    await page.screenshot({ path: `${SCREENSHOTS}student-sheet.png` });
    expect(phone.foreign).toEqual([]);
    expect(desk.foreign).toEqual([]);
  });

  it('shows a deferred student where they moved', async () => {
    const deferred = await server.db.prisma.student.findFirstOrThrow({ where: { deferrals: { some: {} } }, select: { id: true, number: true } });
    await server.db.prisma.credential.update({
      where: { studentId: deferred.id },
      data: { passwordHash: await hashed('Deferred#2021'), mustChangePassword: false },
    });
    const context = await originOnlyContext(browser, server.origin, PHONE);
    try {
      const page = await newPage(context.context);
      await signIn(page, server.origin, deferred.number, 'Deferred#2021');
      await page.locator('fieldset.question, [data-testid="deferred-to"]').first().waitFor();
      if (await page.locator('fieldset.question').count()) throw new Error('a deferred student was sent to the survey');
      await expect(page.getByTestId('deferred-to').textContent()).resolves.toContain('2021');
      expect(context.foreign).toEqual([]);
    } finally {
      await context.context.close();
    }
  });
});

async function hashed(password: string) {
  const { hashPassword } = await import('../../server/auth/password.js');
  return hashPassword(password);
}

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LOGOUT } from '../../server/testing/documents.js';
import { startTestServer, type TestServer } from '../../server/testing/server.js';
import { closeContexts, describeInBrowser, launchBrowser, originOnlyContext, type OriginOnly } from './browser.js';
import { DESKTOP, newPage, STAFF_PASSWORD } from './helpers.js';

describeInBrowser('portal basics: keyboard, focus, labels, language', () => {
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

  it('signs in with the keyboard alone, with a visible focus ring on the way', async () => {
    const page = await newPage(desk.context);
    await page.goto(`${server.origin}/`);
    await page.getByRole('heading', { name: '登录' }).waitFor();
    await page.locator('#login-username').focus();
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    await page.keyboard.type('library');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('login-password');
    await page.keyboard.type(STAFF_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '审核队列' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/review');

    // Every form control has an accessible name (a label, aria-label or aria-labelledby).
    await page.locator('tbody tr[data-item-id]').first().waitFor();
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((element) => {
          const labelled = (element as HTMLInputElement).labels?.length || element.getAttribute('aria-label') || element.getAttribute('aria-labelledby');
          return !labelled && !(element.textContent ?? '').trim();
        })
        .map((element) => element.outerHTML.slice(0, 120)),
    );
    expect(unnamed).toEqual([]);
    // Status is written out, not only coloured.
    await expect(page.locator('tbody [data-status]').first().textContent()).resolves.toMatch(/待审核|未开放|已通过|未通过|免办理/);
  });

  it('goes back to the sign-in page when the session is revoked elsewhere', async () => {
    const page = await newPage(desk.context);
    await page.goto(`${server.origin}/login`);
    await page.getByLabel('学号 / 用户名').fill('finance');
    await page.getByLabel('密码', { exact: true }).fill(STAFF_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('tbody tr[data-item-id]').first().waitFor();
    // Logging out anywhere revokes every token of the account and closes its sockets (4403).
    const token = await server.login('finance', STAFF_PASSWORD);
    const logout = await server.gql(LOGOUT, {}, { authorization: `Bearer ${token}` });
    expect(logout.errors).toBeUndefined();
    await page.getByRole('heading', { name: '登录' }).waitFor({ timeout: 10_000 });
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('switches to English and back, and keeps the choice', async () => {
    const page = await newPage(desk.context);
    await page.goto(`${server.origin}/login`);
    await page.getByRole('button', { name: '切换到英文' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    // Server messages follow the language too.
    await page.getByLabel('Student number / username').fill('library');
    await page.getByLabel('Password', { exact: true }).fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const message = (await page.getByRole('alert').textContent()) ?? '';
    expect(message).toMatch(/[A-Za-z]/);
    expect(message).not.toMatch(/[\u4e00-\u9fff]/);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('button', { name: 'Switch to Chinese' }).click();
    await page.getByRole('heading', { name: '登录' }).waitFor();
    expect(desk.foreign).toEqual([]);
  });
});

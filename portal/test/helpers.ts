import type { BrowserContext, Page } from 'playwright-core';
import { hashPassword, INITIAL_PASSWORD_COST, initialPasswordFromNationalId } from '../../server/auth/password.js';
import type { TestServer } from '../../server/testing/server.js';

export const STAFF_PASSWORD = 'Lixiao@2020';
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
export const DESKTOP = { viewport: { width: 1280, height: 860 } };

/**
 * A demo undergraduate of 2020 who has not signed in yet, with a known initial password
 * (made from an ID number the way the import makes it; the demo's own IDs are not stored).
 */
export async function freshStudent(server: TestServer, skip = 0) {
  const student = await server.db.prisma.student.findFirstOrThrow({
    where: { category: 'UNDERGRADUATE', cohort: { year: 2020 }, surveyCompletedAt: null, items: { some: { template: { code: 'LIBRARY' } } } },
    orderBy: { number: 'asc' },
    skip,
    select: { id: true, number: true, name: true },
  });
  const initialPassword = initialPasswordFromNationalId(`42011119990101${student.number.slice(-4)}`);
  await server.db.prisma.credential.update({
    where: { studentId: student.id },
    data: { passwordHash: await hashPassword(initialPassword, INITIAL_PASSWORD_COST), mustChangePassword: true },
  });
  return { ...student, initialPassword };
}

export async function signIn(page: Page, origin: string, username: string, password: string) {
  await page.goto(`${origin}/`);
  await page.getByLabel('学号 / 用户名').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}

/** The student's first visit: initial password, the forced change, the survey; ends on the sheet. */
export async function studentFirstVisit(page: Page, origin: string, student: { number: string; initialPassword: string }, newPassword = 'Graduate#2020') {
  await signIn(page, origin, student.number, student.initialPassword);
  await page.getByRole('heading', { name: '修改初始密码' }).waitFor();
  await page.getByLabel('当前密码').fill(student.initialPassword);
  await page.getByLabel('新密码', { exact: true }).fill(newPassword);
  await page.getByLabel('确认新密码').fill(newPassword);
  await page.getByRole('button', { name: '保存新密码' }).click();

  await page.locator('fieldset.question').first().waitFor();
  for (const question of await page.locator('fieldset.question').all()) {
    const choice = question.locator('input[type=radio], input[type=checkbox]').first();
    if (await choice.count()) await choice.check();
    else await question.locator('textarea').fill('感谢学校！');
  }
  await page.getByRole('button', { name: '提交问卷' }).click();
  await page.getByRole('heading', { name: '电子离校单' }).waitFor();
}

export async function newPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

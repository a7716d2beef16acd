import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../auth/password.js';
import { openDemoServer, STAFF_PASSWORD, STUDENT_PASSWORD } from '../testing/demo.js';
import { graphql } from '../testing/generated/index.js';
import { failure } from '../testing/request.js';
import type { TestServer } from '../testing/server.js';

const LOGIN = graphql(`
  mutation LocalLoginLogin($u: String!, $p: String!) {
    login(username: $u, password: $p) { __typename ... on MutationLoginSuccess { data { accessToken } } ... on Error { code message } }
  }
`);
const SIGN_IN_OPTIONS = graphql(`
  query LocalLoginSignInOptions { signInOptions { studentPasswordLogin staffPasswordLogin providers { kind } } }
`);

/** LOCAL_LOGIN turns password login off per role; the other role keeps it. */
describe.each([
  { setting: 'students:off', refused: 'student', allowed: 'staff' },
  { setting: 'staff:off,students:on', refused: 'staff', allowed: 'student' },
] as const)('LOCAL_LOGIN=$setting', ({ setting, refused, allowed }) => {
  let server: TestServer;
  let studentNumber: string;

  beforeAll(async () => {
    ({ server } = await openDemoServer({ env: { LOCAL_LOGIN: setting } }));
    const [student] = await server.db.prisma.student.findMany({ orderBy: { number: 'asc' }, take: 1 });
    studentNumber = student!.number;
    await server.db.prisma.credential.update({
      where: { studentId: student!.id },
      data: { passwordHash: await hashPassword(STUDENT_PASSWORD), mustChangePassword: false },
    });
  });
  afterAll(() => server?.close());

  const account = (role: 'student' | 'staff') => (role === 'student' ? { u: studentNumber, p: STUDENT_PASSWORD } : { u: 'library', p: STAFF_PASSWORD });
  const login = (variables: { u: string; p: string }, language = 'zh-CN') => server.gql(LOGIN, variables, { 'accept-language': language });

  it(`refuses the right password of a ${refused} with a typed error, in both languages`, async () => {
    const zh = await login(account(refused));
    expect(zh.data?.login).toMatchObject({
      __typename: 'DomainError',
      code: 'LOCAL_LOGIN_DISABLED',
      message: '本校已关闭该类账号的密码登录，请点击“统一身份认证登录”。',
    });
    const en = await login(account(refused), 'en');
    expect(failure(en.data?.login).message).toMatch(/^Password login is turned off/);
  });

  it(`answers a wrong password of a ${refused} as any wrong password (the switch reveals no account)`, async () => {
    const wrong = await login({ ...account(refused), p: 'not-the-password-1' });
    expect(wrong.data?.login).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it(`still logs a ${allowed} in`, async () => {
    const ok = await login(account(allowed));
    expect(ok.data?.login.__typename).toBe('MutationLoginSuccess');
  });

  it('tells the login page which roles may use passwords', async () => {
    const { data } = await server.gql(SIGN_IN_OPTIONS);
    expect(data?.signInOptions).toEqual({ studentPasswordLogin: refused !== 'student', staffPasswordLogin: refused !== 'staff', providers: [] });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, INITIAL_PASSWORD_COST, initialPasswordFromNationalId } from '../../auth/password.js';
import { LOGIN_POLICY } from '../../auth/throttle.js';
import { graphql } from '../../testing/generated/index.js';
import { failure, success } from '../../testing/request.js';
import { startTestServer, type TestServer } from '../../testing/server.js';

const LOGIN = graphql(`
  mutation PasswordLogin($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      __typename
      ... on MutationLoginSuccess { data { accessToken } }
      ... on DomainError { code message }
    }
  }
`);
const CHANGE = graphql(`
  mutation PasswordChange($current: String!, $next: String!) {
    changePassword(currentPassword: $current, newPassword: $next) {
      __typename
      ... on MutationChangePasswordSuccess { data { accessToken mustChangePassword } }
      ... on DomainError { code message }
    }
  }
`);
const NEW_PASSWORD = 'Good-pass-2026';

/** Calls from one client address (the server trusts one proxy). */
const from = (address: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': address, ...extra });

/** Puts a demo student back on the initial password of a national ID, as an import would. */
async function onInitialPassword(server: TestServer, number: string, nationalId: string) {
  const student = await server.db.prisma.student.findUniqueOrThrow({ where: { number } });
  await server.db.prisma.credential.update({
    where: { studentId: student.id },
    data: { passwordHash: await hashPassword(initialPasswordFromNationalId(nationalId), INITIAL_PASSWORD_COST), mustChangePassword: true },
  });
}

describe('changePassword', () => {
  let server: TestServer;
  const login = async (username: string, password: string, address: string) => {
    const answer = await server.gql(LOGIN, { username, password }, from(address));
    return answer.data!.login;
  };

  beforeAll(async () => {
    server = await startTestServer({ demo: true, env: { TRUST_PROXY: 'on' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('accepts the initial password spelled as at login: an ID ending in X typed with a lowercase x', async () => {
    await onInitialPassword(server, '201601004', '42011119990202456X');
    const session = await login('201601004', '02456x', '198.51.100.1');
    expect(session.__typename).toBe('MutationLoginSuccess');
    const changed = await server.gql(CHANGE, { current: '02456x', next: NEW_PASSWORD }, { authorization: `Bearer ${success(session).accessToken}` });
    expect(changed.data?.changePassword).toMatchObject({ __typename: 'MutationChangePasswordSuccess', data: { mustChangePassword: false } });
    expect((await login('201601004', NEW_PASSWORD, '198.51.100.1')).__typename).toBe('MutationLoginSuccess');
  });

  it('says the current password is wrong, in both languages', async () => {
    const token = await server.login('skl', 'Lixiao@2020');
    const zh = await server.gql(CHANGE, { current: 'not-it-1', next: NEW_PASSWORD }, { authorization: `Bearer ${token}` });
    expect(zh.data?.changePassword).toMatchObject({ code: 'CURRENT_PASSWORD_WRONG', message: '当前密码不正确。' });
    const en = await server.gql(CHANGE, { current: 'not-it-2', next: NEW_PASSWORD }, { authorization: `Bearer ${token}`, 'accept-language': 'en' });
    expect(en.data?.changePassword).toMatchObject({ code: 'CURRENT_PASSWORD_WRONG', message: 'The current password is wrong.' });
  });

  it('counts wrong current passwords like failed logins: guesses through aliases stop at the limit, and login is throttled too', async () => {
    const token = success(await login('equipment', 'Lixiao@2020', '198.51.100.2')).accessToken;
    const guesses = Array.from(
      { length: 15 },
      (_, i) => `g${i}: changePassword(currentPassword: "guess-${i}", newPassword: "${NEW_PASSWORD}") { ... on DomainError { code } }`,
    );
    // Text: the aliased document is generated, as an attacker's would be.
    const answer = await server.gqlText(`mutation { ${guesses.join('\n')} }`, undefined, from('198.51.100.2', { authorization: `Bearer ${token}` }));
    const codes = Object.values(answer.data as Record<string, { code: string }>).map((result) => result.code);
    expect(codes).toEqual([...Array(LOGIN_POLICY.pair.limit).fill('CURRENT_PASSWORD_WRONG'), ...Array(15 - LOGIN_POLICY.pair.limit).fill('LOGIN_LOCKED')]);
    const right = await server.gql(CHANGE, { current: 'Lixiao@2020', next: NEW_PASSWORD }, from('198.51.100.2', { authorization: `Bearer ${token}` }));
    expect(failure(right.data?.changePassword).code).toBe('LOGIN_LOCKED');
    expect(failure(await login('equipment', 'Lixiao@2020', '198.51.100.2')).code).toBe('LOGIN_LOCKED');
    // Only that address is held back.
    expect((await login('equipment', 'Lixiao@2020', '203.0.113.2')).__typename).toBe('MutationLoginSuccess');
  });
});

describe('login timing', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ demo: true, env: { TRUST_PROXY: 'on' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

  it('takes as long for unknown names, staff and students on their initial password (no account enumeration)', async () => {
    await onInitialPassword(server, '201601005', '420111199903034567');
    const kinds = { unknown: 'nobody-at-all', staff: 'finance', initial: '201601005' } as const;
    const times: Record<keyof typeof kinds, number[]> = { unknown: [], staff: [], initial: [] };
    // Interleaved, each from its own address, so load on the machine and the throttle treat every kind alike.
    for (let round = 0; round < 11; round++) {
      for (const [kind, username] of Object.entries(kinds) as [keyof typeof kinds, string][]) {
        const started = performance.now();
        const answer = await server.gql(LOGIN, { username, password: `wrong-${round}` }, from(`192.0.2.${round + 1}`));
        times[kind].push(performance.now() - started);
        expect(failure(answer.data?.login).code).toBe('INVALID_CREDENTIALS');
      }
    }
    const staff = median(times.staff);
    // Before, a student on the initial password answered in about a tenth of the time.
    for (const kind of ['unknown', 'initial'] as const) {
      expect(median(times[kind]) / staff, `${kind}: ${median(times[kind]).toFixed(1)} ms vs staff ${staff.toFixed(1)} ms`).toBeGreaterThan(0.6);
      expect(median(times[kind]) / staff, kind).toBeLessThan(1.7);
    }
  });
});

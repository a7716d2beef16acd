import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashPassword, INITIAL_PASSWORD_COST, initialPasswordFromNationalId } from '../../auth/password.js';
import { LOGIN_POLICY } from '../../auth/throttle.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { waitFor } from '../../testing/wait.js';

const LOGIN = `mutation ($u: String!, $p: String!) {
  login(username: $u, password: $p) {
    __typename
    ... on MutationLoginSuccess { data { accessToken refreshToken mustChangePassword accessTokenExpiresAt } }
    ... on DomainError { code message retryAfterSeconds }
  }
}`;
const CHANGE = `mutation ($c: String!, $n: String!) {
  changePassword(currentPassword: $c, newPassword: $n) {
    ... on MutationChangePasswordSuccess { data { accessToken refreshToken mustChangePassword } }
    ... on DomainError { code message }
  }
}`;
const VIEWER = '{ viewer { __typename ... on Student { number } ... on Reviewer { username roles } } }';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Gives a demo student a known national ID, as an import would. */
async function studentWithId(server: TestServer, number: string, nationalId: string) {
  const student = await server.db.prisma.student.findUniqueOrThrow({ where: { number }, include: { credential: true } });
  await server.db.prisma.credential.update({
    where: { id: student.credential!.id },
    data: { passwordHash: await hashPassword(initialPasswordFromNationalId(nationalId), INITIAL_PASSWORD_COST), mustChangePassword: true },
  });
  return student;
}

/** Opens a graphql-ws socket, runs `whileOpen` once acknowledged, and resolves with the close code. */
async function socketClosedWith(url: string, token: string | null, whileOpen?: () => Promise<void>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} })));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') void whileOpen?.().catch(reject);
    });
    socket.on('close', (code) => resolve(code));
    socket.on('error', reject);
  });
}

describe('authentication', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ demo: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('forces a student on the initial password to change it before anything else', async () => {
    const student = await studentWithId(server, '201601003', '42011119980101123x');
    const first = await server.gqlText(LOGIN, { u: '201601003', p: '01123X' });
    expect(first.data.login.__typename).toBe('MutationLoginSuccess');
    expect(first.data.login.data.mustChangePassword).toBe(true);
    const initialToken = first.data.login.data.accessToken;

    const lowercase = await server.gqlText(LOGIN, { u: '201601003', p: '01123x' });
    expect(lowercase.data.login.__typename).toBe('MutationLoginSuccess');

    const blocked = await server.gqlText(VIEWER, undefined, bearer(initialToken));
    expect(blocked.errors?.[0]?.extensions?.code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect(blocked.errors?.[0]?.message).toContain('修改初始密码');
    const blockedEn = await server.gqlText(VIEWER, undefined, { ...bearer(initialToken), 'accept-language': 'en' });
    expect(blockedEn.errors?.[0]?.message).toBe('Change your initial password before doing anything else.');

    for (const weak of ['short1!', 'onlyletters', '12345678901', '01123X', `201601003abc`]) {
      const answer = await server.gqlText(CHANGE, { c: '01123X', n: weak }, bearer(initialToken));
      expect(answer.data.changePassword.code, weak).toBe('WEAK_PASSWORD');
    }
    const wrongCurrent = await server.gqlText(CHANGE, { c: '999999', n: 'Good-pass-2020' }, bearer(initialToken));
    expect(wrongCurrent.data.changePassword.code).toBe('CURRENT_PASSWORD_WRONG');

    const changed = await server.gqlText(CHANGE, { c: '01123X', n: 'Good-pass-2020' }, bearer(initialToken));
    expect(changed.data.changePassword.data.mustChangePassword).toBe(false);
    const revoked = await server.gqlText(VIEWER, undefined, bearer(initialToken));
    expect(revoked.errors?.[0]?.extensions?.code).toBe('TOKEN_REVOKED');
    const me = await server.gqlText(VIEWER, undefined, bearer(changed.data.changePassword.data.accessToken));
    expect(me.data.viewer).toEqual({ __typename: 'Student', number: student.number });

    const credential = await server.db.prisma.credential.findUniqueOrThrow({ where: { studentId: student.id } });
    expect(credential.passwordHash).toMatch(/^scrypt\$15\$/);
    expect(credential.passwordHash).not.toContain('Good-pass-2020');
  });

  it('answers an unknown account exactly like a wrong password', async () => {
    const unknown = await server.gqlText(LOGIN, { u: 'nobody-here', p: 'whatever1' });
    const wrong = await server.gqlText(LOGIN, { u: 'finance', p: 'whatever1' });
    expect(unknown.data.login).toEqual(wrong.data.login);
    expect(wrong.data.login).toMatchObject({ code: 'INVALID_CREDENTIALS', message: '账号或密码错误。' });
  });

  it('locks this address out of an account after repeated failures, even for the right password, and says when to retry', async () => {
    for (let i = 0; i < LOGIN_POLICY.pair.limit; i++) {
      const attempt = await server.gqlText(LOGIN, { u: 'hospital', p: `wrong-${i}` });
      expect(attempt.data.login.code).toBe('INVALID_CREDENTIALS');
    }
    const locked = await server.gqlText(LOGIN, { u: 'hospital', p: 'Lixiao@2020' }, { 'accept-language': 'en' });
    expect(locked.data.login.code).toBe('LOGIN_LOCKED');
    expect(locked.data.login.retryAfterSeconds).toBeGreaterThan(LOGIN_POLICY.pair.penaltySeconds - 60);
    expect(locked.data.login.message).toMatch(/^Too many wrong passwords: try again in 15 min\./);
    const rows = await server.db.prisma.loginThrottle.findUniqueOrThrow({ where: { key: 'pair:hospital@127.0.0.1' } });
    expect(rows.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
  });

  it('counts brute force through aliases in one document', async () => {
    const aliases = Array.from({ length: 8 }, (_, i) => `a${i}: login(username: "equipment", password: "guess-${i}") { ... on DomainError { code } }`);
    const result = await server.gqlText(`mutation { ${aliases.join('\n')} }`);
    const codes = Object.values(result.data as Record<string, { code: string }>).map((answer) => answer.code);
    expect(codes.slice(0, LOGIN_POLICY.pair.limit)).toEqual(Array(LOGIN_POLICY.pair.limit).fill('INVALID_CREDENTIALS'));
    expect(codes.slice(LOGIN_POLICY.pair.limit)).toEqual(Array(8 - LOGIN_POLICY.pair.limit).fill('LOGIN_LOCKED'));
  });

  it('ends every session on logout, refresh tokens included', async () => {
    const login = await server.gqlText(LOGIN, { u: 'career', p: 'Lixiao@2020' });
    const { accessToken, refreshToken } = login.data.login.data;
    const refreshed = await server.gqlText(
      'mutation ($r: String!) { refreshSession(refreshToken: $r) { ... on MutationRefreshSessionSuccess { data { accessToken } } ... on DomainError { code } } }',
      { r: refreshToken },
    );
    const second = refreshed.data.refreshSession.data.accessToken;
    expect((await server.gqlText(VIEWER, undefined, bearer(second))).data.viewer).toMatchObject({ username: 'career' });
    expect((await server.gqlText('mutation { logout }', undefined, bearer(accessToken))).data.logout).toBe(true);
    for (const token of [accessToken, second]) {
      expect((await server.gqlText(VIEWER, undefined, bearer(token))).errors?.[0]?.extensions?.code).toBe('TOKEN_REVOKED');
    }
    const again = await server.gqlText('mutation ($r: String!) { refreshSession(refreshToken: $r) { ... on DomainError { code } } }', { r: refreshToken });
    expect(again.data.refreshSession.code).toBe('TOKEN_REVOKED');
    const accessAsRefresh = await server.gqlText('mutation ($r: String!) { refreshSession(refreshToken: $r) { ... on DomainError { code } } }', { r: second });
    expect(accessAsRefresh.data.refreshSession.code).toBe('TOKEN_INVALID');
  });

  it('accepts an integration API token and refuses a made-up one', async () => {
    const seeded = await server.db.prisma.reviewer.findUniqueOrThrow({ where: { username: 'library-sync' } });
    expect(seeded.apiTokenHash).toMatch(/^[0-9a-f]{64}$/);
    const fake = await server.gqlText(VIEWER, undefined, bearer('lxi_not-a-real-token'));
    expect(fake.errors?.[0]?.extensions?.code).toBe('TOKEN_INVALID');
    const garbage = await server.gqlText(VIEWER, undefined, bearer('not.a.jwt'));
    expect(garbage.errors?.[0]?.extensions?.code).toBe('TOKEN_INVALID');
  });

  it('refuses a socket with a bad token (4403) and closes open sockets on logout (4403)', async () => {
    expect(await socketClosedWith(server.wsUrl, 'not.a.jwt')).toBe(4403);

    const token = await server.login('skl', 'Lixiao@2020');
    const onLogout = await socketClosedWith(server.wsUrl, token, async () => {
      await server.gqlText('mutation { logout }', undefined, bearer(token));
    });
    expect(onLogout).toBe(4403);
  });
});

describe('short-lived access tokens', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ demo: true, env: { ACCESS_TOKEN_SECONDS: '2' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('expires access tokens', async () => {
    const token = await server.login('asset', 'Lixiao@2020');
    // Accepted until it expires, then refused as expired (not as anything else).
    const refusal = await waitFor(
      async () => (await server.gqlText(VIEWER, undefined, bearer(token))).errors?.[0]?.extensions?.code,
      10_000,
      'the token to be refused',
    );
    expect(refusal).toBe('TOKEN_EXPIRED');
  });

  it('closes an open socket with 4403 when its token expires', async () => {
    const shortLived = await server.login('skl', 'Lixiao@2020');
    const started = Date.now();
    expect(await socketClosedWith(server.wsUrl, shortLived)).toBe(4403);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

import { createHmac } from 'node:crypto';
import { type JWTHeaderParameters, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashPassword, INITIAL_PASSWORD_COST, initialPasswordFromNationalId } from '../../auth/password.js';
import { LOGIN_POLICY } from '../../auth/throttle.js';
import { LOGIN } from '../../testing/documents.js';
import { graphql } from '../../testing/generated/index.js';
import { failure, success } from '../../testing/request.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { waitFor } from '../../testing/wait.js';
import { TEST_JWT_SECRET as SECRET } from '../../testing/keys.js';

const CHANGE = graphql(`
  mutation AuthChangePassword($current: String!, $next: String!) {
    changePassword(currentPassword: $current, newPassword: $next) {
      __typename
      ... on MutationChangePasswordSuccess { data { accessToken refreshToken mustChangePassword } }
      ... on DomainError { code message }
    }
  }
`);
const VIEWER = graphql(`
  query AuthViewer { viewer { __typename ... on Student { number } ... on Reviewer { username roles } } }
`);
const REFRESH = graphql(`
  mutation AuthRefresh($refreshToken: String!) {
    refreshSession(refreshToken: $refreshToken) {
      __typename
      ... on MutationRefreshSessionSuccess { data { accessToken } }
      ... on DomainError { code }
    }
  }
`);
const REFRESH_REFUSAL = graphql(`
  mutation AuthRefreshRefusal($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { __typename ... on DomainError { code } } }
`);
const LOGOUT = graphql(`
  mutation AuthLogout { logout }
`);
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
    const first = await server.gql(LOGIN, { username: '201601003', password: '01123X' });
    expect(first.data?.login.__typename).toBe('MutationLoginSuccess');
    expect(success(first.data?.login).mustChangePassword).toBe(true);
    const initialToken = success(first.data?.login).accessToken;

    const lowercase = await server.gql(LOGIN, { username: '201601003', password: '01123x' });
    expect(lowercase.data?.login.__typename).toBe('MutationLoginSuccess');

    const blocked = await server.gql(VIEWER, {}, bearer(initialToken));
    expect(blocked.errors?.[0]?.extensions?.code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect(blocked.errors?.[0]?.message).toContain('修改初始密码');
    const blockedEn = await server.gql(VIEWER, {}, { ...bearer(initialToken), 'accept-language': 'en' });
    expect(blockedEn.errors?.[0]?.message).toBe('Change your initial password before doing anything else.');

    for (const weak of ['short1!', 'onlyletters', '12345678901', '01123X', `201601003abc`]) {
      const answer = await server.gql(CHANGE, { current: '01123X', next: weak }, bearer(initialToken));
      expect(failure(answer.data?.changePassword).code, weak).toBe('WEAK_PASSWORD');
    }
    const wrongCurrent = await server.gql(CHANGE, { current: '999999', next: 'Good-pass-2020' }, bearer(initialToken));
    expect(failure(wrongCurrent.data?.changePassword).code).toBe('CURRENT_PASSWORD_WRONG');

    const changed = success((await server.gql(CHANGE, { current: '01123X', next: 'Good-pass-2020' }, bearer(initialToken))).data?.changePassword);
    expect(changed.mustChangePassword).toBe(false);
    const revoked = await server.gql(VIEWER, {}, bearer(initialToken));
    expect(revoked.errors?.[0]?.extensions?.code).toBe('TOKEN_REVOKED');
    const me = await server.gql(VIEWER, {}, bearer(changed.accessToken));
    expect(me.data?.viewer).toEqual({ __typename: 'Student', number: student.number });

    const credential = await server.db.prisma.credential.findUniqueOrThrow({ where: { studentId: student.id } });
    expect(credential.passwordHash).toMatch(/^scrypt\$15\$/);
    expect(credential.passwordHash).not.toContain('Good-pass-2020');
  });

  it('answers an unknown account exactly like a wrong password', async () => {
    const unknown = await server.gql(LOGIN, { username: 'nobody-here', password: 'whatever1' });
    const wrong = await server.gql(LOGIN, { username: 'finance', password: 'whatever1' });
    expect(unknown.data?.login).toEqual(wrong.data?.login);
    expect(wrong.data?.login).toMatchObject({ code: 'INVALID_CREDENTIALS', message: '账号或密码错误。' });
  });

  it('locks this address out of an account after repeated failures, even for the right password, and says when to retry', async () => {
    for (let i = 0; i < LOGIN_POLICY.pair.limit; i++) {
      const attempt = await server.gql(LOGIN, { username: 'hospital', password: `wrong-${i}` });
      expect(failure(attempt.data?.login).code).toBe('INVALID_CREDENTIALS');
    }
    const locked = failure((await server.gql(LOGIN, { username: 'hospital', password: 'Lixiao@2020' }, { 'accept-language': 'en' })).data?.login);
    expect(locked.code).toBe('LOGIN_LOCKED');
    expect(locked.retryAfterSeconds).toBeGreaterThan(LOGIN_POLICY.pair.penaltySeconds - 60);
    expect(locked.message).toMatch(/^Too many wrong passwords: try again in 15 min\./);
    const rows = await server.db.prisma.loginThrottle.findUniqueOrThrow({ where: { key: 'pair:hospital@127.0.0.1' } });
    expect(rows.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
  });

  it('counts brute force through aliases in one document', async () => {
    const aliases = Array.from({ length: 8 }, (_, i) => `a${i}: login(username: "equipment", password: "guess-${i}") { ... on DomainError { code } }`);
    // Text: the aliased document is generated, as an attacker's would be.
    const result = await server.gqlText(`mutation { ${aliases.join('\n')} }`);
    const codes = Object.values(result.data as Record<string, { code: string }>).map((answer) => answer.code);
    expect(codes.slice(0, LOGIN_POLICY.pair.limit)).toEqual(Array(LOGIN_POLICY.pair.limit).fill('INVALID_CREDENTIALS'));
    expect(codes.slice(LOGIN_POLICY.pair.limit)).toEqual(Array(8 - LOGIN_POLICY.pair.limit).fill('LOGIN_LOCKED'));
  });

  it('ends every session on logout, refresh tokens included', async () => {
    const login = await server.gql(LOGIN, { username: 'career', password: 'Lixiao@2020' });
    const { accessToken, refreshToken } = success(login.data?.login);
    const refreshed = await server.gql(REFRESH, { refreshToken });
    const second = success(refreshed.data?.refreshSession).accessToken;
    expect((await server.gql(VIEWER, {}, bearer(second))).data?.viewer).toMatchObject({ username: 'career' });
    expect((await server.gql(LOGOUT, {}, bearer(accessToken))).data?.logout).toBe(true);
    for (const token of [accessToken, second]) {
      expect((await server.gql(VIEWER, {}, bearer(token))).errors?.[0]?.extensions?.code).toBe('TOKEN_REVOKED');
    }
    const again = await server.gql(REFRESH_REFUSAL, { refreshToken });
    expect(failure(again.data?.refreshSession).code).toBe('TOKEN_REVOKED');
    const accessAsRefresh = await server.gql(REFRESH_REFUSAL, { refreshToken: second });
    expect(failure(accessAsRefresh.data?.refreshSession).code).toBe('TOKEN_INVALID');
  });

  it('accepts an integration API token and refuses a made-up one', async () => {
    const seeded = await server.db.prisma.reviewer.findUniqueOrThrow({ where: { username: 'library-sync' } });
    expect(seeded.apiTokenHash).toMatch(/^[0-9a-f]{64}$/);
    const fake = await server.gql(VIEWER, {}, bearer('lxi_not-a-real-token'));
    expect(fake.errors?.[0]?.extensions?.code).toBe('TOKEN_INVALID');
    const garbage = await server.gql(VIEWER, {}, bearer('not.a.jwt'));
    expect(garbage.errors?.[0]?.extensions?.code).toBe('TOKEN_INVALID');
  });

  it('accepts only tokens exactly as it signs them', async () => {
    const token = await server.login('career', 'Lixiao@2020');
    const [header, body, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const sign = (payload: Record<string, unknown>, secret: string, protectedHeader: JWTHeaderParameters = { alg: 'HS256' }) =>
      new SignJWT(payload).setProtectedHeader(protectedHeader).sign(new TextEncoder().encode(secret));
    const codeFor = async (presented: string) => (await server.gql(VIEWER, {}, bearer(presented))).errors?.[0]?.extensions?.code ?? 'OK';

    expect(await codeFor(token)).toBe('OK');
    expect(await codeFor(await sign(claims, SECRET))).toBe('OK');
    const forged = {
      'another secret': await sign(claims, 'another-secret-another-secret-another!'),
      'another algorithm': await sign(claims, SECRET, { alg: 'HS512' }),
      'an extra header': await sign(claims, SECRET, { alg: 'HS256', typ: 'JWT' }),
      'alg none': `${Buffer.from('{"alg":"none"}').toString('base64url')}.${body}.`,
      'a changed claim': `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}.${signature}`,
      'padded signature': `${token}=`,
      'another issuer': await sign({ ...claims, iss: 'someone-else' }, SECRET),
      'a refresh token': await sign({ ...claims, use: 'refresh' }, SECRET),
      'no expiry': await sign(Object.fromEntries(Object.entries(claims).filter(([key]) => key !== 'exp')), SECRET),
      'a payload that is not an object': `${header}.${Buffer.from('[1]').toString('base64url')}.${createHmac('sha256', SECRET)
        .update(`${header}.${Buffer.from('[1]').toString('base64url')}`)
        .digest('base64url')}`,
    };
    for (const [what, presented] of Object.entries(forged)) expect([what, await codeFor(presented)]).toEqual([what, 'TOKEN_INVALID']);
    expect(await codeFor(await sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 1 }, SECRET))).toBe('TOKEN_EXPIRED');
  });

  it('refuses a socket with a bad token (4403) and closes open sockets on logout (4403)', async () => {
    expect(await socketClosedWith(server.wsUrl, 'not.a.jwt')).toBe(4403);

    const token = await server.login('skl', 'Lixiao@2020');
    const onLogout = await socketClosedWith(server.wsUrl, token, async () => {
      await server.gql(LOGOUT, {}, bearer(token));
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
    const refusal = await waitFor(async () => (await server.gql(VIEWER, {}, bearer(token))).errors?.[0]?.extensions?.code, 10_000, 'the token to be refused');
    expect(refusal).toBe('TOKEN_EXPIRED');
  });

  it('closes an open socket with 4403 when its token expires', async () => {
    const shortLived = await server.login('skl', 'Lixiao@2020');
    const started = Date.now();
    expect(await socketClosedWith(server.wsUrl, shortLived)).toBe(4403);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_POLICY } from '../../auth/throttle.js';
import { BACKENDS } from '../../testing/databases.js';
import { LOGIN } from '../../testing/documents.js';
import { failure } from '../../testing/request.js';
import { startTestServer, type TestServer } from '../../testing/server.js';

const STAFF_PASSWORD = 'Lixiao@2020';

/** The test server trusts one proxy (TRUST_PROXY=on), so each call says which client address it comes from. */
const from = (address: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': address, ...extra });

describe.each(BACKENDS)('password attempts on %s', (backend) => {
  let server: TestServer;
  const login = (username: string, password: string, address: string, extra?: Record<string, string>) =>
    server.gql(LOGIN, { username, password }, from(address, extra)).then((result) => result.data!.login);

  beforeAll(async () => {
    server = await startTestServer({ backend, demo: true, env: { TRUST_PROXY: 'on' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('verifies at most the limit of 100 concurrent wrong passwords for one account from one address', async () => {
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => login('library', `wrong-${i}`, '198.51.100.10')));
    const codes = answers.map((answer) => failure(answer).code);
    expect(codes.filter((code) => code === 'INVALID_CREDENTIALS')).toHaveLength(LOGIN_POLICY.pair.limit);
    expect(codes.filter((code) => code === 'LOGIN_LOCKED')).toHaveLength(100 - LOGIN_POLICY.pair.limit);
  });

  it('slows one address down for that account only: the owner elsewhere still logs in (no lockout for everyone)', async () => {
    for (let i = 0; i < LOGIN_POLICY.pair.limit + 2; i++) await login('finance', `guess-${i}`, '198.51.100.20');
    const attacker = failure(await login('finance', STAFF_PASSWORD, '198.51.100.20'));
    expect(attacker).toMatchObject({ code: 'LOGIN_LOCKED', message: expect.stringMatching(/^密码错误次数过多，请 15 分钟后再试。/) });
    expect(attacker.retryAfterSeconds).toBeGreaterThan(LOGIN_POLICY.pair.penaltySeconds - 60);
    const english = failure(await login('finance', STAFF_PASSWORD, '198.51.100.20', { 'accept-language': 'en' }));
    expect(english.message).toMatch(/^Too many wrong passwords: try again in 15 min\./);

    const owner = await login('finance', STAFF_PASSWORD, '203.0.113.20');
    expect(owner.__typename).toBe('MutationLoginSuccess');
    // The attacker's address may still try other accounts.
    expect(failure(await login('career', 'wrong', '198.51.100.20')).code).toBe('INVALID_CREDENTIALS');
  });

  it('counts an IPv6 client by its /64 network, so stepping through its addresses gains nothing', async () => {
    for (let i = 1; i <= LOGIN_POLICY.pair.limit; i++)
      expect(failure(await login('hospital', `guess-${i}`, `2001:db8:1:2::${i}`)).code).toBe('INVALID_CREDENTIALS');
    expect(failure(await login('hospital', 'guess-6', '2001:db8:1:2:ffff::6')).code).toBe('LOGIN_LOCKED');
    expect((await login('hospital', STAFF_PASSWORD, '2001:db8:1:3::1')).__typename).toBe('MutationLoginSuccess');
  });

  it('holds guesses spread over many addresses to one every 30 seconds for the account, never locking it for long', async () => {
    const perAddress = LOGIN_POLICY.pair.limit;
    const addresses = Math.ceil(LOGIN_POLICY.account.limit / perAddress);
    for (let a = 0; a < addresses; a++) {
      for (let i = 0; i < perAddress; i++) expect(failure(await login('asset', `guess-${a}-${i}`, `192.0.2.${a + 1}`)).code).toBe('INVALID_CREDENTIALS');
    }
    const slowed = failure(await login('asset', STAFF_PASSWORD, '203.0.113.30'));
    expect(slowed.code).toBe('LOGIN_LOCKED');
    expect(slowed.retryAfterSeconds).toBeLessThanOrEqual(LOGIN_POLICY.account.penaltySeconds);
    expect(slowed.message).toMatch(/请 1 分钟后再试/);
  });

  it('takes the address the trusted proxy saw, so client-written X-Forwarded-For entries do not escape the address limit', async () => {
    for (let i = 0; i < LOGIN_POLICY.address.limit; i++) {
      expect(failure(await login(`spray-${i}`, 'password1', `10.${i}.0.1, 203.0.113.40`)).code).toBe('INVALID_CREDENTIALS');
    }
    expect(failure(await login('someone-new', 'password1', '10.250.0.1, 203.0.113.40')).code).toBe('LOGIN_LOCKED');
    expect(failure(await login('someone-new', 'password1', '10.250.0.1, 203.0.113.41')).code).toBe('INVALID_CREDENTIALS');

    // A locked sender trying new names is refused without a trace: the counters do not grow.
    const counters = await server.db.prisma.loginThrottle.count();
    for (let i = 0; i < 10; i++) expect(failure(await login(`never-seen-${i}`, 'password1', '203.0.113.40')).code).toBe('LOGIN_LOCKED');
    expect(await server.db.prisma.loginThrottle.count()).toBe(counters);
  });

  it('forgets counters whose window and penalty are over', async () => {
    const longAgo = new Date(Date.now() - 2 * LOGIN_POLICY.windowSeconds * 1000);
    await server.db.prisma.loginThrottle.create({ data: { key: 'account:long-gone', failures: 3, windowStartsAt: longAgo } });
    await server.db.prisma.loginThrottle.create({
      data: { key: 'account:still-held', failures: 30, windowStartsAt: longAgo, lockedUntil: new Date(Date.now() + 60_000) },
    });
    expect((await login('skl', STAFF_PASSWORD, '203.0.113.60')).__typename).toBe('MutationLoginSuccess');
    expect(await server.db.prisma.loginThrottle.findUnique({ where: { key: 'account:long-gone' } })).toBeNull();
    expect(await server.db.prisma.loginThrottle.findUnique({ where: { key: 'account:still-held' } })).not.toBeNull();
  });
});

describe('without TRUST_PROXY', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('ignores X-Forwarded-For: every attempt counts against the connecting address', async () => {
    for (let i = 0; i < LOGIN_POLICY.address.limit; i++) {
      const answer = await server.gql(LOGIN, { username: `spray-${i}`, password: 'password1' }, from(`198.51.100.${i}`));
      expect(failure(answer.data?.login).code).toBe('INVALID_CREDENTIALS');
    }
    const next = await server.gql(LOGIN, { username: 'someone-new', password: 'password1' }, from('203.0.113.50'));
    expect(failure(next.data?.login).code).toBe('LOGIN_LOCKED');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../testing/databases.js';
import { startTestServer, type TestServer } from '../../testing/server.js';

const LOGIN = `mutation ($u: String!, $p: String!) {
  login(username: $u, password: $p) { ... on MutationLoginSuccess { data { accessToken refreshToken } } ... on DomainError { code } }
}`;
const REFRESH = `mutation ($r: String!) {
  refreshSession(refreshToken: $r) {
    __typename
    ... on MutationRefreshSessionSuccess { data { accessToken refreshToken } }
    ... on DomainError { code message }
  }
}`;
const VIEWER = '{ viewer { ... on Reviewer { name } } }';

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

describe.each(BACKENDS)('refresh token rotation on %s', (backend) => {
  let server: TestServer;
  const login = async (username: string): Promise<Tokens> => (await server.gqlText(LOGIN, { u: username, p: 'Lixiao@2020' })).data.login.data;
  const refresh = async (refreshToken: string) => (await server.gqlText(REFRESH, { r: refreshToken })).data.refreshSession;
  /** null when the access token works, else the refusal's code. */
  const refusal = async (accessToken: string) =>
    (await server.gqlText(VIEWER, undefined, { authorization: `Bearer ${accessToken}` })).errors?.[0]?.extensions?.code ?? null;

  beforeAll(async () => {
    server = await startTestServer({ backend, demo: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('rotates on use; an old refresh token coming back ends that session only, access tokens included', async () => {
    const laptop = await login('library');
    const phone = await login('library');

    const first = await refresh(laptop.refreshToken);
    expect(first.__typename).toBe('MutationRefreshSessionSuccess');
    expect(first.data.refreshToken).not.toBe(laptop.refreshToken);
    const second = await refresh(first.data.refreshToken);
    expect(second.__typename).toBe('MutationRefreshSessionSuccess');
    expect(await refusal(second.data.accessToken)).toBeNull();

    // The laptop's first refresh token was copied and comes back: the whole laptop session ends.
    const reused = await refresh(laptop.refreshToken);
    expect(reused).toMatchObject({ code: 'REFRESH_TOKEN_REUSED', message: expect.stringContaining('已被他人复制') });
    expect((await refresh(second.data.refreshToken)).code).toBe('TOKEN_REVOKED');
    for (const token of [laptop.accessToken, first.data.accessToken, second.data.accessToken]) expect(await refusal(token)).toBe('TOKEN_REVOKED');

    // The phone's session is another family and carries on.
    expect(await refusal(phone.accessToken)).toBeNull();
    const phoneNext = await refresh(phone.refreshToken);
    expect(phoneNext.__typename).toBe('MutationRefreshSessionSuccess');
    expect(await refusal(phoneNext.data.accessToken)).toBeNull();
  });

  it('answers the same refresh token presented twice at once with at most one new session', async () => {
    const session = await login('finance');
    const answers = await Promise.all(Array.from({ length: 5 }, () => refresh(session.refreshToken)));
    const winners = answers.filter((answer) => answer.__typename === 'MutationRefreshSessionSuccess');
    expect(winners.length).toBeLessThanOrEqual(1);
    expect(answers.filter((answer) => answer.code === 'REFRESH_TOKEN_REUSED').length).toBeGreaterThanOrEqual(4);
    // Two holders of one token: the session is over for both.
    for (const winner of winners) expect(await refusal(winner.data.accessToken)).toBe('TOKEN_REVOKED');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../testing/databases.js';
import { LOGIN } from '../../testing/documents.js';
import { graphql } from '../../testing/generated/index.js';
import { failure, success } from '../../testing/request.js';
import { startTestServer, type TestServer } from '../../testing/server.js';

const REFRESH = graphql(`
  mutation RefreshTestRefresh($refreshToken: String!) {
    refreshSession(refreshToken: $refreshToken) {
      __typename
      ... on MutationRefreshSessionSuccess { data { accessToken refreshToken } }
      ... on DomainError { code message }
    }
  }
`);
const VIEWER = graphql(`
  query RefreshTestViewer { viewer { ... on Reviewer { name } } }
`);

describe.each(BACKENDS)('refresh token rotation on %s', (backend) => {
  let server: TestServer;
  const login = async (username: string) => success((await server.gql(LOGIN, { username, password: 'Lixiao@2020' })).data?.login);
  const refresh = async (refreshToken: string) => (await server.gql(REFRESH, { refreshToken })).data!.refreshSession;
  /** null when the access token works, else the refusal's code. */
  const refusal = async (accessToken: string) =>
    (await server.gql(VIEWER, {}, { authorization: `Bearer ${accessToken}` })).errors?.[0]?.extensions?.code ?? null;

  beforeAll(async () => {
    server = await startTestServer({ backend, demo: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('rotates on use; an old refresh token coming back ends that session only, access tokens included', async () => {
    const laptop = await login('library');
    const phone = await login('library');

    const first = success(await refresh(laptop.refreshToken));
    expect(first.refreshToken).not.toBe(laptop.refreshToken);
    const second = success(await refresh(first.refreshToken));
    expect(await refusal(second.accessToken)).toBeNull();

    // The laptop's first refresh token was copied and comes back: the whole laptop session ends.
    const reused = await refresh(laptop.refreshToken);
    expect(reused).toMatchObject({ code: 'REFRESH_TOKEN_REUSED', message: expect.stringContaining('已被他人复制') });
    expect(failure(await refresh(second.refreshToken)).code).toBe('TOKEN_REVOKED');
    for (const token of [laptop.accessToken, first.accessToken, second.accessToken]) expect(await refusal(token)).toBe('TOKEN_REVOKED');

    // The phone's session is another family and carries on.
    expect(await refusal(phone.accessToken)).toBeNull();
    const phoneNext = success(await refresh(phone.refreshToken));
    expect(await refusal(phoneNext.accessToken)).toBeNull();
  });

  it('answers the same refresh token presented twice at once with at most one new session', async () => {
    const session = await login('finance');
    const answers = await Promise.all(Array.from({ length: 5 }, () => refresh(session.refreshToken)));
    const winners = answers.filter((answer) => answer.__typename === 'MutationRefreshSessionSuccess');
    expect(winners.length).toBeLessThanOrEqual(1);
    expect(answers.filter((answer) => answer.__typename === 'DomainError' && answer.code === 'REFRESH_TOKEN_REUSED').length).toBeGreaterThanOrEqual(4);
    // Two holders of one token: the session is over for both.
    for (const winner of winners) expect(await refusal(success(winner).accessToken)).toBe('TOKEN_REVOKED');
  });
});

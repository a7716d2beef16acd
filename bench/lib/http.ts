/** GraphQL over HTTP for the bench, and small async helpers shared by the scenarios. */
import type { Target } from './target.js';

export async function gql<T = any>(
  target: Target,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<{ data?: T; errors?: unknown[] }> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: T; errors?: unknown[] };
}

const LOGIN = `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { __typename ... on MutationLoginSuccess { data { accessToken } } ... on Error { code message } } }`;

export async function login(target: Target, username: string, password: string): Promise<string> {
  const result = await gql(target, LOGIN, { u: username, p: password });
  const token = result.data?.login?.data?.accessToken as string | undefined;
  if (!token) throw new Error(`login ${username} failed: ${JSON.stringify(result)}`);
  return token;
}

export async function mapLimit<T, R>(list: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(list.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, list.length) }, async () => {
      while (next < list.length) {
        const index = next++;
        out[index] = await work(list[index]!);
      }
    }),
  );
  return out;
}

export const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`, 'utf8').toString('base64');

export async function timeIt<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

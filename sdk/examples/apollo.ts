/**
 * Apollo Client with the SDK's generated documents. HttpLink sends POST; with `useGETForQueries` the
 * CSRF header is required, so it is always sent (Apollo's own `apollo-require-preflight` works too).
 */
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { ReviewQueueDocument } from '@lixiao/sdk';

export function reviewClient(url: string, token: string): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri: url, headers: { authorization: `Bearer ${token}`, 'x-graphql-yoga-csrf': '1' }, useGETForQueries: true }),
    cache: new InMemoryCache(),
  });
}

export async function pendingCount(client: ApolloClient): Promise<number> {
  const { data } = await client.query({ query: ReviewQueueDocument, variables: { filter: { status: ['PENDING'] }, first: 1 } });
  return data?.reviewQueue.counts.pending ?? 0;
}
